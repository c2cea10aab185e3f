// The festival behind Debian's nginx, configured by deploy/nginx/festival.conf itself (only its
// site-specific lines rewritten for loopback), with a certificate made here by openssl: a film uploaded
// with tus and transcoded, then fetched over HTTPS and HTTP/2 by curl and ffprobe; one cached copy of
// each segment whatever its token; heartbeats, statistics and their event stream reach the festival;
// viewers counted by their own addresses, forged headers gaining nothing; a 403 never cached; and a
// closed screening window refusing the cached film once the last token expires (≤ 2 × token seconds);
// and premiere rooms' WebSocket upgrades passed through on /api/rooms/ only.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { WebSocket, WebSocketServer } from 'ws';

import { curlIn, freePort, makeCertificate, nginxAvailable, startNginxFront } from './nginx-front.mjs';
import { buildDir, hasTranscoder, startFestival, waitFor } from './support.mjs';

const run = promisify(execFile);
const exe = path.join(buildDir, 'festival');
const tokenSeconds = 4;  // a media token lives between 4 and 8 s
const organizer = { email: 'organizer@festival.test', password: 'nginx test password 2026' };
const secret = 'nginx-test-secret-0123456789abcdef';

let work;
let festival;
let nginx;
let httpsPort;
let httpPort;
let origin;    // https://127.0.0.1:<httpsPort>
let session;   // the organizer's {cookie, csrf}, signed in through nginx
let film;      // {id, version}
let segment;   // a segment's path inside the version, e.g. "360p/seg_001.m4s"

/**
 * One request with curl (tests/e2e/nginx-front.mjs), plus `signedIn`: with the organizer's session.
 */
async function curl(url, { signedIn = false, headers = {}, ...options } = {}) {
  if (signedIn) headers = { Cookie: session.cookie, 'X-CSRF-Token': session.csrf, ...headers };
  return curlIn(work, url, { headers, ...options });
}
const json = (response) => JSON.parse(response.body.toString());
const api = (pathname, options = {}) => curl(`${origin}${pathname}`, { signedIn: true, ...options });
const jsonBody = (value) => ({ data: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } });
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

// The signature nginx's secure_link_md5 "$expires/media/$film/v$version $secret" checks.
function token(expires, id = film.id, version = film.version) {
  const sig = createHash('md5').update(`${expires}/media/${id}/v${version} ${secret}`).digest('base64url');
  return `${expires}-${sig}`;
}
const currentExpires = () => (Math.floor(Date.now() / 1000 / tokenSeconds) + 2) * tokenSeconds;
const tokenOf = (url) => /\/media\/\d+\/v\d+\/(\d+-[A-Za-z0-9_-]{22})\//.exec(url)[1];

async function filmAsViewer() {
  const response = await curl(`${origin}/api/films/${film.id}`);
  assert.equal(response.status, 200);
  return json(response);
}

async function patchFilm(fields) {
  const response = await api(`/api/films/${film.id}`, { method: 'PATCH', ...jsonBody(fields) });
  assert.equal(response.status, 200, response.body.toString());
}

async function stats() {
  const response = await api('/api/stats');
  assert.equal(response.status, 200, response.body.toString());
  return json(response);
}

const skipReason = () => {
  if (!nginxAvailable) return 'nginx is not installed (scripts/install-deps --tests)';
  if (!existsSync(exe)) return `${exe} is not built`;
  if (!hasTranscoder()) return `${buildDir}/festival-transcoder is not built: no transcode, nothing to play`;
  return null;
};

