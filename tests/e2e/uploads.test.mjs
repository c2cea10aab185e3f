// tus-js-client against the real server: a 300 MB upload survives `kill -9` of the server mid-way,
// resumes from the offset the server had made durable (never from zero), and the assembled bytes hash
// to the source's SHA-256, while the server's memory stays flat.
//
// The uploaded bytes are not a film: the last PATCH is answered once they are stored, the probe then
// refuses them and the upload is kept, status "failed", with its bytes in data/uploads/<id>.part: the
// test hashes that file, which is exactly what the server assembled before the probe step.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import * as tus from 'tus-js-client';

import { buildDir, signInApi } from './support.mjs';

const exe = path.join(buildDir, 'festival');
const password = 'uploads test password';
const MB = 1024 * 1024;

// A festival process on `dataDir`, on `port` (0: any free one); resolves with {child, url, port}.
function startServer(dataDir, port = 0) {
  const child = spawn(exe, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--transcoders', '0',
    '--access-log', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const errors = [];
  child.stderr.on('data', (d) => { errors.push(d.toString()); if (errors.length > 500) errors.splice(0, 250); });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      const url = JSON.parse(line).url.replace(/\/$/, '');
      resolve({ child, url, port: Number(new URL(url).port), log: () => errors.join('') });
    });
    child.once('exit', (code, signal) => reject(new Error(`festival exited (${code ?? signal}): ${errors.join('')}`)));
  });
}

function waitExit(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

const signIn = (url) => signInApi(url, 'c@festival.test', password);

// 300 MB that does not compress or repeat: a random 1 MB block with each copy's index stamped in.
function writeSource(file, megabytes) {
  const block = randomBytes(MB);
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  for (let i = 0; i < megabytes; i++) {
    block.writeUInt32BE(i, 0);
    block.writeUInt32BE(i * 2654435761 >>> 0, MB / 2);
    writeSync(fd, block);
    hash.update(block);
  }
  closeSync(fd);
  return hash.digest('hex');
}

function rssBytes(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;  // between kill and restart
  }
}

test('a 300 MB tus upload resumes after kill -9 of the server and assembles byte for byte', { timeout: 300_000 }, async (t) => {
  if (!existsSync(exe)) return t.skip(`${exe} is not built`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'festival-uploads-'));
  const source = path.join(dataDir, 'source.bin');
  let server = null;
  t.after(async () => {
    if (server) { server.child.kill('SIGKILL'); await waitExit(server.child); }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const added = spawnSync(exe, ['user', 'add', '--email', 'c@festival.test', '--role', 'curator', '--data-dir', dataDir],
    { input: `${password}\n` });
  assert.equal(added.status, 0, added.stderr?.toString());
  const size = 300 * MB;
  const sourceSha = writeSource(source, 300);

  server = await startServer(dataDir);
  const { url, port } = server;
  let session = await signIn(url);
  const film = await fetch(`${url}/api/films`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: session.cookie, 'X-CSRF-Token': session.csrf },
    body: JSON.stringify({ slug: 'voyage', original_title: 'Voyage', category: 'documentary' }),
  });
  assert.equal(film.status, 201);

  let maxRss = 0;
  const sampler = setInterval(() => { if (server) maxRss = Math.max(maxRss, rssBytes(server.child.pid)); }, 50);
  t.after(() => clearInterval(sampler));

  let killed = false;
  let restarted = null;
  let killedAt = 0;
  const offsetsAfterRestart = [];  // Upload-Offset of every HEAD the client made after the restart
  const patchOffsetsAfterRestart = [];
  let uploadUrl = null;

  const outcome = await new Promise((resolve) => {
    const upload = new tus.Upload(createReadStream(source), {
      endpoint: `${url}/api/uploads`,
      metadata: { film: 'voyage', filename: 'big.bin' },
      headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf },
      retryDelays: [100, 300, 500, 1000, 1000, 2000, 2000, 3000, 5000, 5000],
      onBeforeRequest: (req) => {
        if (restarted && req.getMethod() === 'PATCH') patchOffsetsAfterRestart.push(Number(req.getHeader('Upload-Offset')));
      },
      onAfterResponse: (req, res) => {
        if (restarted && req.getMethod() === 'HEAD') offsetsAfterRestart.push(Number(res.getHeader('Upload-Offset')));
      },
      onProgress: (sent) => {
        uploadUrl ??= upload.url;
        if (killed || sent < 120 * MB) return;
        // Mid-way: the server dies without any shutdown code and comes back on the same port and data.
        killed = true;
        killedAt = sent;
        const dead = server.child;
        dead.kill('SIGKILL');
        restarted = waitExit(dead).then(async () => {
          server = await startServer(dataDir, port);
          return server;
        });
      },
      onSuccess: () => resolve({ ok: true, upload }),
      onError: (error) => resolve({ ok: false, error, upload }),
    });
    upload.start();
  });
  clearInterval(sampler);

  assert.ok(killed, 'the server was killed mid-upload');
  await restarted;
  assert.ok(offsetsAfterRestart.length > 0, 'the client asked the restarted server where to resume');
  assert.ok(offsetsAfterRestart[0] > 0, `resumed from ${offsetsAfterRestart[0]}, not from zero`);
  assert.ok(offsetsAfterRestart[0] <= killedAt, 'the server never claims bytes the client had not sent');
  assert.ok(patchOffsetsAfterRestart.length > 0 && patchOffsetsAfterRestart.every((o) => o > 0),
    `PATCHes after the restart started at ${patchOffsetsAfterRestart}`);

  // Not a film: every byte is stored, then the probe refuses it with its reason (the upload's record
  // says so, as the curator page polls it), and the bytes stay for inspection.
  assert.equal(outcome.ok, true, String(outcome.error));
  const id = outcome.upload.url.split('/').pop();
  session = await signIn(server.url);
  let status;
  for (let i = 0; i < 300; i++) {
    status = await (await fetch(`${server.url}/api/uploads/${id}`, { headers: { Cookie: session.cookie } })).json();
    if (status.status !== 'receiving') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status.status, 'failed');
  assert.equal(status.offset, size);
  assert.ok(status.error.length > 0);

  const stored = path.join(dataDir, 'uploads', `${id}.part`);
  const storedHash = createHash('sha256');
  for await (const chunk of createReadStream(stored)) storedHash.update(chunk);
  assert.equal(storedHash.digest('hex'), sourceSha, 'the assembled file hashes like the source');

  assert.ok(maxRss > 0, 'RSS was sampled');
  assert.ok(maxRss < 100 * MB, `server RSS peaked at ${(maxRss / MB).toFixed(1)} MB`);
  console.log(`# killed at ${(killedAt / MB).toFixed(1)} MB sent, resumed from ${(offsetsAfterRestart[0] / MB).toFixed(1)} MB; ` +
    `peak server RSS ${(maxRss / MB).toFixed(1)} MB`);
});
