// The festival on several machines, all on loopback: a PostgreSQL catalog, two `festival serve` nodes on
// one shared data folder behind nginx as the balancer (deploy/nginx/festival-nodes.conf), and two remote
// transcoder workers with folders of their own and no access to the catalog. A curator's upload through
// node A survives A's `kill -9` and is finished through node B; the first worker is killed mid-job and
// the second finishes it; the film plays through the balancer in ffprobe and in Chromium's hls.js; 200
// viewers on addresses of their own, spread over both nodes by the balancer, are counted exactly (views,
// unique viewers) and their watch time within the tolerance docs/nodes.md states, while one node is
// killed and restarted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tus from 'tus-js-client';

import { nginxAvailable } from './nginx-front.mjs';
import {
  addUser, balancerReference, festivalExe, startBalancer, startNode, startRemoteWorker, transcoderExe,
} from './nodes.mjs';
import { currentTime, openFilmPage, playerMessage } from './player-pages.mjs';
import { postgresqlUnavailable, startPostgresql } from './postgresql.mjs';
import { launchBrowser, signInApi, waitFor } from './support.mjs';

const curator = { email: 'curator@festival.test', password: 'nodes test password 2026' };
const organizer = { email: 'organizer@festival.test', password: 'nodes test password 2026' };
const VIEWERS = 200;
const PLAYED = 0.5;        // seconds each heartbeat claims, sent once a second: always within the credit cap
const ROUNDS = 16;         // heartbeats per viewer
const KILL_AFTER = 8;      // node A dies after this round…
const RESTART_AFTER = 12;  // …and comes back after this one
const FLUSH_MS = 500;      // each node writes its audience batch this often

// What this build has; each missing part is skipped by name, never passed.
const capability = {
  postgresql: spawnSync('ldd', [festivalExe]).stdout?.toString().includes('libpq') ?? false,
  remoteWorkers: (() => {
    const usage = spawnSync(transcoderExe, ['--help']);
    return `${usage.stdout}${usage.stderr}`.includes('work --server');
  })(),
  workerTokens: (() => {
    const usage = spawnSync(festivalExe, ['worker']);
    return `${usage.stdout}${usage.stderr}`.includes('festival worker add');
  })(),
  adoption: existsSync(balancerReference),  // the nodes' balancer ships with play adoption and shared day keys
};

const skipReason = () => {
  if (!nginxAvailable) return 'nginx is not installed (scripts/install-deps --tests)';
  if (!existsSync(festivalExe)) return `${festivalExe} is not built`;
  if (!existsSync(transcoderExe)) return `${transcoderExe} is not built: no transcode, nothing to play`;
  if (!capability.adoption) return 'this build has no several-node support (deploy/nginx/festival-nodes.conf, docs/nodes.md)';
  return null;
};

let work;
let catalog = null;  // {url, stop} of PostgreSQL, or null: the shared folder's SQLite file
let dataDir;
let nodeA;
let nodeB;
let balancer;
let browser;
let film;            // {id, slug}
const nodeArgs = [];

