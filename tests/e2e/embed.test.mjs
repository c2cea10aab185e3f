// A film's player on another site: the festival on 127.0.0.1, a partner's page served from 127.0.0.2
// (another origin) framing /embed/<film>. The allowed partner's frame plays the film (subtitles and
// qualities there), its play start names the partner's origin and is counted; a page on 127.0.0.3 is
// refused by frame-ancestors, and so is a film that is not embeddable. The embed page and the curator's
// section pass axe-core in French, English and Spanish, on a phone and a desktop.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { DESKTOP, PHONE } from './player-pages.mjs';
import {
  demoAccounts, getJson, hasTranscoder, launchBrowser, screenshot, seriousAccessibilityViolations, signInApi,
  signInContext, startFestival, waitFor, waitForPlayableDemoFilm,
} from './support.mjs';

const LANGUAGES = ['fr', 'en', 'es'];

let festival;
let browser;
let film = null;  // a demo film screening now whose media is published (null without a transcoder)
let anyFilm;      // a demo film, for what needs no media
let curator;
const partners = [];
let allowed;      // the partner's page on 127.0.0.2, whose origin the film allows
let refused;      // the same page on 127.0.0.3, which it does not

/** A partner's site: one page framing the festival's embed page of the film it is asked for (?film=). */
async function partnerSite(address) {
  const server = createServer((request, response) => {
    const url = new URL(request.url, 'http://partner');
    const slug = url.searchParams.get('film') || '';
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title></head>
<body><h1>A partner's page</h1>
<iframe src="${festival.url}/embed/${encodeURIComponent(slug)}" title="Film" width="800" height="450"
  allow="autoplay; fullscreen" referrerpolicy="strict-origin-when-cross-origin"></iframe></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, address, resolve));
  partners.push(server);
  return { origin: `http://${address}:${server.address().port}`, server };
}

async function putEmbed(slug, body) {
  const response = await fetch(`${festival.url}/api/films/${encodeURIComponent(slug)}/embed`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Cookie: curator.cookie, 'X-CSRF-Token': curator.csrf },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

before(async () => {
  // Two seconds of playback make a view here, so the counted view needs no long watch.
  festival = await startFestival({ extraArgs: ['--view-seconds', '2'] });
  browser = await launchBrowser();
  allowed = await partnerSite('127.0.0.2');
  refused = await partnerSite('127.0.0.3');
  curator = await signInApi(festival.url, demoAccounts.curator);
  anyFilm = (await getJson(`${festival.url}/api/films?per_page=100`)).items[0];
  if (hasTranscoder()) film = await waitForPlayableDemoFilm(festival);
});

after(async () => {
  await browser?.close();
  await festival?.stop();
  for (const server of partners) server.close();
});

/** The partner's page with its frame; the frame once its document has loaded, and the page's console. */
async function openPartner(partner, slug, { viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  const plays = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && /\/api\/films\/[^/]+\/plays$/.test(request.url())) plays.push(JSON.parse(request.postData()));
  });
  await page.goto(`${partner.origin}/?film=${encodeURIComponent(slug)}`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  return { context, page, frame, consoleLines, plays };
}

