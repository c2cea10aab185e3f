// People over the festival's whole run, end to end: one browser playing two demo films is one person
// (its viewer token, kept in localStorage, is sent only in the play starts' bodies), a second browser
// is a second; the organizer page shows them beside the daily figures and passes axe-core in fr, en
// and es, on a phone and a desktop. Definitions: docs/statistics.md, "People over the whole run".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  demoAccounts, getJson, hasTranscoder, launchBrowser, repoDir, screenshot, signInApi, signInContext, startFestival,
  waitFor, watchPageErrors,
} from './support.mjs';

let festival;
let browser;
let films = [];
let organizer;

before(async () => {
  // A view at 2 s of playback, reported every second: each film needs a few seconds of playing only.
  festival = await startFestival({ extraArgs: ['--view-seconds', '2', '--heartbeat-seconds', '1'] });
  browser = await launchBrowser();
  organizer = await signInApi(festival.url, demoAccounts.organizer);
  if (!hasTranscoder()) return;
  films = await waitFor(async () => {
    const { items } = await getJson(`${festival.url}/api/films?screening=now&per_page=100`);
    const playable = items.filter((f) => f.media && f.media.master);
    return playable.length >= 2 ? playable.slice(0, 2) : null;
  }, { timeoutMs: 10 * 60_000, intervalMs: 2000, message: 'two demo films with published media' });
});

after(async () => {
  await browser?.close();
  await festival?.stop();
});

// axe-core's serious and critical violations inside one section of a page (this part's own).
async function sectionViolations(page, selector) {
  if (!(await page.evaluate(() => Boolean(window.axe))))
    await page.evaluate(readFileSync(path.join(repoDir, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  const results = await page.evaluate((s) => window.axe.run({ include: [[s]] }, { resultTypes: ['violations'] }), selector);
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

async function wholeRun() {
  const stats = await getJson(`${festival.url}/api/stats`, { headers: { Cookie: organizer.cookie } });
  const byFilm = Object.fromEntries(stats.whole_run.films.map((f) => [f.id, f.unique_viewers]));
  return { people: stats.whole_run.unique_viewers, byFilm, views: stats.totals.views };
}

// Plays the film in `page` until the festival has counted one more view than `viewsBefore`.
async function watchUntilViewed(page, film, viewsBefore) {
  await page.goto(`${festival.url}/films/${film.slug}`);
  await page.waitForSelector('.player video');
  await page.evaluate(() => { document.querySelector('video').loop = true; });
  await page.click('.player-big-play');
  await waitFor(async () => (await wholeRun()).views > viewsBefore, { timeoutMs: 60_000, message: `a view of ${film.slug}` });
  await page.evaluate(() => document.querySelector('video').pause());
}

describe('people over the whole run', () => {
  test('two films played in one browser are one person; another browser is another', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const sentTokens = [];
    const requests = [];
    page.on('request', (request) => {
      requests.push(request);
      if (request.method() === 'POST' && /\/api\/films\/[^/]+\/plays$/.test(new URL(request.url()).pathname))
        sentTokens.push(request.postDataJSON()?.viewer);
    });
    await watchUntilViewed(page, films[0], (await wholeRun()).views);
    await watchUntilViewed(page, films[1], (await wholeRun()).views);

    const kept = await page.evaluate(() => localStorage.getItem('festival.viewer'));
    assert.match(kept, /^[0-9a-f]{32}$/);
    assert.ok(sentTokens.length >= 2, `play starts: ${sentTokens.length}`);
    for (const token of sentTokens) assert.equal(token, kept, 'every play start sends the same kept token');
    // Sent in play starts' bodies only: never in a cookie, a header or an address.
    for (const request of requests) {
      const headers = JSON.stringify(await request.allHeaders());
      assert.ok(!headers.includes(kept), `the token in the headers of ${request.url()}`);
      assert.ok(!request.url().includes(kept), `the token in ${request.url()}`);
    }
    assert.ok(!(await context.cookies()).some((c) => c.value.includes(kept)), 'the token in a cookie');

    const one = await wholeRun();
    assert.equal(one.people, 1, JSON.stringify(one));
    assert.equal(one.byFilm[films[0].id], 1);
    assert.equal(one.byFilm[films[1].id], 1);
    await context.close();

    // Another browser (its own storage, and another user agent: the same one behind the same address
    // would be the same viewer hash, whose second view of a film within the hour is not counted): another
    // person, of the first film.
    const other = await browser.newContext({
      viewport: { width: 390, height: 844 }, locale: 'en-US', userAgent: 'Mozilla/5.0 (festival test: another browser)',
    });
    await watchUntilViewed(await other.newPage(), films[0], one.views);
    const two = await wholeRun();
    assert.equal(two.people, 2, JSON.stringify(two));
    assert.equal(two.byFilm[films[0].id], 2);
    assert.equal(two.byFilm[films[1].id], 1);
    await other.close();
  });

  test('the organizer page shows the whole run and the sites, accessible in fr, en and es, phone and desktop', async () => {
    const expected = await wholeRun();
    for (const lang of ['fr', 'en', 'es']) {
      for (const viewport of [{ width: 390, height: 844 }, { width: 1366, height: 900 }]) {
        const context = await browser.newContext({ viewport, locale: 'en-US' });
        await signInContext(context, festival.url, demoAccounts.organizer);
        const page = await context.newPage();
        const errors = watchPageErrors(page);
        await page.goto(`${festival.url}/${lang}/organizer`);
        await page.waitForSelector('#whole-run-festival');
        const text = await page.textContent('#whole-run-festival');
        assert.match(text, new RegExp(`~${expected.people}\\b`), `${lang}: ${text}`);
        assert.match(text, /0[.,]8\s?%/, `${lang}: the error bound in ${text}`);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        const rows = await page.$$eval('#whole-run-films tbody tr', (trs) =>
          trs.map((tr) => ({ film: Number(tr.dataset.film), people: tr.cells[2].textContent })));
        for (const [id, people] of Object.entries(expected.byFilm)) {
          const row = rows.find((r) => r.film === Number(id));
          assert.ok(row, `${lang}: a row for film ${id}`);
          assert.equal(row.people, people ? `~${people}` : '0', `${lang}: film ${id}`);
        }
        if (expected.views > 0) assert.ok(await page.$('#whole-run-sites tbody tr[data-site=""]'), 'the festival pages\' plays');
        if (viewport.width > 1000) await screenshot(page, `organizer-whole-run-${lang}`);
        assert.deepEqual(await sectionViolations(page, '.stats-reach'), [], `${lang} ${viewport.width}`);
        assert.deepEqual(errors, []);
        await context.close();
      }
    }
  });
});
