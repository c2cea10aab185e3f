// A filmmaker's report end to end (Debian chromium): a simulated audience (plays and heartbeats from
// several loopback addresses over two days of the festival's test clock, a rating, an approved
// comment); an organizer makes a Spanish report link on the organizers' page; a fresh browser opens
// it and finds the page in Spanish with the same figures as the organizers' statistics, a CSV with
// the same numbers and a print layout without buttons; once revoked, the link answers 404. axe-core
// on the report page in the three languages, phone and desktop.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  demoAccounts, getJson, launchBrowser, screenshot, seriousAccessibilityViolations, signInApi, signInContext,
  startFestival, waitFor, watchPageErrors,
} from './support.mjs';

let festival;
let browser;
let work;
let clockFile;
let organizer;  // {cookie, csrf} from Node
let film;       // a demo film screening now (with its runtime)

const dayMs = 86_400_000;
// The audience clock: two days ago at 10:00 UTC, so both simulated days are past and whole.
const clockStart = Math.floor(Date.now() / dayMs) * dayMs - 2 * dayMs + 10 * 3_600_000;
let clock = clockStart;
const setClock = (ms) => {
  clock = ms;
  writeFileSync(clockFile, String(ms));
};

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'festival-report-'));
  clockFile = path.join(work, 'clock');
  setClock(clockStart);
  festival = await startFestival({ extraArgs: ['--transcoders', '0', '--test-clock-file', clockFile] });
  browser = await launchBrowser();
  organizer = await signInApi(festival.url, demoAccounts.organizer);
  const { items } = await getJson(`${festival.url}/api/films?screening=now&per_page=100`);
  film = items.find((f) => f.runtime_minutes) || null;
  assert.ok(film, 'the demo festival has a film with a runtime screening now');
});

after(async () => {
  await browser?.close();
  await festival?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A request from a loopback address of its own (the server sees another viewer). Resolves {status, json}. */
function request(method, target, { from = '127.0.0.1', body, headers = {} } = {}) {
  const { hostname, port } = new URL(festival.url);
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const sent = http.request({
      host: hostname, port, method, path: target, localAddress: from,
      headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
    }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: response.statusCode, headers: response.headers, text, json });
      });
    });
    sent.on('error', reject);
    sent.end(payload);
  });
}

const asOrganizer = (method, target, body) =>
  request(method, target, { body, headers: { Cookie: organizer.cookie, 'X-CSRF-Token': organizer.csrf } });

/** A viewer at an address with its own browser: starts plays and reports what it watched. */
class Viewer {
  constructor(address, name) {
    this.address = address;
    this.headers = { 'User-Agent': `report-test ${name}` };
    this.token = Buffer.from(name.padEnd(16, '.')).toString('hex').slice(0, 32);  // the browser's viewer token
  }

  async start() {
    const started = await request('POST', `/api/films/${film.slug}/plays`,
      { from: this.address, headers: this.headers, body: { viewer: this.token } });
    assert.equal(started.status, 201, started.text);
    this.play = { id: started.json.play_id, token: started.json.play_token, position: 0 };
    return this.play;
  }

  // Reports `seconds` more of playback, after that much time passed on the audience clock.
  async watch(seconds) {
    this.play.position += seconds;
    const beat = await request('POST', `/api/plays/${this.play.id}/heartbeat`,
      { from: this.address, headers: this.headers, body: { position: this.play.position, played: seconds } });
    assert.equal(beat.status, 200, beat.text);
  }

  async end() {
    const ended = await request('POST', `/api/plays/${this.play.id}/end`,
      { from: this.address, headers: this.headers, body: { position: this.play.position, played: 0 } });
    assert.equal(ended.status, 204, ended.text);
  }
}

// The live sampler runs each second: wait for it to have seen the plays now open.
const letSamplerSee = () => new Promise((resolve) => setTimeout(resolve, 2500));