describe('the festival behind nginx (deploy/nginx/festival.conf)', { skip: skipReason() ?? false }, () => {
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'festival-nginx-'));
    chmodSync(work, 0o755);
    httpsPort = await freePort();
    httpPort = await freePort();
    origin = `https://127.0.0.1:${httpsPort}`;
    makeCertificate(work);
    writeFileSync(path.join(work, 'media-token-secret'), `${secret}\n`, { mode: 0o600 });

    festival = await startFestival({
      demo: false,
      extraArgs: ['--transcoders', '1', '--trusted-proxies', '127.0.0.1', '--public-url', origin,
        '--media-token-seconds', String(tokenSeconds), '--media-token-secret-file', path.join(work, 'media-token-secret'),
        '--heartbeat-seconds', '2'],
    });
    const added = spawnSync(exe, ['user', 'add', '--email', organizer.email, '--role', 'organizer', '--data-dir', festival.dataDir],
      { env: { ...process.env, FESTIVAL_PASSWORD: organizer.password } });
    assert.equal(added.status, 0, added.stderr?.toString());

    nginx = await startNginxFront({ work, upstreamPort: new URL(festival.url).port, secret, httpPort, httpsPort });

    const signIn = await curl(`${origin}/api/session`, { method: 'POST', ...jsonBody(organizer) });
    assert.equal(signIn.status, 200, signIn.body.toString());
    assert.match(signIn.headers['set-cookie'], /; Secure/i, 'behind HTTPS the session cookie is Secure');
    session = { cookie: signIn.headers['set-cookie'].split(';')[0], csrf: json(signIn).csrf_token };
  });

  after(async () => {
    await nginx?.stop();
    await festival?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a film uploaded with tus through nginx is transcoded; plain HTTP is redirected to HTTPS', { timeout: 300_000 }, async () => {
    const redirect = await curl(`http://127.0.0.1:${httpPort}/films/x?y=1`, { http2: false });
    assert.equal(redirect.status, 301);
    assert.match(redirect.headers.location, /^https:\/\/127\.0\.0\.1\/films\/x\?y=1$/);

    // Not screening yet: it opens in an hour (the 403 test below opens it).
    const created = await api('/api/films', { method: 'POST', ...jsonBody({
      original_title: 'Behind nginx', category: 'short', published: true, texts: { en: { title: 'Behind nginx' } },
      available_from: iso(Date.now() + 3600_000), available_until: iso(Date.now() + 7200_000),
    }) });
    assert.equal(created.status, 201, created.body.toString());
    const id = json(created).id;

    const source = path.join(work, 'film.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=6',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac',
      '-shortest', '-y', source]);
    assert.equal(made.status, 0, made.stderr?.toString());
    const b64 = (text) => Buffer.from(text).toString('base64');
    const length = readFileSync(source).length;
    const upload = await api('/api/uploads', { method: 'POST', data: { file: source }, headers: {
      'Tus-Resumable': '1.0.0', 'Upload-Length': String(length), 'Upload-Metadata': `film ${b64(String(id))},filename ${b64('film.mp4')}`,
      'Content-Type': 'application/offset+octet-stream',
    } });
    assert.equal(upload.status, 201, upload.body.toString());
    assert.equal(upload.headers['upload-offset'], String(length), 'the whole body reached the festival');

    const published = await waitFor(async () => {
      const response = await api(`/api/films/${id}`);
      return json(response).media ? json(response) : null;
    }, { timeoutMs: 240_000, intervalMs: 2000, message: 'the film transcoded and published' });
    film = { id, version: published.media.version };
  });

  test('scripts reach the browser compressed; the API\'s JSON never is', { timeout: 60_000 }, async () => {
    const gzip = { 'Accept-Encoding': 'gzip' };
    const player = await curl(`${origin}/vendor/hls.min.js`, { headers: gzip });
    assert.equal(player.status, 200);
    assert.equal(player.headers['content-encoding'], 'gzip');
    assert.ok(player.body.length < 300_000, `hls.min.js sent in ${player.body.length} bytes`);
    const page = await curl(`${origin}/js/player.js`, { headers: gzip });
    assert.equal(page.headers['content-encoding'], 'gzip');
    // JSON is never compressed, whoever serves it: the API's type, on a body long enough to compress.
    const strings = await curl(`${origin}/i18n/fr.json`, { headers: gzip });
    assert.equal(strings.status, 200);
    assert.match(strings.headers['content-type'], /^application\/json/);
    assert.ok(strings.body.length > 1024);
    assert.equal(strings.headers['content-encoding'], undefined);
  });

  test('a 403 is not cached: once the film opens, the same file is a 200', { timeout: 60_000 }, async () => {
    const url = () => `${origin}/media/${film.id}/v${film.version}/${token(currentExpires())}/master.m3u8`;
    const early = await curl(url());
    assert.equal(early.status, 403, 'the festival refuses a film before its window, whatever the token');
    assert.equal((await curl(url())).headers['x-cache-status'], 'MISS', 'the 403 was not stored');

    await patchFilm({ available_from: iso(Date.now() - 60_000) });
    // The festival re-reads windows every 2 s; never a cached 403 meanwhile.
    const open = await waitFor(async () => {
      const response = await curl(url());
      assert.notEqual(response.headers['x-cache-status'], 'HIT', `a cached ${response.status}`);
      return response.status === 200 ? response : null;
    }, { timeoutMs: 20_000, intervalMs: 500, message: 'the master playlist once the film opened' });
    assert.match(open.body.toString(), /^#EXTM3U/);
  });

  test('curl over HTTP/2 and ffprobe play the film over HTTPS; a segment\'s second request is a cache HIT', { timeout: 120_000 }, async () => {
    const { media } = await filmAsViewer();
    assert.match(media.master, new RegExp(`^/media/${film.id}/v${film.version}/\\d+-[A-Za-z0-9_-]{22}/master\\.m3u8$`));
    const masterUrl = `${origin}${media.master}`;
    const master = await curl(masterUrl);
    assert.equal(master.status, 200);
    assert.equal(master.version, '2', 'HTTP/2 to viewers');
    const variant = master.body.toString().split('\n').find((l) => l && !l.startsWith('#'));
    const variantUrl = new URL(variant, masterUrl);
    const playlist = (await curl(variantUrl.href)).body.toString();
    const segments = playlist.split('\n').filter((l) => l && !l.startsWith('#'));
    const lastSegment = new URL(segments.at(-1), variantUrl);
    segment = lastSegment.pathname.split('/').slice(5).join('/');

    const first = await curl(lastSegment.href);
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-cache-status'], 'MISS');
    // Another viewer, another token slice: the same cached copy.
    const other = `${origin}/media/${film.id}/v${film.version}/${token(currentExpires() + tokenSeconds)}/${segment}`;
    const second = await curl(other, { iface: '127.0.0.2' });
    assert.equal(second.status, 200);
    assert.equal(second.headers['x-cache-status'], 'HIT');
    assert.ok(second.body.equals(first.body));
    assert.match(second.headers['cache-control'], /immutable/);

    // ffprobe reads the film through nginx as a player would (master, variants, segments).
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name',
      '-of', 'json', `${origin}${(await filmAsViewer()).media.master}`], { maxBuffer: 1 << 20 });
    const streams = JSON.parse(probe.stdout).streams.map((s) => `${s.codec_type}:${s.codec_name}`);
    assert.ok(streams.includes('video:h264'), `ffprobe found ${streams}`);
    assert.ok(streams.includes('audio:aac'), `ffprobe found ${streams}`);

    // Tokens nginx must refuse before its cache: a bad signature, an expired one.
    const forgedSig = `${currentExpires()}-${'A'.repeat(22)}`;
    assert.equal((await curl(`${origin}/media/${film.id}/v${film.version}/${forgedSig}/${segment}`)).status, 403);
    const expired = `${origin}/media/${film.id}/v${film.version}/${token(Math.floor(Date.now() / 1000) - 1)}/${segment}`;
    assert.equal((await curl(expired)).status, 410);
  });

  test('viewers from 127.0.0.2-4 count as three; heartbeats and statistics reach the festival; forged addresses gain nothing', { timeout: 120_000 }, async () => {
    const before = (await stats()).totals;
    assert.equal(before.unique_viewers, 0);
    const play = async (iface, headers = {}) => {
      const response = await curl(`${origin}/api/films/${film.id}/plays`, { method: 'POST', iface,
        ...jsonBody({ duration: 6 }), headers: { 'Content-Type': 'application/json', ...headers } });
      assert.equal(response.status, 201, response.body.toString());
      return json(response);
    };
    const viewers = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
    const plays = [];
    for (const iface of viewers) plays.push(await play(iface));
    // A viewer claiming another address through nginx, in either header: nginx replaces them.
    await play('127.0.0.2', { 'X-Forwarded-For': '198.51.100.7' });
    await play('127.0.0.3', { Forwarded: 'for=198.51.100.8' });
    // A viewer going straight to the festival (no trusted proxy) with forged headers: refused, since
    // the festival is public over HTTPS only and believes no untrusted peer that it came over HTTPS.
    const direct = await curl(`${festival.url}/api/films/${film.id}/plays`, { method: 'POST', iface: '127.0.0.4', http2: false,
      ...jsonBody({ duration: 6 }), headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.9',
        'X-Forwarded-Proto': 'https' } });
    assert.equal(direct.status, 403, direct.body.toString());
    assert.equal(json(direct).error.code, 'https_required');

    // Each heartbeat reaches the festival, which answers the token of the moment (signed with the
    // secret nginx checks).
    for (const [i, p] of plays.entries()) {
      const beat = await curl(`${origin}/api/plays/${p.play_id}/heartbeat`, { method: 'POST', iface: viewers[i],
        ...jsonBody({ position: 2, played: 2 }) });
      assert.equal(beat.status, 200, beat.body.toString());
      assert.equal(beat.headers['x-cache-status'], undefined, 'heartbeats bypass the cache');
      const answer = json(beat);
      assert.equal(answer.screening, true);
      assert.equal(answer.media_tokens[film.version], token(answer.token_expires));
    }
    const counted = await waitFor(async () => {
      const { totals } = await stats();
      return totals.plays === 5 ? totals : null;
    }, { timeoutMs: 30_000, intervalMs: 1000, message: 'five plays in the statistics' });
    assert.equal(counted.unique_viewers, 3, 'three addresses, three viewers: forged headers changed nothing');

    // The count can move: a fourth address is a fourth viewer.
    await play('127.0.0.5');
    const fourth = await waitFor(async () => {
      const { totals } = await stats();
      return totals.plays === 6 ? totals : null;
    }, { timeoutMs: 30_000, intervalMs: 1000, message: 'a sixth play in the statistics' });
    assert.equal(fourth.unique_viewers, 4);
  });

  test('the live audience streams through nginx as events happen', { timeout: 60_000 }, async () => {
    const args = ['-sS', '-k', '-N', '--http2', '--max-time', '20', '-H', `Cookie: ${session.cookie}`, `${origin}/api/stats/live`];
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let received = '';
    child.stdout.on('data', (d) => { received += d.toString(); });
    try {
      await waitFor(() => /^data: /m.test(received), { timeoutMs: 10_000, message: 'the first event' });
      const events = () => received.split('\n').filter((l) => l.startsWith('data: ')).length;
      const seen = events();
      // A new play changes the live count: its event arrives while the stream stays open.
      const response = await curl(`${origin}/api/films/${film.id}/plays`, { method: 'POST', iface: '127.0.0.6',
        ...jsonBody({ duration: 6 }) });
      assert.equal(response.status, 201);
      await waitFor(() => events() > seen, { timeoutMs: 15_000, message: 'an event for the new play' });
    } finally {
      child.kill();
    }
  });

  test(`a closed window refuses the cached film once the last token expires (≤ ${2 * tokenSeconds} s)`, { timeout: 60_000 }, async () => {
    // A viewer watching: its heartbeats carry the newest token until the window closes.
    const started = await curl(`${origin}/api/films/${film.id}/plays`, { method: 'POST', iface: '127.0.0.7', ...jsonBody({}) });
    assert.equal(started.status, 201, started.body.toString());
    const beat = () => curl(`${origin}/api/plays/${json(started).play_id}/heartbeat`, { method: 'POST', iface: '127.0.0.7',
      ...jsonBody({ position: 1, played: 1 }) });

    const watching = json(await beat());
    assert.equal(watching.screening, true);
    let lastToken = watching.media_tokens[film.version];

    await patchFilm({ available_until: iso(Date.now()) });
    // The last token given out before the festival noticed (it re-reads windows every 2 s).
    const stoppedAt = await waitFor(async () => {
      const answer = json(await beat());
      if (answer.screening) lastToken = answer.media_tokens[film.version];
      return answer.screening ? null : Date.now() / 1000;
    }, { timeoutMs: 10_000, intervalMs: 200, message: 'heartbeats without a token' });
    // No new token anywhere: no media URL in the film's JSON, no play start.
    const after = await filmAsViewer();
    assert.equal(after.screening, 'ended');
    assert.equal(after.media?.master, undefined, 'no media URL once the window closed');
    const start = await curl(`${origin}/api/films/${film.id}/plays`, { method: 'POST', ...jsonBody({}) });
    assert.equal(start.status, 403);

    // The last token dies within 2 × token seconds of the close being seen…
    const last = `${origin}/media/${film.id}/v${film.version}/${lastToken}/${segment}`;
    const lastExpires = Number(lastToken.split('-')[0]);
    assert.ok(lastExpires <= stoppedAt + 2 * tokenSeconds, `the last token expires at ${lastExpires}, issuing stopped at ${stoppedAt}`);
    // …then nginx refuses it, though its cache still holds the segment.
    await waitFor(() => Date.now() / 1000 > lastExpires + 1, { timeoutMs: 3 * tokenSeconds * 1000, message: 'the token expired' });
    assert.equal((await curl(last)).status, 410);
  });
});

