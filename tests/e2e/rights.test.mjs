// Rights rules through the reference nginx (deploy/nginx/festival.conf): viewers on different loopback
// addresses, placed in countries by a MaxMind database this test writes (tests/support/
// write_geo_database.pl: 127.0.0.2 in France, 127.0.0.3 in Germany), reach the festival through its
// trusted proxy. A film allowed in France plays there (master and a segment, never stored by the cache)
// and is refused from Germany with the message, even with a French viewer's URL; a cap of 3 views
// refuses the fourth pass; a watch window refuses a late return (the festival's test clock).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { curlIn, makeCertificate, nginxAvailable, startNginxFront } from './nginx-front.mjs';
import { buildDir, repoDir, startFestival } from './support.mjs';

const exe = path.join(buildDir, 'festival');
const organizer = { email: 'organizer@festival.test', password: 'rights test password 2026' };
const secret = 'rights-test-secret-0123456789abcdef';
const france = '127.0.0.2';
const germany = '127.0.0.3';
const clockStart = 1_900_000_000_000;  // the passes' clock, in unix milliseconds

let work;
let festival;
let nginx;
let session;
let clockFile;

const curl = (url, options) => curlIn(work, url, options);
const json = (response) => JSON.parse(response.body.toString());
const api = (pathname, { signedIn = false, body, ...options } = {}) => {
  const headers = { ...(options.headers ?? {}) };
  if (signedIn) Object.assign(headers, { Cookie: session.cookie, 'X-CSRF-Token': session.csrf });
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return curl(`${nginx.origin}${pathname}`, { ...options, headers, data: body === undefined ? undefined : JSON.stringify(body) });
};
const pass = (n) => n.toString(16).padStart(32, '0');
const setClock = (ms) => writeFileSync(clockFile, String(ms));

// A published film with these rights and a version made by hand (a master, a media playlist, a
// segment): what /media serves does not depend on how the files were made.
async function filmWithMedia(slug, rights) {
  const created = await api('/api/films', { method: 'POST', signedIn: true, body: {
    slug, original_title: `Rights ${slug}`, category: 'short', published: true, rights,
  } });
  assert.equal(created.status, 201, created.body.toString());
  const { id } = json(created);
  const version = path.join(festival.dataDir, 'media', String(id), 'v1');
  mkdirSync(path.join(version, '360p'), { recursive: true });
  writeFileSync(path.join(version, 'master.m3u8'),
    '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=320x180\n360p/index.m3u8\n');
  writeFileSync(path.join(version, '360p', 'index.m3u8'),
    '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg_000.m4s\n#EXT-X-ENDLIST\n');
  writeFileSync(path.join(version, '360p', 'seg_000.m4s'), Buffer.alloc(4096, 7));
  const updated = spawnSync('sqlite3', [path.join(festival.dataDir, 'catalog.db'),
    `PRAGMA busy_timeout = 5000; UPDATE films SET media_version = 1 WHERE id = ${id};`]);
  assert.equal(updated.status, 0, updated.stderr?.toString());
  return id;
}

const skipReason = () => {
  if (!nginxAvailable) return 'nginx is not installed (scripts/install-deps --tests)';
  if (!existsSync(exe)) return `${exe} is not built`;
  if (spawnSync('perl', ['-MMaxMind::DB::Writer::Tree', '-e', '1']).status !== 0)
    return 'libmaxmind-db-writer-perl is not installed (scripts/install-deps --tests)';
  if (spawnSync('sqlite3', ['-version']).status !== 0) return 'sqlite3 is not installed (scripts/install-deps --tests)';
  return null;
};

