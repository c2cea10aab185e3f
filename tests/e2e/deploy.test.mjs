// The systemd unit of deploy/systemd/ against what the festival really does: systemd-analyze accepts
// the file, and a festival run as an unprivileged user with no writable-and-executable memory
// (MemoryDenyWriteExecute's kernel equivalent, PR_SET_MDWE) seeds the demo, transcodes, probes an
// upload, serves pages, vendor files, media, sign-in, plays and heartbeats, and stops, under strace:
// every system call it made is one the unit's SystemCallFilter allows, and every socket it opened is of
// a family its RestrictAddressFamilies allows.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';

import { buildDir, getJson, repoDir, signInApi, waitFor } from './support.mjs';

const unitFile = path.join(repoDir, 'deploy/systemd/festival.service');
const unit = readFileSync(unitFile, 'utf8');
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

// The values of a unit's KEY= lines, in order.
const unitValues = (key) => unit.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1).trim());

// systemd's named sets of system calls, each expanded to names ({"@system-service": Set{…}}).
function syscallSets() {
  const text = spawnSync('systemd-analyze', ['syscall-filter'], { encoding: 'utf8' }).stdout;
  const members = new Map();
  let current = null;
  for (const line of text.split('\n')) {
    if (/^@/.test(line)) members.set((current = line.trim()), []);
    else if (current && /^\s+[@a-z0-9_]/.test(line)) members.get(current).push(line.trim());
  }
  const expand = (name, seen = new Set()) => {
    if (!name.startsWith('@')) return new Set([name]);
    if (seen.has(name)) return new Set();
    seen.add(name);
    return new Set((members.get(name) || []).flatMap((m) => [...expand(m, seen)]));
  };
  return expand;
}

// What the unit's SystemCallFilter= lines let through: the union of the allow lists minus the `~` lists.
function allowedSyscalls() {
  const expand = syscallSets();
  const allowed = new Set();
  const denied = new Set();
  for (const value of unitValues('SystemCallFilter')) {
    const deny = value.startsWith('~');
    for (const name of value.replace(/^~/, '').split(/\s+/).filter(Boolean))
      for (const call of expand(name)) (deny ? denied : allowed).add(call);
  }
  for (const call of denied) allowed.delete(call);
  return allowed;
}