const json = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
async function api(base, session, pathname, init = {}) {
  const response = await fetch(`${base}${pathname}`, {
    ...init,
    headers: { ...(init.headers ?? {}), Cookie: session.cookie, 'X-CSRF-Token': session.csrf },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('two nodes, a balancer, PostgreSQL and remote workers', { skip: skipReason() ?? false }, () => {
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'festival-nodes-'));
    chmodSync(work, 0o755);
    dataDir = path.join(work, 'shared-data');
    if (capability.postgresql && !postgresqlUnavailable()) catalog = await startPostgresql();
    else console.log(`# catalog: the shared folder's SQLite file (${capability.postgresql ? postgresqlUnavailable() : 'this build has no PostgreSQL engine'})`);
    addUser({ dataDir, catalog: catalog?.url, ...curator, role: 'curator' });
    addUser({ dataDir, catalog: catalog?.url, ...organizer, role: 'organizer' });
    // The balancer checks media tokens with the nodes' secret (secure_link), before its cache.
    const secret = 'nodes-test-media-token-secret-0123456789';
    writeFileSync(path.join(work, 'media-token.secret'), `${secret}\n`, { mode: 0o600 });
    nodeArgs.push('--view-seconds', '3', '--audience-flush-ms', String(FLUSH_MS), '--job-lease-seconds', '6',
      '--heartbeat-seconds', '2', '--media-token-secret-file', path.join(work, 'media-token.secret'));
    // Without remote workers, node B transcodes itself so the rest of the test has a film.
    const transcoders = (name) => (capability.remoteWorkers || name === 'a' ? ['--transcoders', '0'] : ['--transcoders', '1']);
    nodeA = await startNode({ dataDir, catalog: catalog?.url, name: 'a', extraArgs: [...nodeArgs, ...transcoders('a')] });
    nodeB = await startNode({ dataDir, catalog: catalog?.url, name: 'b', extraArgs: [...nodeArgs, ...transcoders('b')] });
    balancer = await startBalancer({ work, nodePorts: [nodeA.port, nodeB.port], secret });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await balancer?.stop();
    await nodeA?.kill('SIGTERM');
    await nodeB?.kill('SIGTERM');
    await catalog?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('an upload through node A, killed mid-way, is resumed and finished through node B', { timeout: 180_000 }, async () => {
    const session = await signInApi(nodeA.url, curator.email, curator.password);
    const created = await api(nodeA.url, session, '/api/films', json({
      slug: 'across-nodes', original_title: 'Across nodes', category: 'short', published: true, texts: { en: { title: 'Across nodes' } },
    }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    film = { id: created.body.id, slug: 'across-nodes' };

    // 30 s of 640x360 at 5 Mbit/s (~19 MB): long enough to upload in 1 MB PATCHes and to transcode a while.
    const source = path.join(work, 'film.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=30',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=30', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '5M',
      '-c:a', 'aac', '-shortest', '-y', source]);
    assert.equal(made.status, 0, made.stderr?.toString());
    const size = statSync(source).size;
    const sourceSha = createHash('sha256').update(readFileSync(source)).digest('hex');

    let killedAt = 0;
    const first = await new Promise((resolve) => {
      const upload = new tus.Upload(createReadStream(source), {
        endpoint: `${nodeA.url}/api/uploads`,
        chunkSize: 1024 * 1024,
        uploadSize: size,
        metadata: { film: film.slug, filename: 'film.mp4' },
        headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf },
        retryDelays: [],
        onProgress: (sent) => {
          if (killedAt || sent < 4 * 1024 * 1024) return;
          killedAt = sent;
          nodeA.child.kill('SIGKILL');  // the host dies: no shutdown code runs
        },
        onSuccess: () => resolve({ ok: true, upload }),
        onError: (error) => resolve({ ok: false, error, upload }),
      });
      upload.start();
    });
    assert.ok(killedAt > 0, 'node A was killed mid-upload');
    assert.equal(first.ok, false, 'the upload could not finish on the dead node');
    const id = first.upload.url.split('/').pop();
    await nodeA.kill();

    // The same upload, resumed through node B: it asks where to go on, then sends only the rest.
    const heads = [];
    const patches = [];
    const second = await new Promise((resolve) => {
      const upload = new tus.Upload(createReadStream(source), {
        uploadUrl: `${nodeB.url}/api/uploads/${id}`,
        chunkSize: 1024 * 1024,
        uploadSize: size,
        headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf },
        retryDelays: [200, 500, 1000],
        onBeforeRequest: (req) => { if (req.getMethod() === 'PATCH') patches.push(Number(req.getHeader('Upload-Offset'))); },
        onAfterResponse: (req, res) => { if (req.getMethod() === 'HEAD') heads.push(Number(res.getHeader('Upload-Offset'))); },
        onSuccess: () => resolve({ ok: true }),
        onError: (error) => resolve({ ok: false, error }),
      });
      upload.start();
    });
    assert.equal(second.ok, true, String(second.error));
    assert.ok(heads.length > 0 && heads[0] > 0, `node B told the offset to resume from: ${heads}`);
    assert.ok(heads[0] <= killedAt, `node B never claims bytes the client had not sent (${heads[0]} > ${killedAt})`);
    assert.ok(patches.length > 0 && patches[0] === heads[0], `the first PATCH through B started at ${patches[0]}`);

    const status = await waitFor(async () => {
      const answer = await api(nodeB.url, session, `/api/uploads/${id}`);
      return answer.body.status !== 'receiving' ? answer.body : null;
    }, { timeoutMs: 60_000, message: 'the upload probed' });
    assert.equal(status.status, 'done', JSON.stringify(status));
    assert.equal(status.offset, size);
    const stored = path.join(dataDir, 'sources', String(film.id));
    const masters = existsSync(stored) ? spawnSync('sh', ['-c', `sha256sum ${stored}/*`]).stdout.toString() : '';
    assert.ok(masters.includes(sourceSha), `the master in the shared folder hashes like the source: ${masters}`);

    nodeA = await nodeA.restart();  // back on its port, behind the balancer again
  });

  test('the first worker is killed mid-job and the second finishes it', { timeout: 420_000 }, async (t) => {
    const session = await signInApi(balancer.url, curator.email, curator.password);
    const jobs = async () => (await api(balancer.url, session, `/api/films/${film.id}/jobs`)).body.jobs;
    if (!capability.remoteWorkers || !capability.workerTokens) {
      t.diagnostic('remote workers are not in this build (festival-transcoder work --server, festival worker add): node B transcodes');
      await waitFor(async () => (await jobs())[0]?.status === 'done', { timeoutMs: 300_000, intervalMs: 1000, message: 'the local transcode' });
      t.skip('remote workers are not in this build');
      return;
    }
    const tokenFile = (name) => {
      const args = ['worker', 'add', name, '--data-dir', dataDir];
      if (catalog) args.push('--catalog', catalog.url);
      const added = spawnSync(festivalExe, args);
      assert.equal(added.status, 0, added.stderr?.toString());
      const token = added.stdout.toString().trim().split(/\s+/).pop();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/, `festival worker add printed ${added.stdout}`);
      const file = path.join(work, `${name}.token`);
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      return file;
    };
    // Each worker has its own folder under work/, not the shared data folder.
    const one = startRemoteWorker({ server: balancer.url, tokenFile: tokenFile('one'), workDir: path.join(work, 'worker-one'),
      label: 'host-one', extraArgs: ['--lease-seconds', '6'] });
    const claimed = await waitFor(async () => {
      const job = (await jobs())[0];
      return job?.status === 'running' && job.worker === 'one/host-one' ? job : null;
    }, { timeoutMs: 120_000, intervalMs: 100, message: `worker one claiming the job (${one.log()})` });
    await one.kill();
    const two = startRemoteWorker({ server: balancer.url, tokenFile: tokenFile('two'), workDir: path.join(work, 'worker-two'),
      label: 'host-two', extraArgs: ['--lease-seconds', '6'] });
    t.after(() => two.kill());
    const done = await waitFor(async () => {
      const job = (await jobs()).find((j) => j.id === claimed.id);
      if (job.status === 'failed' || job.status === 'cancelled') throw new Error(JSON.stringify(job));
      return job.status === 'done' ? job : null;
    }, { timeoutMs: 360_000, intervalMs: 1000, message: `worker two finishing the job (${two.log()})` });
    assert.equal(done.worker, 'two/host-two', 'finished by the second worker');
    assert.ok(done.attempts >= 2, `the job was claimed again after the first worker died (${done.attempts} attempts)`);
  });

  test('the film plays through the balancer: ffprobe and hls.js in Chromium', { timeout: 180_000 }, async () => {
    // Each node learns of the new version within seconds (it re-reads what changed in the catalog).
    const shown = await waitFor(async () => {
      const body = await (await fetch(`${balancer.url}/api/films/${film.id}`)).json();
      if (!body.media?.master) return null;
      for (const node of [nodeA, nodeB]) if ((await fetch(`${node.url}${body.media.master}`)).status !== 200) return null;
      return body;
    }, { timeoutMs: 30_000, message: 'the film served by both nodes' });
    const master = `${balancer.url}${shown.media.master}`;
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', master]);
    assert.equal(probe.status, 0, probe.stderr?.toString());
    const streams = probe.stdout.toString().split('\n').map((l) => l.split(',').reverse().join(':'));
    assert.ok(streams.includes('video:h264'), `ffprobe found ${streams}`);
    assert.ok(streams.includes('audio:aac'), `ffprobe found ${streams}`);

    const { page, context, problems } = await openFilmPage(browser, { url: balancer.url }, film.slug);
    await page.waitForSelector('.player video');
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 3, { timeoutMs: 60_000, message: 'hls.js playing past 3 s' });
    assert.equal(await playerMessage(page), null, 'no player error');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${VIEWERS} viewers over both nodes are counted while node A is killed and restarted`, { timeout: 240_000 }, async (t) => {
    const session = await signInApi(balancer.url, organizer.email, organizer.password);
    // Each node writes its own batch: read until two reads a few flushes apart agree.
    const settledTotals = async () => {
      let previous = null;
      return waitFor(async () => {
        const current = (await api(balancer.url, session, '/api/stats')).body.totals;
        const settled = previous && JSON.stringify(previous) === JSON.stringify(current);
        previous = current;
        return settled ? current : null;
      }, { timeoutMs: 30_000, intervalMs: 4 * FLUSH_MS, message: 'the statistics settled' });
    };
    const before = await settledTotals();  // the browser's play above
    const viewers = Array.from({ length: VIEWERS }, (_, i) => new Viewer(`127.0.0.${i + 2}`, `festival-nodes-viewer-${i}`));
    t.after(() => viewers.forEach((v) => v.close()));
    for (const viewer of viewers) {
      const started = await viewer.post(`${balancer.url}/api/films/${film.id}/plays`, {});
      assert.equal(started.status, 201, started.text);
      viewer.play = JSON.parse(started.text).play_id;
    }
    // Every play's row is in the catalog (written at its node's next flush), so either node can adopt it.
    await new Promise((r) => setTimeout(r, 3 * FLUSH_MS));

    const sent = [];  // {at, seconds} of every accepted heartbeat
    let killedAt = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const roundStart = Date.now();
      const answers = await Promise.all(viewers.map((v) =>
        v.post(`${balancer.url}/api/plays/${v.play}/heartbeat`, { position: round * PLAYED, played: PLAYED })));
      for (const answer of answers) {
        assert.equal(answer.status, 200, `round ${round}: ${answer.status} ${answer.text}`);
        sent.push({ at: answer.at, seconds: PLAYED });
      }
      if (round === KILL_AFTER) {
        killedAt = Date.now();
        await nodeA.kill('SIGKILL');
      }
      if (round === RESTART_AFTER) nodeA = await nodeA.restart();
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - roundStart))));
    }

    const sentSeconds = sent.reduce((sum, h) => sum + h.seconds, 0);
    // What a kill -9 may lose (docs/nodes.md, "Tolerance of the counts"): what the dead node received
    // since its last flush, i.e. heartbeats answered within one flush interval before the kill, or two
    // when the kill cut a flush's write short.
    const atRisk = sent.filter((h) => h.at <= killedAt && h.at > killedAt - 2 * FLUSH_MS).reduce((sum, h) => sum + h.seconds, 0);
    const after = await settledTotals();
    const totals = {};
    for (const key of ['plays', 'views', 'unique_viewers', 'watch_seconds']) totals[key] = after[key] - before[key];
    console.log(`# ${VIEWERS} viewers: sent ${sentSeconds} s, stored ${totals.watch_seconds} s (at risk at the kill: ${atRisk} s); ` +
      `views ${totals.views}, unique viewers ${totals.unique_viewers}, plays ${totals.plays}`);
    assert.equal(totals.plays, VIEWERS, 'each play counted once');
    assert.equal(totals.views, VIEWERS, 'each play one view, counted by exactly one node');
    assert.equal(totals.unique_viewers, VIEWERS, 'unique viewers exact across nodes (shared day keys)');
    assert.ok(totals.watch_seconds <= sentSeconds + 1e-6, `never more watch time than sent: ${totals.watch_seconds} > ${sentSeconds}`);
    assert.ok(totals.watch_seconds >= sentSeconds - atRisk - 1e-6,
      `lost only what the dead node had not written: ${sentSeconds - totals.watch_seconds} s > ${atRisk} s`);
  });
});

// A simulated viewer: its own loopback address (the balancer passes it on as X-Forwarded-For) and user
// agent, on one kept-alive connection as a browser would.
class Viewer {
  constructor(address, agentName) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: address });
    this.userAgent = agentName;
    this.play = null;
  }

  post(url, body) {
    const data = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(url, {
        method: 'POST',
        agent: this.agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'User-Agent': this.userAgent },
      }, (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString(), at: Date.now() }));
      });
      request.on('error', reject);
      request.end(data);
    });
  }

  close() {
    this.agent.destroy();
  }
}
