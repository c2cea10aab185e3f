// The audience counted end to end: a viewer watches a demo film for 35 s in Chromium (the 24 s demo
// clip loops), and the organizer dashboard shows 1 view and 1 live viewer; the page works, passes
// axe-core and its exports download. Definitions: docs/statistics.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  demoAccounts, repoDir, getJson, hasTranscoder, launchBrowser, screenshot, seriousAccessibilityViolations, signInContext,
  startFestival, waitFor, waitForPlayableDemoFilm, watchPageErrors,
} from './support.mjs';


let festival;
let browser;
let film = null;
let work;

// Heartbeats every 4 s instead of the default 10: the player must follow the server's period.
const heartbeatSeconds = 4;

before(async () => {
  // Chromium's requests come from 127.0.0.1: a geo database (tests/support/write_geo_database.pl) puts it in France.
  work = mkdtempSync(path.join(tmpdir(), 'festival-audience-'));
  const geo = path.join(work, 'countries.mmdb');
  const written = spawnSync('perl', [path.join(repoDir, 'tests/support/write_geo_database.pl'), geo, '127.0.0.1/32=FR']);
  assert.equal(written.status, 0, written.stderr?.toString());
  festival = await startFestival({ extraArgs: ['--heartbeat-seconds', String(heartbeatSeconds), '--geo-database', geo] });
  browser = await launchBrowser();
  if (!hasTranscoder()) return;
  film = await waitForPlayableDemoFilm(festival);
});

after(async () => {
  await browser?.close();
  await festival?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function organizerPage() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  await signInContext(context, festival.url, demoAccounts.organizer);
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  return { context, page, errors };
}

async function newViewer() {
  const viewer = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  return { viewer, watching: await viewer.newPage() };
}

// Opens the demo film's page and plays it in a loop (the clip is 24 s).
async function startWatching(watching) {
  await watching.goto(`${festival.url}/films/${film.slug}`);
  await watching.waitForSelector('.player video');
  await watching.evaluate(() => { document.querySelector('video').loop = true; });
  await watching.click('.player-big-play');
}

const figure = (page, index) =>
  page.evaluate((i) => document.querySelectorAll('#stats-totals .figure')[i]?.textContent ?? null, index);

describe('the organizer dashboard', () => {
  test('a viewer watching a demo film for 35 s shows as 1 view and 1 live viewer', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const { viewer, watching } = await newViewer();
    await startWatching(watching);
    await waitFor(() => watching.evaluate(() => document.querySelector('video').currentTime > 0.5), {
      timeoutMs: 60_000, message: 'playback started',
    });
    const started = Date.now();
    await waitFor(async () => Date.now() - started >= 35_000 &&
      watching.evaluate(() => !document.querySelector('video').paused), { timeoutMs: 60_000, message: '35 s of playback' });

    const { context, page, errors } = await organizerPage();
    await page.goto(`${festival.url}/organizer`);
    await page.waitForSelector('#stats-totals');
    // The view is counted at the first heartbeat with 30 s credited (heartbeats come every 4 s here).
    await waitFor(async () => {
      if ((await figure(page, 0)) === '1') return true;
      await page.reload();
      await page.waitForSelector('#stats-totals');
      return false;
    }, { timeoutMs: 30_000, intervalMs: 2000, message: '1 view on the dashboard' });
    await waitFor(async () => (await page.textContent('#stats-live-count')) === '1', { message: '1 live viewer' });
    const row = await page.$eval(`#stats-films tr[data-film="${film.id}"]`, (tr) => [...tr.cells].map((c) => c.textContent));
    assert.equal(row[1], '1', `the film's views: ${row}`);
    assert.equal(row[6], '1', `the film's live viewers: ${row}`);
    assert.equal(await figure(page, 1), '1', 'one unique viewer');
    assert.equal(await figure(page, 3), '1', 'peak live viewers');
    // The viewer's country, named in the page's language, with the view and its time.
    const country = await page.$$eval('#stats-countries tbody tr', (trs) =>
      trs.map((tr) => ({ key: tr.dataset.country, cells: [...tr.cells].map((c) => c.textContent) })));
    assert.equal(country.length, 1, JSON.stringify(country));
    assert.equal(country[0].key, 'FR');
    assert.deepEqual([country[0].cells[0], country[0].cells[1], country[0].cells[4]], ['France (FR)', '1', '100%'],
      JSON.stringify(country));
    assert.ok(Number(country[0].cells[2]) > 0, `hours watched: ${country[0].cells[2]}`);
    await waitFor(() => page.evaluate(() => Boolean(document.querySelector('#stats-daily-chart') && window.Chart)), {
      message: 'the daily chart',
    });
    await screenshot(page, 'organizer-dashboard');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // Sorting by a column and the CSV export.
    await page.click('#stats-films th button[data-sort="title"]');
    assert.equal(await page.getAttribute('#stats-films th:first-child', 'aria-sort'), 'ascending');
    const csv = await context.request.get(`${festival.url}/api/stats/export?format=csv&table=films`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), new RegExp(`^${film.id},${film.slug},`, 'm'));
    const countries = await context.request.get(`${festival.url}/api/stats/export?format=csv&table=countries`);
    assert.equal(countries.status(), 200);
    assert.match(await countries.text(), new RegExp(`^\\d{4}-\\d\\d-\\d\\d,${film.id},${film.slug},[^\\r]*,FR,\\d+,1,`, 'm'));
    assert.deepEqual(errors, []);

    // Closing the viewer's page ends the play (sendBeacon): no longer live.
    await watching.close({ runBeforeUnload: true });
    await waitFor(async () => (await page.textContent('#stats-live-count')) === '0', { message: 'no live viewer after the page closed' });
    await viewer.close();
    await context.close();
  });

  test('the player sends its heartbeats at the period the server answers', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const { viewer, watching } = await newViewer();
    let answered = null;
    const beats = [];
    watching.on('response', async (response) => {
      if (/\/api\/films\/[^/]+\/plays$/.test(new URL(response.url()).pathname) && response.status() === 201)
        answered = (await response.json()).heartbeat_seconds;
    });
    watching.on('request', (request) => {
      if (/\/api\/plays\/[^/]+\/heartbeat$/.test(new URL(request.url()).pathname)) beats.push(Date.now());
    });
    await startWatching(watching);
    await waitFor(() => answered !== null, { timeoutMs: 60_000, message: 'the play started' });
    assert.equal(answered, heartbeatSeconds);
    // Three heartbeats within 3 periods and a margin; at the default 10 s there would be at most one.
    await waitFor(() => beats.length >= 3, { timeoutMs: 17_000, message: "3 heartbeats in 17 s" });
    const gaps = beats.slice(1).map((b, i) => b - beats[i]);
    for (const gap of gaps) assert.ok(gap > 2_500 && gap < 6_500, `heartbeats ${gaps.join(', ')} ms apart`);
    await viewer.close();
  });

  test('the statistics page asks visitors and curators to sign in as an organizer', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${festival.url}/organizer`);
    await page.waitForSelector('main:not([aria-busy]) .notice');
    assert.match(await page.textContent('main .notice'), /organizer/);
    await signInContext(context, festival.url, demoAccounts.curator);
    assert.equal((await context.request.get(`${festival.url}/api/stats`)).status(), 403);
    await context.close();
  });
});