async function simulateAudience() {
  const runtime = film.runtime_minutes * 60;
  const [ana, ben, eva, luis] = [
    new Viewer('127.0.0.2', 'ana'), new Viewer('127.0.0.3', 'ben'), new Viewer('127.0.0.4', 'eva'), new Viewer('127.0.0.5', 'luis'),
  ];
  // Day one: three watch at once; Ana to the end, Ben a minute, Eva ten seconds (no view).
  for (const v of [ana, ben, eva]) await v.start();
  await letSamplerSee();
  setClock(clock + 60_000);
  await ana.watch(60);
  await ben.watch(60);
  await eva.watch(10);
  // To the end, reporting every five minutes of the clock at most (a play is dropped after ten quiet ones).
  for (let left = runtime - 60; left > 0;) {
    const step = Math.min(300, left);
    setClock(clock + step * 1000);
    await ana.watch(step);
    left -= step;
  }
  await ana.end();
  // Day two: Ana again (another viewer-film-day, the same person) and Luis for two minutes.
  setClock(clockStart + dayMs);
  await ana.start();
  await luis.start();
  await letSamplerSee();
  setClock(clock + 120_000);
  await ana.watch(45);
  await luis.watch(120);
  // Luis rates the film and writes a comment, which an organizer approves.
  const rated = await request('POST', `/api/films/${film.slug}/ratings`,
    { from: luis.address, headers: luis.headers, body: { stars: 4, play_id: luis.play.id, play_token: luis.play.token } });
  assert.equal(rated.status, 201, rated.text);
  const comment = await request('POST', `/api/films/${film.slug}/comments`,
    { from: luis.address, headers: luis.headers, body: { text: '¡Qué película tan bonita!', name: 'Luis', lang: 'es', website: '' } });
  assert.equal(comment.status, 202, comment.text);
  const pending = await asOrganizer('GET', '/api/moderation/comments?status=pending');
  const ids = pending.json.comments.filter((c) => c.text === '¡Qué película tan bonita!').map((c) => c.id);
  assert.equal(ids.length, 1);
  assert.equal((await asOrganizer('POST', '/api/moderation/comments', { ids, action: 'approve' })).status, 200);
  await luis.end();
  await ana.end();
}

/** The organizers' figures for the film: its row of GET /api/stats. */
async function organizerFigures() {
  const stats = await asOrganizer('GET', '/api/stats');
  assert.equal(stats.status, 200);
  const row = stats.json.films.find((f) => f.film_id === film.id);
  assert.ok(row, 'the film has a row in the statistics');
  return { row, stats: stats.json };
}

const spanish = (n, options) => new Intl.NumberFormat('es', options).format(n);

/** Parses the report's CSV: summary rows, the days, the countries (sections split by empty lines). */
function parseCsv(text) {
  assert.ok(text.startsWith('\uFEFF'), 'the CSV starts with a byte order mark');
  const cells = (line) => {
    const out = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i += 1) {
      const c = line[i];
      if (quoted && c === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) {
        out.push(cell);
        cell = '';
      } else cell += c;
    }
    out.push(cell);
    return out;
  };
  const sections = text.slice(1).split('\r\n\r\n').map((s) => s.split('\r\n').filter(Boolean).map(cells));
  return {
    figures: Object.fromEntries(sections[0].slice(1)),
    days: sections[1].slice(1).map((r) => Object.fromEntries(sections[1][0].map((name, i) => [name, r[i]]))),
    countries: sections[2].slice(1),
  };
}