// The premiere rooms' WebSocket through the same configuration: an upgrade on /api/rooms/ reaches the
// origin as one, with the client's address and scheme; elsewhere no upgrade passes. A `ws` server
// stands in for the festival (whose WebSockets server_tests covers): this checks the edge alone.
describe('WebSocket upgrades through nginx (deploy/nginx/festival.conf)', { skip: nginxAvailable ? false : 'nginx is not installed (scripts/install-deps --tests)' }, () => {
  test('a room socket on /api/rooms/ is passed through as an upgrade, no other path is', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'festival-nginx-ws-'));
    chmodSync(dir, 0o755);
    makeCertificate(dir);
    const upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(upstream, 'listening');
    const seen = [];
    upstream.on('connection', (socket, request) => {
      seen.push({ url: request.url, forwardedFor: request.headers['x-forwarded-for'], proto: request.headers['x-forwarded-proto'] });
      socket.on('message', (data) => socket.send(`echo ${data}`));
    });
    const front = await startNginxFront({ work: dir, upstreamPort: upstream.address().port, secret });
    try {
      const client = new WebSocket(`${front.origin.replace('https:', 'wss:')}/api/rooms/7/socket`, { rejectUnauthorized: false });
      await once(client, 'open');
      client.send('bonsoir');
      const [reply] = await once(client, 'message');
      assert.equal(reply.toString(), 'echo bonsoir');
      assert.deepEqual(seen, [{ url: '/api/rooms/7/socket', forwardedFor: '127.0.0.1', proto: 'https' }]);
      client.close();
      await once(client, 'close');

      const elsewhere = new WebSocket(`${front.origin.replace('https:', 'wss:')}/api/films/7`, { rejectUnauthorized: false });
      elsewhere.on('error', () => {});  // the refused upgrade's end, expected
      const [request, refusal] = await once(elsewhere, 'unexpected-response');
      assert.equal(refusal.statusCode, 426, 'the origin saw a plain request');
      request.destroy();
      assert.equal(seen.length, 1);
    } finally {
      await front.stop();
      upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
