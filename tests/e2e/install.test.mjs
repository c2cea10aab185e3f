// The festival as installed by `cmake --install` into a temporary prefix: started from there (no flag
// naming its pages or its transcoder, from a folder that is not the source tree), it transcodes an
// uploaded film and plays it in chromium, hls.js coming from the installed vendor files; with one page
// asset removed from the installed tree it refuses to start, naming the asset.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { buildDir, getJson, launchBrowser, signInApi, startFestival, waitFor, watchPageProblems } from './support.mjs';

const email = 'curator@install.test';
const password = 'installed festival password';
let work;
let prefix;
let installed;

before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'festival-install-'));
  prefix = path.join(work, 'prefix');
  const install = spawnSync('cmake', ['--install', buildDir, '--prefix', prefix], { encoding: 'utf8' });
  assert.equal(install.status, 0, `cmake --install: ${install.stdout}${install.stderr}`);
  installed = path.join(prefix, 'bin/festival');
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// The installed `festival` run to completion (bounded: a server that wrongly starts is stopped).
function runInstalled(args, input) {
  return spawnSync(installed, args, { cwd: work, input, encoding: 'utf8', timeout: 60_000 });
}

test('cmake --install puts both executables and the complete pages, browser libraries included, in place', () => {
  for (const file of ['bin/festival', 'bin/festival-transcoder', 'share/festival/web/film.html',
    'share/festival/web/js/player.js', 'share/festival/web/vendor/hls.min.js', 'share/festival/web/vendor/tus.min.js',
    'share/festival/web/vendor/chart.umd.js'])
    assert.ok(existsSync(path.join(prefix, file)), `${file} is installed`);
  // The same bytes as the lock file's package.
  assert.deepEqual(readFileSync(path.join(prefix, 'share/festival/web/vendor/hls.min.js')),
    readFileSync(path.join(buildDir, 'web/vendor/hls.min.js')));
});

test('the installed festival transcodes an uploaded film and plays it in chromium', { timeout: 420_000 }, async () => {
  const film = path.join(work, 'tiny.mp4');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=6',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac',
    '-shortest', '-y', film]);
  assert.equal(made.status, 0, made.stderr?.toString());

  const festival = await startFestival({ exe: installed, cwd: work, demo: false, extraArgs: ['--transcoders', '1'] });
  let browser;
  try {
    // Started without --web-dir or --transcoder: both were found beside the installed executable.
    assert.ok(festival.log().includes(`"web_dir":"${prefix}/share/festival/web"`), "the installed pages");
    assert.ok(festival.log().includes(`"transcoder":"${prefix}/bin/festival-transcoder"`), "the installed transcoder");
    const added = runInstalled(['user', 'add', '--email', email, '--role', 'curator', '--data-dir', festival.dataDir], `${password}\n`);
    assert.equal(added.status, 0, added.stderr);
    const { cookie, csrf } = await signInApi(festival.url, email, password);
    const headers = { Cookie: cookie, 'X-CSRF-Token': csrf };

    const created = await fetch(`${festival.url}/api/films`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ slug: 'installed-film', original_title: 'Installed film', category: 'short', published: true,
        texts: { en: { title: 'Installed film', synopsis: 'Played from an installed festival.' } } }),
    });
    const createdText = await created.text();
    assert.equal(created.status, 201, createdText);
    const { id } = JSON.parse(createdText);

    // The master in one tus creation-with-upload request.
    const bytes = readFileSync(film);
    const upload = await fetch(`${festival.url}/api/uploads`, {
      method: 'POST',
      headers: { ...headers, 'Tus-Resumable': '1.0.0', 'Upload-Length': String(bytes.length),
        'Upload-Metadata': `film ${Buffer.from(String(id)).toString('base64')},filename ${Buffer.from('tiny.mp4').toString('base64')}`,
        'Content-Type': 'application/offset+octet-stream' },
      body: bytes,
    });
    assert.equal(upload.status, 201, await upload.text());
    assert.equal(upload.headers.get('upload-offset'), String(bytes.length));

    // The installed festival-transcoder (found beside festival) publishes it.
    const info = await waitFor(async () => {
      const now = await getJson(`${festival.url}/api/films/${id}`);
      return now.media?.master ? now : null;
    }, { timeoutMs: 300_000, intervalMs: 1000, message: 'the uploaded film transcoded by the installed transcoder' });

    // /media follows the catalog within the server's availability refresh (every 2 s).
    await waitFor(async () => (await fetch(`${festival.url}${info.media.master}`)).status === 200,
      { message: 'the master playlist served' });
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    const problems = watchPageProblems(page, festival.url);
    const vendor = [];
    page.on('response', (response) => {
      if (response.url().includes('/vendor/')) vendor.push(`${new URL(response.url()).pathname} ${response.status()}`);
    });
    await page.goto(`${festival.url}/films/${info.slug}`);
    await page.waitForSelector('.player video');
    await page.click('.player-big-play');
    await waitFor(() => page.evaluate(() => document.querySelector('video').currentTime > 1.5),
      { timeoutMs: 60_000, message: 'the film playing past 1.5 s' });
    assert.equal(await page.evaluate(() => document.querySelector('video').error), null);
    assert.ok(await page.evaluate(() => Boolean(window.Hls && window.festivalPlayer.hls)), 'hls.js drives the video');
    assert.ok(vendor.includes('/vendor/hls.min.js 200'), `hls.js from the installed vendor files: ${vendor}`);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await browser?.close();
    await festival.stop();
  }
});

test('with a page asset removed from the installed tree, the installed festival refuses to start and names it', () => {
  const data = path.join(work, 'data');
  const ready = runInstalled(['serve', '--help']);
  assert.equal(ready.status, 0, ready.stderr);
  rmSync(path.join(prefix, 'share/festival/web/vendor/hls.min.js'));
  const refused = runInstalled(['serve', '--listen', '127.0.0.1:0', '--data-dir', data, '--transcoders', '0']);
  assert.equal(refused.status, 1, `exit ${refused.status} ${refused.signal ?? ''}: ${refused.stdout}${refused.stderr}`);
  assert.match(refused.stderr, /web asset \/vendor\/hls\.min\.js \(loaded by \/film\.html\) is missing/);
  assert.match(refused.stderr, /"event":"web_asset_missing"/);
  assert.doesNotMatch(refused.stdout, /listening/);
});
