// The curator's workspace in chromium: create a film, upload a small real film through the page
// (tus-js-client), follow the transcode live and end with a playable film; an upload interrupted by a
// page reload resumes from what the server kept; a file that is not a film shows its reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  buildDir, getJson, hasTranscoder, launchBrowser, screenshot, seriousAccessibilityViolations, signInApi,
  signInContext, startFestival, waitFor, watchPageErrors,
} from './support.mjs';

const email = 'curator@uploads.test';
const password = 'curator page password';
const organizerEmail = 'organizer@uploads.test';
let festival;
let browser;
let work;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'festival-curator-'));
  // No demo: its own films would keep the transcoder busy before ours.
  festival = await startFestival({ demo: false, extraArgs: ['--transcoders', hasTranscoder() ? '1' : '0'] });
  const added = spawnSync(path.join(buildDir, 'festival'), ['user', 'add', '--email', email, '--role', 'curator',
    '--data-dir', festival.dataDir], { input: `${password}\n` });
  assert.equal(added.status, 0, added.stderr?.toString());
  const organizer = spawnSync(path.join(buildDir, 'festival'), ['user', 'add', '--email', organizerEmail, '--role',
    'organizer', '--data-dir', festival.dataDir], { input: `${password}\n` });
  assert.equal(organizer.status, 0, organizer.stderr?.toString());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await festival?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function signedInPage() {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${festival.url}/login?next=/curator`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('form button[type="submit"]');
  await page.waitForURL(/\/curator/);
  await page.waitForSelector('#curator-new');
  errors.length = 0;  // the sign-in page's own GET /api/session answers 401 before signing in
  return { context, page, errors };
}

async function createFilm(page, title) {
  await page.click('#curator-new');
  await page.waitForSelector('#curator-new-form');
  await page.fill('#curator-new-form input[id$="-original"]', title);
  await page.selectOption('#curator-new-form select[id$="-category"]', 'short');
  await page.fill('#curator-new-form input[id$="-title-en"]', `${title} (English)`);
  await page.fill('#curator-new-form input[id$="-title-fr"]', `${title} (français)`);
  await page.check('#curator-new-form input[id$="-published"]');
  await page.click('#curator-create');
  await page.waitForSelector('#curator-film-form');
  return Number(/#film=(\d+)/.exec(page.url())[1]);
}

test('a curator creates a film, uploads it through the page and it becomes playable', { timeout: 240_000 }, async (t) => {
  if (!hasTranscoder()) return t.skip(`${buildDir}/festival-transcoder is not built: no transcode, nothing to play`);
  const film = path.join(work, 'tiny.mp4');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=6',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac',
    '-shortest', '-y', film]);
  assert.equal(made.status, 0, made.stderr?.toString());

  const { context, page, errors } = await signedInPage();
  const id = await createFilm(page, 'Tiny film');
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
  await page.setInputFiles('#curator-master-file', film);
  await page.click('#curator-upload-start');
  await page.waitForFunction(() => document.querySelector('#curator-upload-status')?.className === 'success', null, { timeout: 60_000 });
  // Live job progress arrives over server-sent events until the job is done.
  await page.waitForFunction(() => document.querySelector('#curator-job-status')?.dataset.status === 'done', null, { timeout: 180_000 });
  assert.equal(await page.getAttribute('#curator-job-progress', 'value'), '100');
  await screenshot(page, 'curator-transcoded');

  const info = await getJson(`${festival.url}/api/films/${id}`);
  assert.ok(info.published);
  assert.ok(info.media, 'the film has media');
  const master = await fetch(`${festival.url}${info.media.master}`);
  assert.equal(master.status, 200);
  const variant = (await master.text()).split('\n').find((l) => l && !l.startsWith('#'));
  const playlistUrl = new URL(variant, `${festival.url}${info.media.master}`);
  const playlist = await (await fetch(playlistUrl)).text();
  const segment = playlist.split('\n').find((l) => l && !l.startsWith('#'));
  const segmentResponse = await fetch(new URL(segment, playlistUrl));
  assert.equal(segmentResponse.status, 200);
  assert.ok((await segmentResponse.arrayBuffer()).byteLength > 1000);

  // French subtitles for the film online: a new version at once, the video not re-encoded.
  const srt = path.join(work, 'tiny.fr.srt');
  writeFileSync(srt, '1\r\n00:00:00,500 --> 00:00:05,000\r\nBonjour à tous\r\n');
  await page.selectOption('#curator-subtitles-lang', 'fr');
  await page.setInputFiles('#curator-subtitles-file', srt);
  await page.click('#curator-subtitles-send');
  await page.waitForFunction(() => document.querySelector('#curator-subtitles-status')?.className === 'success');
  const withSubtitles = await waitFor(async () => {
    const now = await getJson(`${festival.url}/api/films/${id}`);
    return now.media.version !== info.media.version ? now : null;
  }, { message: 'a new media version with subtitles' });
  const newMaster = await (await fetch(`${festival.url}${withSubtitles.media.master}`)).text();
  assert.match(newMaster, /TYPE=SUBTITLES.*LANGUAGE="fr"/);
  const cues = await (await fetch(new URL('subtitles/fr.vtt', `${festival.url}${withSubtitles.media.master}`))).text();
  assert.match(cues, /Bonjour à tous/);

  // A new master for the published film: its version waits until the curator previews and publishes it.
  const previousJob = await page.getAttribute('#curator-job-status', 'data-job');
  await page.setInputFiles('#curator-master-file', film);
  await page.click('#curator-upload-start');
  // The job panel names the new job as soon as the upload is stored, never the previous one done.
  const shownJob = await page.waitForFunction(() => document.querySelector('#curator-upload-status')?.className === 'success'
    && document.querySelector('#curator-job-status').dataset.job, null, { timeout: 60_000 });
  assert.notEqual(await shownJob.jsonValue(), previousJob);
  await page.waitForFunction(() => document.querySelector('#curator-job-status')?.dataset.status === 'done', null, { timeout: 180_000 });
  assert.equal((await getJson(`${festival.url}/api/films/${id}`)).media.version, withSubtitles.media.version);
  await page.reload();
  await page.waitForSelector('#curator-pending-publish');
  await page.click('#curator-pending-preview');
  await page.waitForSelector('#curator-pending-player video');
  await page.click('#curator-pending-publish');
  await page.waitForSelector('#curator-film-form');
  const republished = await waitFor(async () => {
    const now = await getJson(`${festival.url}/api/films/${id}`);
    return now.media.version > withSubtitles.media.version ? now : null;
  }, { message: 'the new master published by the curator' });
  assert.equal((await fetch(`${festival.url}${republished.media.master}`)).status, 200);
  assert.deepEqual(errors, []);
  await context.close();

  // And a visitor plays it on its film page.
  const visitor = await browser.newContext({ locale: 'en-GB' });
  const viewerPage = await visitor.newPage();
  const viewerErrors = watchPageErrors(viewerPage);
  await viewerPage.goto(`${festival.url}/films/${info.slug}`);
  await viewerPage.waitForSelector('.player video');
  await viewerPage.click('.player-big-play');
  await waitFor(() => viewerPage.evaluate(() => document.querySelector('video').currentTime > 1.5),
    { timeoutMs: 60_000, message: 'the uploaded film playing past 1.5 s' });
  assert.equal(await viewerPage.evaluate(() => document.querySelector('video').error), null);
  // An anonymous visitor's GET /api/session is a 401 by design; nothing else may fail.
  assert.deepEqual(viewerErrors.filter((e) => !e.includes('status of 401')), []);
  await visitor.close();
});

test('an upload interrupted by a page reload resumes from the stored offset; a non-film shows its reason', { timeout: 180_000 }, async () => {
  const file = path.join(work, 'not-a-film.mov');
  writeFileSync(file, randomBytes(24 * 1024 * 1024));
  const { context, page, errors } = await signedInPage();
  const id = await createFilm(page, 'Slow upload');
  // A slow uplink, as from a festival office: the reload comes while bytes are still flowing.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1.5 * 1024 * 1024 });
  await page.setInputFiles('#curator-master-file', file);
  await page.click('#curator-upload-start');
  await page.waitForSelector('#curator-upload-figures:not(:empty)');
  // The server checkpoints every 16 MB of a PATCH: wait until it has made some bytes durable.
  const curatorCookies = await context.cookies();
  const cookie = curatorCookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const uploads = () => getJson(`${festival.url}/api/films/${id}/uploads`, { headers: { Cookie: cookie } });
  await waitFor(async () => (await uploads()).items[0]?.offset > 0, { timeoutMs: 60_000, message: 'a durable offset' });
  const kept = (await uploads()).items[0].offset;
  // Switching the language redraws the page; the upload goes on and its figures follow the language.
  const sentBefore = Number(await page.getAttribute('#curator-upload-progress', 'value'));
  await page.click('.lang-switcher button[data-lang="fr"]');
  await page.waitForFunction(() => /Mo sur/.test(document.querySelector('#curator-upload-figures')?.textContent || ''));
  await page.waitForFunction((before) => Number(document.querySelector('#curator-upload-progress').value) > before, sentBefore);

  await page.reload();
  await page.waitForSelector('#curator-upload-resumable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const patchOffsets = [];
  page.on('request', (request) => {
    if (request.method() === 'PATCH') patchOffsets.push(Number(request.headers()['upload-offset']));
  });
  await page.setInputFiles('#curator-master-file', file);
  await page.click('#curator-upload-start');
  await page.waitForFunction(() => document.querySelector('#curator-upload-status')?.className === 'error', null, { timeout: 60_000 });
  assert.ok(patchOffsets.length > 0 && patchOffsets[0] >= kept, `resumed at ${patchOffsets[0]}, the server kept ${kept}`);
  const refusal = await page.textContent('#curator-upload-status');
  assert.match(refusal, /refusé/);  // the page is in French since the switch
  const last = (await uploads()).items[0];
  assert.equal(last.status, 'failed');
  assert.equal(last.offset, 24 * 1024 * 1024);
  assert.ok(refusal.includes(last.error), `${refusal} shows ${last.error}`);
  assert.equal((await uploads()).items.length, 1, 'one upload, resumed, not restarted');
  await screenshot(page, 'curator-refused');

  // A poster, checked by its bytes, shows in the editor.
  const poster = path.join(work, 'poster.png');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=darkred:s=200x300', '-frames:v', '1', '-y', poster]);
  assert.equal(made.status, 0, made.stderr?.toString());
  await page.setInputFiles('#curator-poster-file', poster);
  await page.click('#curator-poster-send');
  await page.waitForFunction(() => document.querySelector('#curator-poster-image')?.naturalWidth === 200);

  // A transcode that failed shows its reason (recorded as a worker records it).
  const failed = spawnSync('sqlite3', [path.join(festival.dataDir, 'catalog.db'),
    `INSERT INTO jobs (film_id, source_path, status, attempts, error) VALUES (${id}, '/nowhere.mov', 'failed', 3, 'the decoder stopped at 00:12:04')`]);
  assert.equal(failed.status, 0, failed.stderr?.toString());
  await page.reload();
  await page.waitForSelector('#curator-job-error:not([hidden])');
  assert.match(await page.textContent('#curator-job-error'), /the decoder stopped at 00:12:04/);
  assert.equal(await page.getAttribute('#curator-job-status', 'data-status'), 'failed');
  // The film list says so too, from the list's own answer.
  assert.match(await page.textContent(`#curator-films button[data-film="${id}"] .meta`), /Tâche \d+ : échec/);  // this page speaks French
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
  assert.deepEqual(errors.filter((e) => !e.includes('422')), []);
  await context.close();
});