test('systemd-analyze verify accepts the unit', { skip: !has('systemd-analyze') && 'systemd-analyze is not installed' }, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'festival-unit-'));
  try {
    // verify checks that ExecStart's executable exists: point it at the built one.
    const copy = path.join(work, 'festival.service');
    writeFileSync(copy, unit.replace('/usr/local/bin/festival', path.join(buildDir, 'festival')));
    const verified = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.stderr.trim(), '', 'no warning');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the festival and its transcoders make only the system calls and sockets the unit allows', {
  timeout: 480_000,
  skip: (!has('strace') && 'strace is not installed') || (!has('systemd-analyze') && 'systemd-analyze is not installed'),
}, async (t) => {
  const allowed = allowedSyscalls();
  assert.ok(allowed.has('read') && allowed.has('seccomp') && !allowed.has('setuid'), 'the filter as the unit states it');
  const families = new Set(unitValues('RestrictAddressFamilies').flatMap((v) => v.split(/\s+/)));

  const work = mkdtempSync(path.join(tmpdir(), 'festival-syscalls-'));
  const dataDir = path.join(work, 'data');
  const trace = path.join(work, 'trace.txt');
  mkdirSync(dataDir);
  // As the unit's dedicated user would: root switches to nobody, anyone else runs as itself.
  const asRoot = process.getuid() === 0;
  if (asRoot) {
    chmodSync(work, 0o755);
    chownSync(work, 65534, 65534);
    chownSync(dataDir, 65534, 65534);
  }
  const festivalArgs = [path.join(buildDir, 'festival'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir,
    '--demo', '--transcoders', '1', '--view-seconds', '2'];
  // PR_SET_MDWE (65) with PR_MDWE_REFUSE_EXEC_GAIN, kept across execve: what MemoryDenyWriteExecute= sets.
  const mdwe = 'import ctypes, os, sys\n'
    + 'if ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) != 0: sys.exit("PR_SET_MDWE is not supported")\n'
    + 'os.execvp(sys.argv[1], sys.argv[1:])\n';
  const traced = ['/usr/bin/python3', '-c', mdwe, 'strace', '-f', '-qq', '-o', trace, ...festivalArgs];
  const command = asRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...traced] : traced;
  const child = spawn(command[0], command.slice(1), { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (d) => stderr.push(d.toString()));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // strace (the process spawned, once setpriv and python have exec'd it) blocks fatal signals while it
  // traces a command: signals go to the festival, its child.
  let festivalPid = null;
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      if (festivalPid) process.kill(festivalPid, 'SIGKILL');
      child.kill('SIGKILL');
    }
    await exited;
    rmSync(work, { recursive: true, force: true });
  });

  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line).url.replace(/\/$/, '')));
    exited.then(({ code, signal }) => reject(new Error(`festival exited (${code ?? signal}): ${stderr.join('')}`)));
  });
  festivalPid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);

  // Media published by the sandboxed transcode children, served as a viewer gets it.
  const film = await waitFor(async () => {
    const { items } = await getJson(`${url}/api/films?screening=now&per_page=100`);
    return items.find((f) => f.media && f.media.master) || null;
  }, { timeoutMs: 300_000, intervalMs: 2000, message: 'a demo film with media' });
  for (const page of ['/', `/films/${film.slug}`, '/js/player.js', '/vendor/hls.min.js'])
    assert.equal((await fetch(`${url}${page}`)).status, 200, page);
  const text = async (address) => {
    const response = await fetch(address);
    const body = await response.text();
    assert.equal(response.status, 200, `${address}: ${body}`);
    return body;
  };
  const firstUri = (playlist) => playlist.split('\n').find((l) => l && !l.startsWith('#'));
  // /media follows the catalog within the server's availability refresh (every 2 s).
  const masterUrl = `${url}${film.media.master}`;
  await waitFor(async () => (await fetch(masterUrl)).status === 200, { message: `${masterUrl} served` });
  const variant = new URL(firstUri(await text(masterUrl)), masterUrl);
  await text(new URL(firstUri(await text(variant)), variant));

  // Sign-in (argon2id), a play and a heartbeat, and an upload the probe child examines.
  const { cookie, csrf } = await signInApi(url, 'curator@demo.festival');
  const play = await (await fetch(`${url}/api/films/${film.id}/plays`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
  })).json();
  const beat = await fetch(`${url}/api/plays/${play.play_id}/heartbeat`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ position: 3, played: 3 }),
  });
  assert.equal(beat.status, 200);
  assert.equal((await beat.json()).screening, true);  // the answer carries the film's media tokens
  const clip = path.join(work, 'clip.mp4');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:duration=2',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-y', clip]);
  assert.equal(made.status, 0, made.stderr?.toString());
  const bytes = readFileSync(clip);
  const upload = await fetch(`${url}/api/uploads`, {
    method: 'POST',
    headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Tus-Resumable': '1.0.0', 'Upload-Length': String(bytes.length),
      'Upload-Metadata': `film ${Buffer.from(String(film.id)).toString('base64')}`,
      'Content-Type': 'application/offset+octet-stream' },
    body: bytes,
  });
  assert.equal(upload.status, 201, await upload.text());
  const uploadPath = upload.headers.get('location');
  await waitFor(async () => {
    const state = await getJson(`${url}${uploadPath}`, { headers: { Cookie: cookie } });
    return state.status === 'done' ? state : null;
  }, { timeoutMs: 120_000, message: 'the upload probed and queued' });

  process.kill(festivalPid, 'SIGTERM');
  const { code } = await exited;  // strace exits with the festival's status
  assert.equal(code, 0, stderr.join('').slice(-2000));

  const used = new Set();
  const sockets = new Set();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const call = /^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>)/.exec(line);
    if (call) used.add(call[1]);
    const socket = /^\d+\s+socket\((AF_[A-Z0-9]+)/.exec(line);
    if (socket) sockets.add(socket[1]);
  }
  assert.ok(used.has('seccomp') && used.has('sendfile') && used.has('execve'), `a real trace: ${[...used].join(' ')}`);
  assert.deepEqual([...used].filter((c) => !allowed.has(c)).sort(), [], 'system calls outside SystemCallFilter');
  assert.deepEqual([...sockets].filter((f) => !families.has(f)).sort(), [], 'socket families outside RestrictAddressFamilies');
});