describe('the embeddable player', () => {
  test('an allowed site frames the film and it plays, with subtitles and qualities; the play is counted with the site', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    await putEmbed(film.slug, { enabled: true, sites: [allowed.origin] });
    const { context, page, frame, plays } = await openPartner(allowed, film.slug);
    await frame.waitForSelector('.player video');
    assert.match(frame.url(), new RegExp(`/embed/${film.slug}$`));
    // The title links to the festival's film page, in the page's language, in a new tab.
    const link = await frame.$eval('.embed-title a', (a) => ({ href: a.getAttribute('href'), target: a.target, rel: a.rel }));
    assert.deepEqual(link, { href: `/en/films/${film.slug}`, target: '_blank', rel: 'noopener' });
    assert.ok(await frame.$eval('video', (v) => Boolean(v.poster)), 'the poster shows before play');

    await frame.click('.player-big-play');
    await waitFor(() => frame.evaluate(() => document.querySelector('video').currentTime > 3), {
      timeoutMs: 60_000, message: 'the framed film playing past 3 s',
    });
    assert.equal(await frame.evaluate(() => document.querySelector('video').error), null);
    const qualities = await frame.$$eval('.player-quality option', (options) => options.map((o) => o.textContent));
    assert.ok(qualities.length >= 2, `quality menu: ${qualities}`);
    const subtitles = await frame.$$eval('.player-subtitles option', (options) => options.map((o) => o.textContent));
    assert.deepEqual([...subtitles].sort(), ['English', 'French', 'Off', 'Spanish']);

    // The play start names the partner's origin (location.ancestorOrigins in Chromium).
    await waitFor(() => plays.length > 0, { message: 'the play start' });
    assert.equal(plays[0].site, allowed.origin);
    await screenshot(page, 'embed-partner-playing');

    // Counted like any play: a view after two seconds, and the site noted.
    const organizer = await signInApi(festival.url, demoAccounts.organizer);
    const stats = await waitFor(async () => {
      const answer = await getJson(`${festival.url}/api/stats`, { headers: { Cookie: organizer.cookie } });
      return answer.totals.plays >= 1 && answer.totals.views >= 1 ? answer : null;
    }, { timeoutMs: 60_000, message: 'the embedded play counted as a view' });
    const filmRow = stats.films.find((row) => row.film_id === film.id);
    assert.ok(filmRow && filmRow.views >= 1, `the film's views: ${JSON.stringify(filmRow)}`);
    const site = await waitFor(async () => {
      const answer = await getJson(`${festival.url}/api/stats`, { headers: { Cookie: organizer.cookie } });
      return (answer.sites || []).find((row) => row.site === allowed.origin && row.views >= 1) || null;
    }, { timeoutMs: 60_000, message: `a sites row for ${allowed.origin} with a view` });
    assert.ok(site.plays >= 1);
    await context.close();
  });

  test('a site not on the list, and a film not embeddable, are refused by frame-ancestors', async () => {
    await putEmbed(anyFilm.slug, { enabled: true, sites: [allowed.origin] });
    const other = await getJson(`${festival.url}/api/films?per_page=100`).then((r) => r.items.find((f) => f.slug !== anyFilm.slug));
    await putEmbed(other.slug, { enabled: false, sites: [allowed.origin] });

    for (const [partner, slug, policy] of [[refused, anyFilm.slug, `'self' ${allowed.origin}`], [allowed, other.slug, "'none'"]]) {
      const { context, page, frame, consoleLines, plays } = await openPartner(partner, slug);
      // Chromium blocks the response: the frame shows its own error page, never the festival's content.
      await waitFor(() => consoleLines.some((line) => /frame-ancestors/.test(line)), {
        timeoutMs: 15_000, message: `Chromium refusing the frame of ${slug} on ${partner.origin}`,
      });
      assert.ok(consoleLines.some((line) => line.includes(policy)), consoleLines.join('\n'));
      const festivalContent = await frame.evaluate(() => Boolean(document.querySelector('.embed-main, [data-error]'))).catch(() => false);
      assert.equal(festivalContent, false, 'no festival content in the refused frame');
      assert.ok(!frame.url().startsWith(festival.url), `the frame stays off the festival: ${frame.url()}`);
      assert.deepEqual(plays, []);
      await page.close();
      await context.close();
    }
  });

  test('the embed page passes axe-core in French, English and Spanish, on a phone and a desktop', async () => {
    await putEmbed(anyFilm.slug, { enabled: true, sites: [allowed.origin] });
    for (const viewport of [PHONE, DESKTOP]) {
      const context = await browser.newContext({ viewport, locale: 'en-US' });
      const page = await context.newPage();
      for (const language of LANGUAGES) {
        const name = `embed-${language}-${viewport.width}`;
        await page.goto(`${festival.url}/embed/${anyFilm.slug}?lang=${language}`);
        await page.waitForSelector('main:not([aria-busy]) .embed-title a');
        assert.equal(await page.getAttribute('html', 'lang'), language);
        const title = anyFilm.texts?.[language]?.title || anyFilm.original_title;
        const linkText = await page.textContent('.embed-title a');
        assert.ok(linkText.startsWith(title), `${name}: ${linkText}`);
        assert.equal(await page.getAttribute('.embed-title a', 'href'), `/${language}/films/${anyFilm.slug}`);
        assert.equal(await page.$('header.site-header, nav'), null, 'no festival header or navigation');
        await screenshot(page, name);
        assert.deepEqual(await seriousAccessibilityViolations(page), [], name);
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${name} fits the width`);
      }
      await context.close();
    }
  });

  test("the curator's section saves the sites, shows errors and copies the snippet, and passes axe-core", async () => {
    await putEmbed(anyFilm.slug, { enabled: false, sites: [] });
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: festival.url });
    await signInContext(context, festival.url, demoAccounts.curator);
    const page = await context.newPage();
    await page.goto(`${festival.url}/en/curator#film=${anyFilm.id}`);
    await page.waitForSelector('#curator-embed-section');
    await waitFor(() => page.$eval('#curator-embed-snippet', (s) => s.value.startsWith('<iframe')), { message: 'the snippet loaded' });

    await page.check('#curator-embed-enabled');
    await page.fill('#curator-embed-sites', `${allowed.origin}\nnot a site`);
    await page.click('#curator-embed-save');
    await waitFor(async () => /not a site/.test(await page.textContent('#curator-embed-status')), { message: 'the bad line named' });
    assert.equal(await page.getAttribute('#curator-embed-status', 'class'), 'error');
    assert.equal((await getJson(`${festival.url}/api/films/${anyFilm.id}/embed`, { headers: { Cookie: curator.cookie } })).enabled, false);

    await page.fill('#curator-embed-sites', `${allowed.origin.toUpperCase()}/\nhttps://partner.example`);
    await page.click('#curator-embed-save');
    await waitFor(async () => (await page.textContent('#curator-embed-status')) === 'Saved.', { message: 'saved' });
    assert.equal(await page.inputValue('#curator-embed-sites'), `${allowed.origin}\nhttps://partner.example`);
    const saved = await getJson(`${festival.url}/api/films/${anyFilm.id}/embed`, { headers: { Cookie: curator.cookie } });
    assert.deepEqual(saved, { ...saved, enabled: true, sites: [allowed.origin, 'https://partner.example'] });

    await page.click('#curator-embed-copy');
    await waitFor(async () => (await page.textContent('#curator-embed-copy-status')) === 'Code copied.', { message: 'copied' });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), saved.snippet);
    assert.match(saved.snippet, new RegExp(`^<iframe src="${festival.url}/embed/${anyFilm.slug}"`));

    for (const viewport of [PHONE, DESKTOP]) {
      await page.setViewportSize(viewport);
      for (const language of LANGUAGES) {
        const name = `curator-embed-${language}-${viewport.width}`;
        await page.goto(`${festival.url}/${language}/curator#film=${anyFilm.id}`);
        await page.waitForSelector('#curator-embed-section');
        await waitFor(() => page.$eval('#curator-embed-snippet', (s) => s.value.length > 0), { message: 'the snippet loaded' });
        assert.equal(await page.getAttribute('html', 'lang'), language);
        await page.locator('#curator-embed-section').scrollIntoViewIfNeeded();
        await screenshot(page, name);
        assert.deepEqual(await seriousAccessibilityViolations(page), [], name);
      }
    }
    await context.close();
  });
});