test('another curator\'s film is read-only on the page until an organizer assigns it', { timeout: 120_000 }, async () => {
  const { cookie, csrf } = await signInApi(festival.url, organizerEmail, password);
  const created = await fetch(`${festival.url}/api/films`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
    body: JSON.stringify({ original_title: 'Film des organisateurs', category: 'short' }),
  });
  assert.equal(created.status, 201);
  const filmId = (await created.json()).id;

  const curator = await signedInPage();
  await curator.page.goto(`${festival.url}/curator#film=${filmId}`);
  await curator.page.waitForSelector('#curator-read-only');
  assert.equal(await curator.page.locator('#curator-film-form, #curator-owners-input, #curator-poster-send').count(), 0);
  assert.equal(await curator.page.getAttribute(`button[data-film="${filmId}"]`, 'data-can-edit'), 'false');

  const organizerContext = await browser.newContext({ locale: 'en-GB' });
  await signInContext(organizerContext, festival.url, organizerEmail, password);
  const organizerPage = await organizerContext.newPage();
  const organizerErrors = watchPageErrors(organizerPage);
  await organizerPage.goto(`${festival.url}/curator#film=${filmId}`);
  await organizerPage.waitForSelector('#curator-owners-input');
  assert.deepEqual(await seriousAccessibilityViolations(organizerPage), []);
  await organizerPage.fill('#curator-owners-input', email);
  await organizerPage.click('#curator-owners-save');
  await organizerPage.waitForFunction(
    () => document.querySelector('#curator-owners-input')?.value === 'curator@uploads.test');
  assert.deepEqual(organizerErrors, []);

  await curator.page.reload();
  await curator.page.waitForSelector('#curator-film-form');
  assert.equal(await curator.page.locator('#curator-read-only, #curator-owners-input').count(), 0);
  assert.deepEqual(curator.errors, []);
  await organizerContext.close();
  await curator.context.close();
});

