// The premieres on the organizers' page, in Chromium set to New York time: scheduling through the
// form (the local time typed is sent with the browser's offset), the list with its local time, phase
// and room exports, cancelling; the page passes axe-core in French, English and Spanish.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { filmWithVersion } from './premiere-films.mjs';
import {
  demoAccounts, getJson, launchBrowser, screenshot, seriousAccessibilityViolations, signInApi, signInContext,
  startFestival, watchPageErrors,
} from './support.mjs';

let festival;
let browser;
before(async () => {
  festival = await startFestival({ extraArgs: ['--transcoders', '0'] });
  browser = await launchBrowser();
  const organizer = await signInApi(festival.url, demoAccounts.organizer);
  await filmWithVersion(festival, organizer, { slug: 'seance-page', original_title: 'La Séance' }, 3000);
});
after(async () => {
  await browser?.close();
  await festival?.stop();
});

async function organizerPage(locale) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'America/New_York' });
  await signInContext(context, festival.url, demoAccounts.organizer);
  const page = await context.newPage();
  return { context, page, errors: watchPageErrors(page) };
}

// The wall-clock time in New York two days from now at 20:30, as a datetime-local field holds it, and
// the instant it names (New York is UTC−5 in winter, UTC−4 in summer: asked of Intl, not assumed).
function eveningInNewYork() {
  const day = new Date(Date.now() + 2 * 86400_000);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit', timeZoneName: 'longOffset',
  }).formatToParts(day).map((p) => [p.type, p.value]));
  const local = `${parts.year}-${parts.month}-${parts.day}T20:30`;
  const offset = parts.timeZoneName.replace('GMT', '') || '+00:00';
  return { local, instant: Date.parse(`${local}:00${offset}`) };
}

test('an organizer schedules a premiere in their own time zone, sees it listed, and cancels it', { timeout: 120_000 }, async () => {
  const { context, page, errors } = await organizerPage('en-US');
  await page.goto(`${festival.url}/organizer`);
  await page.waitForSelector('#premiere-form');
  assert.equal(await page.textContent('#premieres-none'), 'No premiere scheduled yet.');

  const evening = eveningInNewYork();
  await page.selectOption('#premiere-film', 'seance-page');
  await page.fill('#premiere-starts', evening.local);
  await page.fill('#premiere-qa', '45');
  await page.fill('#premiere-note', 'With the director; Q&A in English');
  await page.click('#premiere-form button[type=submit]');
  await page.waitForSelector('#premieres-table tbody tr');
  assert.equal(await page.textContent('#premieres-status'), 'The premiere is scheduled.');

  const { items } = await getJson(`${festival.url}/api/films/seance-page/premieres`);
  assert.equal(items.length, 1);
  const premiere = items[0];
  assert.equal(Date.parse(premiere.starts_at), evening.instant, `${evening.local} in New York is ${premiere.starts_at}`);
  assert.equal(premiere.qa_minutes, 45);
  assert.equal(premiere.note, 'With the director; Q&A in English');

  const row = `#premieres-table tr[data-premiere="${premiere.id}"]`;
  const cells = await page.$$eval(`${row} > *`, (tds) => tds.map((td) => td.textContent));
  assert.equal(cells[0], 'La Séance');
  assert.match(cells[1], /8:30\s?PM/, `shown in New York time: ${cells[1]}`);
  assert.equal(cells[2], 'Coming');
  assert.deepEqual([cells[3], cells[4]], ['0', '0']);
  assert.equal(await page.getAttribute(`${row} a[href$="room.csv"]`, 'href'), `/api/premieres/${premiere.id}/room.csv`);
  assert.equal(await page.getAttribute(`${row} a[href$="room.json"]`, 'href'), `/api/premieres/${premiere.id}/room.json`);
  assert.equal(await page.getAttribute(`${row} th a`, 'href'), `/en/premieres/${premiere.id}`);
  assert.equal(await page.locator(`${row} button`, { hasText: 'Guest moderator link' }).count(), 1);

  // A second premiere over the first is refused, in words.
  await page.click('#premiere-form button[type=submit]');
  await page.waitForFunction(() => /overlaps/.test(document.querySelector('#premieres-status').textContent));
  assert.equal(await page.locator('#premieres-table tbody tr').count(), 1);

  await screenshot(page, 'organizer-premieres');
  assert.deepEqual(await seriousAccessibilityViolations(page), []);

  page.once('dialog', (dialog) => dialog.accept());
  await page.click(`${row} button:has-text("Cancel the premiere")`);
  await page.waitForSelector('#premieres-none');
  assert.deepEqual((await getJson(`${festival.url}/api/films/seance-page/premieres`)).items, []);
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
  await context.close();
});

test('the premieres section passes axe-core in French and Spanish too', { timeout: 120_000 }, async () => {
  const organizer = await signInApi(festival.url, demoAccounts.organizer);
  const starts = new Date(Date.now() + 3 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const response = await fetch(`${festival.url}/api/films/seance-page/premieres`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: organizer.cookie, 'X-CSRF-Token': organizer.csrf },
    body: JSON.stringify({ starts_at: starts }),
  });
  assert.equal(response.status, 201);
  for (const [locale, title] of [['fr-FR', 'Avant-premières'], ['es-ES', 'Estrenos']]) {
    const { context, page, errors } = await organizerPage(locale);
    await page.goto(`${festival.url}/organizer`);
    await page.waitForSelector('#premieres-table tbody tr');
    assert.equal(await page.textContent('#premieres-title'), title);
    assert.deepEqual(await seriousAccessibilityViolations(page), [], locale);
    assert.deepEqual(errors, [], locale);
    await context.close();
  }
});