describe('a filmmaker report', () => {
  let reportUrl;

  test('an organizer makes a Spanish link; it shows the organizers\' figures in Spanish, as CSV and in print', { timeout: 180_000 }, async () => {
    await simulateAudience();
    const { row, stats } = await waitFor(async () => {
      const figures = await organizerFigures();
      return figures.row.views === 4 && figures.row.peak_live >= 2 ? figures : null;
    }, { message: 'four views and a peak in the statistics' });
    assert.equal(row.unique_viewers, 5, 'viewer-film-days: Ana, Ben and Eva on day one, Ana and Luis on day two');
    assert.ok(row.completion > 0 && row.completion < 1, `completion ${row.completion}`);

    // The organizer makes the link on the organizers' page, and sees it once.
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: festival.url });
    await signInContext(context, festival.url, demoAccounts.organizer);
    const page = await context.newPage();
    const organizerErrors = watchPageErrors(page);
    await page.goto(`${festival.url}/en/organizer`);
    await page.waitForSelector(`#report-film option[value="${film.slug}"]`, { state: 'attached' });
    await page.selectOption('#report-film', film.slug);
    await page.selectOption('#report-language', 'es');
    await page.fill('#report-label', 'Para la directora');
    await page.click('#report-form button[type="submit"]');
    await page.waitForSelector('#report-link-url');
    reportUrl = await page.inputValue('#report-link-url');
    assert.match(reportUrl, new RegExp(`^${festival.url}/es/report/[0-9a-f]{64}$`));
    await page.click('#report-link-copy');
    await waitFor(async () => (await page.textContent('#reports-status')) === 'Link copied.', { message: 'the copy confirmed' });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), reportUrl);
    await waitFor(() => page.$('#report-links tbody tr'), { message: 'the link listed' });
    const listed = await page.$$eval('#report-links tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.equal(listed.length, 1);
    assert.match(listed[0], /Para la directora/);
    assert.ok(!listed[0].includes(reportUrl.split('/').pop()), 'the list never shows the token');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await screenshot(page, 'report-organizer');

    // A fresh browser (in French, to prove the page follows the link) opens the report.
    const filmmaker = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'fr-FR', acceptDownloads: true });
    const report = await filmmaker.newPage();
    const errors = watchPageErrors(report);
    const answer = await report.goto(reportUrl);
    assert.equal(answer.status(), 200);
    assert.equal(answer.headers()['cache-control'], 'no-store');
    assert.equal(answer.headers()['referrer-policy'], 'no-referrer');
    assert.equal(answer.headers()['x-robots-tag'], 'noindex');
    await report.waitForSelector('main:not([aria-busy]) #report-figures');
    assert.equal(await report.evaluate(() => document.documentElement.lang), 'es');
    assert.equal(await report.textContent('.report-kicker'), 'Informe de público');
    assert.equal(await report.textContent('#report-print'), 'Imprimir');
    const value = (name) => report.getAttribute(`[data-figure="${name}"] .figure`, 'data-value').then(Number);
    const shown = (name) => report.textContent(`[data-figure="${name}"] .figure`);
    for (const name of ['views', 'unique_viewers', 'watch_hours', 'completion', 'peak_live', 'plays']) {
      assert.equal(await value(name), row[name], `${name}: the report and the organizers' statistics agree`);
    }
    assert.equal(await shown('views'), spanish(row.views));
    assert.equal(await shown('unique_viewers'), spanish(row.unique_viewers));
    assert.equal(await shown('completion'), spanish(row.completion, { style: 'percent', maximumFractionDigits: 0 }));
    assert.equal(await shown('watch_hours'), spanish(row.watch_hours, { maximumFractionDigits: row.watch_hours < 10 ? 2 : 0 }));
    assert.equal(await shown('peak_live'), spanish(row.peak_live));
    // People over the whole run: Ana (on both days, one browser), Ben and Luis; Eva never reached a view.
    const wholeRun = stats.whole_run.films.find((f) => f.id === film.id);
    assert.equal(wholeRun.unique_viewers, 3);
    assert.equal(await value('people'), wholeRun.unique_viewers, 'whole-run people as the organizers see them');
    // Ratings, the approved comment, countries (unknown here: no geo database) and the charts.
    assert.match(await report.textContent('#report-ratings-summary'), /^1 valoración, 4 sobre 5/);
    assert.deepEqual(await report.$$eval('#report-comments blockquote', (q) => q.map((n) => [n.textContent, n.lang])),
      [['¡Qué película tan bonita!', 'es']]);
    assert.deepEqual(await report.$$eval('#stats-countries tbody tr', (trs) => trs.map((tr) => tr.dataset.country)), ['unknown']);
    assert.equal(await report.$$eval('#report-retention-table tbody tr', (trs) => trs.length), 100);
    await waitFor(() => report.evaluate(() => Boolean(window.Chart && document.querySelector('#stats-retention-chart'))),
      { message: 'the retention chart' });
    // Nothing leads to the festival's private pages.
    const links = await report.$$eval('a[href]', (as) => as.map((a) => new URL(a.href).pathname));
    assert.ok(links.every((p) => !/\/(organizer|curator|moderation|login|account)/.test(p)), links.join(' '));
    await screenshot(report, 'report-es');

    // The CSV downloads, parses, and says the same.
    const [download] = await Promise.all([report.waitForEvent('download'), report.click('#report-csv')]);
    const csv = parseCsv(readFileSync(await download.path(), 'utf8'));
    assert.equal(csv.figures.views, String(row.views));
    assert.equal(csv.figures.unique_viewers, String(row.unique_viewers));
    assert.equal(csv.figures.peak_live, String(row.peak_live));
    assert.ok(Math.abs(Number(csv.figures.watch_hours) - row.watch_hours) < 1e-5, csv.figures.watch_hours);
    assert.ok(Math.abs(Number(csv.figures.completion) - row.completion) < 1e-5, csv.figures.completion);
    assert.equal(csv.figures.approved_comments, '1');
    assert.equal(csv.days.length, 2);
    assert.equal(csv.days.reduce((sum, d) => sum + Number(d.views), 0), row.views);
    assert.deepEqual(csv.days.map((d) => d.day), [0, 1].map((i) => new Date(clockStart + i * dayMs).toISOString().slice(0, 10)));

    // Printing: no buttons, black on white.
    await report.emulateMedia({ media: 'print' });
    assert.equal(await report.isVisible('#report-print'), false);
    assert.equal(await report.isVisible('#report-csv'), false);
    assert.equal(await report.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
    assert.equal(await report.evaluate(() => getComputedStyle(document.querySelector('#report-title')).color), 'rgb(0, 0, 0)');
    await report.emulateMedia({ media: 'screen' });
    assert.equal(await report.isVisible('#report-print'), true);
    assert.deepEqual(errors, []);

    // Revoked on the organizers' page: the page and the API answer 404.
    page.once('dialog', (d) => d.accept());
    await page.click('#report-links tbody tr button');
    await waitFor(async () => /Revoked on/.test(await page.textContent('#report-links tbody tr')), { message: 'the link shown revoked' });
    const gone = await report.goto(reportUrl);
    assert.equal(gone.status(), 404);
    await report.waitForSelector('#report-not-found');
    assert.equal(await report.evaluate(() => document.documentElement.lang), 'es');
    const token = reportUrl.split('/').pop();
    assert.equal((await request('GET', `/api/reports/${token}`)).status, 404);
    assert.equal((await request('GET', `/api/reports/${token}/report.csv`)).status, 404);
    assert.deepEqual(organizerErrors, []);
    await filmmaker.close();
    await context.close();
  });

  test('the report page passes axe-core in French, English and Spanish, on a phone and a desktop', { timeout: 120_000 }, async () => {
    for (const language of ['fr', 'en', 'es']) {
      const made = await asOrganizer('POST', `/api/films/${film.slug}/report-links`, { language, label: `axe ${language}` });
      assert.equal(made.status, 201, made.text);
      for (const viewport of [{ width: 390, height: 844 }, { width: 1366, height: 900 }]) {
        const context = await browser.newContext({ viewport, locale: 'en-US' });
        const page = await context.newPage();
        const errors = watchPageErrors(page);
        await page.goto(`${festival.url}${made.json.url}`);
        await page.waitForSelector('main:not([aria-busy]) #report-figures');
        assert.equal(await page.evaluate(() => document.documentElement.lang), language);
        for (const summary of await page.$$('main details summary')) await summary.click();  // the tables too
        assert.deepEqual(await seriousAccessibilityViolations(page), [], `${language} ${viewport.width}px`);
        if (viewport.width < 400) await screenshot(page, `report-${language}-phone`);
        assert.deepEqual(errors, []);
        await context.close();
      }
    }
    // The page for a link that does not work, too.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    const page = await context.newPage();
    const missing = await page.goto(`${festival.url}/en/report/${'0'.repeat(64)}`);
    assert.equal(missing.status(), 404);
    await page.waitForSelector('#report-not-found');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await context.close();
  });
});