// The film as its curator reads it from the API.
async function filmAsStaff(context, id) {
  const response = await context.request.get(`${festival.url}/api/films/${id}`);
  assert.equal(response.status(), 200);
  return response.json();
}

test('a curator sets the film\'s rights rules, sees the countries named, and reads them back from the film', { timeout: 120_000 }, async () => {
  const { context, page, errors } = await signedInPage();
  const id = await createFilm(page, 'Rights film');
  const form = '#curator-film-form';
  await page.waitForSelector(`${form} input[id$="-rights-countries"]`);
  assert.match(await page.textContent(`${form} [id$="-rights-country-names"]`), /every country/);
  await page.fill(`${form} input[id$="-rights-countries"]`, 'fr, be');
  // The names in the page's language, from Intl.DisplayNames.
  assert.equal(await page.textContent(`${form} [id$="-rights-country-names"]`), 'Shown in: France, Belgium');

  // A code that is not two letters is refused before anything is sent.
  await page.fill(`${form} input[id$="-rights-countries"]`, 'FRA');
  await page.click('#curator-save');
  await page.waitForFunction(() => /two-letter codes/.test(document.querySelector('#curator-film-form [role="status"]').textContent));
  assert.equal((await filmAsStaff(context, id)).rights.countries.length, 0);

  await page.fill(`${form} input[id$="-rights-countries"]`, 'fr, be');
  await page.fill(`${form} input[id$="-rights-max-views"]`, '3');
  await page.fill(`${form} input[id$="-rights-start-hours"]`, '72');
  await page.fill(`${form} input[id$="-rights-watch-hours"]`, '24');
  await page.click('#curator-save');
  const rules = { countries: ['FR', 'BE'], max_views: 3, start_hours: 72, watch_hours: 24 };
  await waitFor(async () => JSON.stringify((await filmAsStaff(context, id)).rights) === JSON.stringify(rules),
    { message: 'the rights rules saved' });

  // Read back into the form after a reload; emptying a field lifts that limit.
  await page.reload();
  await page.waitForSelector(`${form} input[id$="-rights-countries"]`);
  assert.equal(await page.inputValue(`${form} input[id$="-rights-countries"]`), 'FR, BE');
  assert.equal(await page.inputValue(`${form} input[id$="-rights-max-views"]`), '3');
  assert.deepEqual(await seriousAccessibilityViolations(page), []);
  await page.fill(`${form} input[id$="-rights-max-views"]`, '');
  await page.click('#curator-save');
  const lifted = { ...rules, max_views: null };
  await waitFor(async () => JSON.stringify((await filmAsStaff(context, id)).rights) === JSON.stringify(lifted),
    { message: 'the cap on views lifted' });
  assert.deepEqual(errors, []);
  await context.close();
});
