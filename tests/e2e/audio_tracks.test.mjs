// Audio tracks in chromium: a curator adds an audio description to their film through the page (tus),
// sees a file that is not sound refused with its reason, removes the track; the catalog's
// accessibility filter shows exactly the films with audio description, subtitles, or both. axe-core
// stays clean on both pages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  buildDir, getJson, hasTranscoder, launchBrowser, screenshot, seriousAccessibilityViolations, signInApi,
  startFestival, waitFor, watchPageErrors,
} from './support.mjs';

const email = 'curator@audio.test';
const password = 'curator audio password';
let festival;
let browser;
let work;
let api;

async function call(method, route, body) {
  const response = await fetch(`${festival.url}${route}`, {
    method,
    headers: { Cookie: api.cookie, 'X-CSRF-Token': api.csrf, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${route}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'festival-audio-'));
  // No transcoder workers: the audio jobs stay queued, what the page shows is the server's record.
  festival = await startFestival({ demo: false, extraArgs: ['--transcoders', '0'] });
  const added = spawnSync(path.join(buildDir, 'festival'), ['user', 'add', '--email', email, '--role', 'curator',
    '--data-dir', festival.dataDir], { input: `${password}\n` });
  assert.equal(added.status, 0, added.stderr?.toString());
  api = await signInApi(festival.url, email, password);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await festival?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function signedInPage(route) {
  const context = await browser.newContext({ locale: 'en-GB' });
  const response = await context.request.post(`${festival.url}/api/session`, { data: { email, password } });
  assert.equal(response.status(), 200);
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${festival.url}${route}`);
  return { context, page, errors };
}

async function trackItems(page) {
  return page.$$eval('#curator-audio-list li[data-track]', (items) => items.map((li) => li.textContent));
}

test('a curator adds an audio description on the film page, a non-sound file is refused, the track is removed',
  { timeout: 180_000 }, async (t) => {
    if (!hasTranscoder()) return t.skip(`${buildDir}/festival-transcoder is not built: nothing checks the sound`);
    const sound = path.join(work, 'description.m4a');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=660:duration=2', '-c:a', 'aac',
      '-y', sound]);
    assert.equal(made.status, 0, made.stderr?.toString());
    const notSound = path.join(work, 'notes.m4a');
    writeFileSync(notSound, 'these are notes, not a sound track\n'.repeat(200));
    const film = await call('POST', '/api/films', { slug: 'voix', original_title: 'Voix', category: 'short' });

    const { context, page, errors } = await signedInPage(`/curator#film=${film.id}`);
    await page.waitForSelector('#curator-audio-send');
    await waitFor(async () => (await page.textContent('#curator-audio-list')).trim().length > 0, { message: 'the track list' });
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.selectOption('#curator-audio-role', 'description');
    await page.selectOption('#curator-audio-lang', 'fr');
    await page.fill('#curator-audio-name', 'Audiodescription');
    await page.setInputFiles('#curator-audio-file', sound);
    await page.click('#curator-audio-send');
    await page.waitForSelector('#curator-audio-status.success', { timeout: 60_000 });
    await waitFor(async () => (await trackItems(page)).length === 1, { message: 'the new track listed' });
    assert.match((await trackItems(page))[0], /Audio description · French · Audiodescription/);
    const shown = await getJson(`${festival.url}/api/films/${film.id}`, { headers: { Cookie: api.cookie } });
    assert.deepEqual(shown.audio, [{ language: 'fr', role: 'description', name: 'Audiodescription' }]);
    assert.equal(shown.audio_description, true);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await screenshot(page, 'curator-audio-added');

    await page.setInputFiles('#curator-audio-file', notSound);
    await page.click('#curator-audio-send');
    await page.waitForSelector('#curator-audio-status.error', { timeout: 60_000 });
    assert.match(await page.textContent('#curator-audio-status'), /Track refused: .+/);
    assert.equal((await trackItems(page)).length, 1);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.click('#curator-audio-list button[data-remove-track]');
    await page.waitForSelector('#curator-audio-status.success');
    await waitFor(async () => (await trackItems(page)).length === 0, { message: 'the track removed' });
    assert.equal((await getJson(`${festival.url}/api/films/${film.id}`, { headers: { Cookie: api.cookie } })).audio_description, false);
    assert.deepEqual(errors, []);
    await context.close();
  });

test('the catalog filters films with audio description, with subtitles, with both', { timeout: 120_000 }, async (t) => {
  if (!hasTranscoder()) return t.skip(`${buildDir}/festival-transcoder is not built: nothing checks the sound`);
  const sound = path.join(work, 'ad.m4a');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=500:duration=2', '-c:a', 'aac',
    '-y', sound]);
  assert.equal(made.status, 0, made.stderr?.toString());
  const films = {};
  for (const [slug, subtitles] of [['decrite', []], ['soustitree', ['en']], ['les-deux', ['fr']], ['simple', []]])
    films[slug] = await call('POST', '/api/films', {
      slug, original_title: `Film ${slug}`, category: 'documentary', published: true, subtitle_languages: subtitles,
    });
  // The audio descriptions go through the curator's page, as a curator sends them.
  const { context, page, errors } = await signedInPage('/curator');
  for (const slug of ['decrite', 'les-deux']) {
    await page.goto(`${festival.url}/curator#film=${films[slug].id}`);
    // The hash changes within the page: wait for this film's editor, not the previous one's.
    await page.waitForFunction((title) => document.querySelector('#curator-film-title')?.textContent === title,
      `Film ${slug}`);
    await page.waitForSelector('#curator-audio-send');
    await page.selectOption('#curator-audio-role', 'description');
    await page.setInputFiles('#curator-audio-file', sound);
    await page.click('#curator-audio-send');
    await page.waitForSelector('#curator-audio-status.success', { timeout: 60_000 });
  }

  const catalog = await context.newPage();
  const catalogErrors = watchPageErrors(catalog);
  await catalog.goto(`${festival.url}/catalog`);
  await catalog.waitForSelector('#filter-access');
  const titles = async () => (await catalog.$$eval('#catalog-results .film-card h3', (h) => h.map((x) => x.textContent))).sort();
  const expectations = [
    ['audio_description', ['Film decrite', 'Film les-deux']],
    ['subtitles', ['Film les-deux', 'Film soustitree']],
    ['both', ['Film les-deux']],
  ];
  for (const [access, expected] of expectations) {
    await catalog.selectOption('#filter-access', access);
    await waitFor(async () => JSON.stringify(await titles()) === JSON.stringify(expected),
      { message: `${access}: ${expected.join(', ')}` });
    assert.match(catalog.url(), new RegExp(`access=${access}`));
    assert.deepEqual(await seriousAccessibilityViolations(catalog), []);
  }
  await screenshot(catalog, 'catalog-access-filter');
  // The filter lives in the address: a shared link shows the same films.
  await catalog.goto(`${festival.url}/catalog?access=audio_description`);
  await waitFor(async () => JSON.stringify(await titles()) === JSON.stringify(['Film decrite', 'Film les-deux']),
    { message: 'the filter from the address' });
  assert.equal(await catalog.inputValue('#filter-access'), 'audio_description');
  assert.deepEqual(errors, []);
  assert.deepEqual(catalogErrors, []);
  await context.close();
});