describe('rights rules through nginx, for viewers in different countries', { skip: skipReason() ?? false }, () => {
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'festival-rights-'));
    chmodSync(work, 0o755);
    makeCertificate(work);
    const geo = path.join(work, 'countries.mmdb');
    const written = spawnSync('perl', [path.join(repoDir, 'tests/support/write_geo_database.pl'), geo,
      `${france}/32=FR`, `${germany}/32=DE`]);
    assert.equal(written.status, 0, written.stderr?.toString());
    writeFileSync(path.join(work, 'media-token-secret'), `${secret}\n`, { mode: 0o600 });
    clockFile = path.join(work, 'clock');
    setClock(clockStart);

    festival = await startFestival({
      demo: false,
      extraArgs: ['--transcoders', '0', '--trusted-proxies', '127.0.0.1', '--geo-database', geo,
        '--test-clock-file', clockFile, '--media-token-secret-file', path.join(work, 'media-token-secret')],
    });
    const added = spawnSync(exe, ['user', 'add', '--email', organizer.email, '--role', 'organizer', '--data-dir', festival.dataDir],
      { env: { ...process.env, FESTIVAL_PASSWORD: organizer.password } });
    assert.equal(added.status, 0, added.stderr?.toString());
    nginx = await startNginxFront({ work, upstreamPort: new URL(festival.url).port, secret });
    const signIn = await api('/api/session', { method: 'POST', body: organizer });
    assert.equal(signIn.status, 200, signIn.body.toString());
    session = { cookie: signIn.headers['set-cookie'].split(';')[0], csrf: json(signIn).csrf_token };
  });

  after(async () => {
    await nginx?.stop();
    await festival?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the festival says at start-up which geo database places viewers', () => {
    assert.match(festival.log(), /"event":"geo_database"/);
    assert.doesNotMatch(festival.log(), /"event":"geo_off"/);
  });

  test('a film allowed in France plays there and is refused from Germany, even with a French viewer\'s URL', { timeout: 60_000 }, async () => {
    const id = await filmWithMedia('french', { countries: ['FR'] });
    const seen = json(await api(`/api/films/${id}`, { iface: france }));
    assert.deepEqual(seen.access, { required: false, refusal: null });
    const master = `${nginx.origin}${seen.media.master}`;
    const segment = new URL('360p/seg_000.m4s', master).href;
    for (const url of [master, new URL('360p/index.m3u8', master).href, segment]) {
      for (let i = 0; i < 2; i += 1) {
        const served = await curl(url, { iface: france });
        assert.equal(served.status, 200, url);
        assert.match(served.headers['cache-control'], /^private/);
        assert.notEqual(served.headers['x-cache-status'], 'HIT', 'a country-ruled file is never stored by the cache');
      }
    }
    assert.match((await curl(master, { iface: france })).body.toString(), /^#EXTM3U/);
    assert.equal((await curl(segment, { iface: france })).body.length, 4096);
    const started = await api(`/api/films/${id}/plays`, { method: 'POST', iface: france, body: {} });
    assert.equal(started.status, 201, started.body.toString());

    const refusal = { code: 'rights_country', message: 'this film may not be shown in your country' };
    const fromGermany = json(await api(`/api/films/${id}`, { iface: germany }));
    assert.deepEqual(fromGermany.access, { required: false, refusal });
    assert.equal(fromGermany.media.token, undefined);
    assert.equal(fromGermany.media.master, undefined);
    for (const url of [master, segment]) {
      const refused = await curl(url, { iface: germany });
      assert.equal(refused.status, 403, url);
      assert.deepEqual(json(refused).error, refusal);
      assert.equal(refused.headers['cache-control'], 'no-store');
    }
    const start = await api(`/api/films/${id}/plays`, { method: 'POST', iface: germany, body: {} });
    assert.equal(start.status, 403);
    assert.deepEqual(json(start).error, refusal);
    const access = await api(`/api/films/${id}/access`, { method: 'POST', iface: germany, body: { pass: pass(1) } });
    assert.equal(access.status, 403);
    assert.equal(json(access).error.code, 'rights_country');
  });

  test('a cap of 3 views refuses the fourth pass; the first three come back and play', { timeout: 60_000 }, async () => {
    const id = await filmWithMedia('capped', { max_views: 3 });
    const seen = json(await api(`/api/films/${id}`, { iface: france }));
    assert.deepEqual(seen.access, { required: true, refusal: null });
    assert.equal(seen.media.token, undefined, 'a gated film\'s JSON carries no token');
    for (const n of [1, 2, 3]) {
      const granted = await api(`/api/films/${id}/access`, { method: 'POST', iface: n === 2 ? germany : france, body: { pass: pass(n) } });
      assert.equal(granted.status, 200, granted.body.toString());
      const { media } = json(granted);
      assert.equal((await curl(`${nginx.origin}${media.master}`, { iface: france })).status, 200);
    }
    const fourth = await api(`/api/films/${id}/access`, { method: 'POST', iface: france, body: { pass: pass(4) } });
    assert.equal(fourth.status, 403);
    assert.equal(json(fourth).error.code, 'rights_views');
    assert.equal(json(fourth).error.message, 'this film has had every view its rights allow');
    const fourthStart = await api(`/api/films/${id}/plays`, { method: 'POST', iface: france, body: { pass: pass(4) } });
    assert.equal(json(fourthStart).error.code, 'rights_views');
    const again = await api(`/api/films/${id}/plays`, { method: 'POST', iface: france, body: { pass: pass(1) } });
    assert.equal(again.status, 201, again.body.toString());
  });

  test('a watch window refuses a late return', { timeout: 60_000 }, async () => {
    const id = await filmWithMedia('window', { start_hours: 72, watch_hours: 24 });
    const registered = await api(`/api/films/${id}/access`, { method: 'POST', iface: france, body: { pass: pass(9) } });
    assert.equal(registered.status, 200, registered.body.toString());
    assert.equal(json(registered).pass.start_until, '2030-03-20T17:46:40Z');  // 72 h after the test clock
    setClock(clockStart + 48 * 3600_000);
    const started = await api(`/api/films/${id}/plays`, { method: 'POST', iface: france, body: { pass: pass(9) } });
    assert.equal(started.status, 201, started.body.toString());
    setClock(clockStart + (48 + 23) * 3600_000);
    const back = json(await api(`/api/films/${id}/access`, { method: 'POST', iface: france, body: { pass: pass(9) } }));
    assert.equal(back.pass.watch_until, '2030-03-20T17:46:40Z');  // 24 h after its first play
    assert.ok(back.media.token);
    setClock(clockStart + (48 + 24) * 3600_000);
    for (const route of ['access', 'plays']) {
      const late = await api(`/api/films/${id}/${route}`, { method: 'POST', iface: france, body: { pass: pass(9) } });
      assert.equal(late.status, 403, route);
      assert.deepEqual(json(late).error, { code: 'rights_watch_window', message: 'the time to watch this film has passed' });
    }
    setClock(clockStart);
  });
});
