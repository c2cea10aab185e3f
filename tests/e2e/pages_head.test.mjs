// Pages that say what they are before any script runs: the served HTML, read by a real HTML parser
// (parse5, as a browser or a link-preview robot reads it), carries per language its title, description,
// canonical and hreflang addresses, Open Graph and Twitter card tags and JSON-LD (Movie, Event); a
// hostile title stays text everywhere; private pages are noindex; the old addresses move with 301 to
// the viewer's language. Then Chromium: the language switch keeps the viewer on the same page, the
// catalog links to /{lang}/films/…, and the film page passes axe-core in the three languages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { parse } from 'parse5';

import { filmWithVersion, staffCall } from './premiere-films.mjs';
import { demoAccounts, launchBrowser, seriousAccessibilityViolations, signInApi, signInContext, startFestival } from './support.mjs';

const LANGUAGES = ['fr', 'en', 'es'];
const DEFAULT_NAME = { fr: 'Festival de films', en: 'Film festival', es: 'Festival de cine' };
const LOCALE = { fr: 'fr_FR', en: 'en_GB', es: 'es_ES' };
const HOSTILE = '</title><script>alert(1)</script>"\'&<img src=x onerror=alert(1)>';

const texts = {
  fr: { title: 'La mer intérieure', synopsis: 'Une femme traverse le lac Tchad à la saison sèche.' },
  en: { title: 'The Inner Sea', synopsis: 'A woman crosses Lake Chad in the dry season.' },
  es: { title: 'El mar interior', synopsis: 'Una mujer cruza el lago Chad en la estación seca.' },
};

let festival;
let organizer;
let festivalName;
let premiere;
let browser;

before(async () => {
  festival = await startFestival({ extraArgs: ['--transcoders', '0'] });
  organizer = await signInApi(festival.url, demoAccounts.organizer);
  festivalName = (await (await fetch(`${festival.url}/api/festival`)).json()).name;
  await filmWithVersion(festival, organizer, {
    slug: 'mer-interieure', original_title: 'Mer intérieure', year: 2023, runtime_minutes: 95, directors: ['Awa Diop', 'Léa Martin'],
    spoken_languages: ['fr'], countries: ['TD'], texts,
  }, 95 * 60);
  // A poster: the PNG signature is what the server checks.
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
  const poster = await fetch(`${festival.url}/api/films/mer-interieure/poster`, {
    method: 'PUT', headers: { 'Content-Type': 'image/png', Cookie: organizer.cookie, 'X-CSRF-Token': organizer.csrf }, body: png,
  });
  assert.equal(poster.status, 200, await poster.text());
  const hostile = await staffCall(festival, organizer, 'POST', '/api/films', {
    slug: 'hostile', original_title: 'Hostile', category: 'short', published: true, texts: { en: { title: HOSTILE, synopsis: HOSTILE } },
  });
  assert.equal(hostile.status, 201, JSON.stringify(hostile.body));
  const hidden = await staffCall(festival, organizer, 'POST', '/api/films', {
    slug: 'not-yet', original_title: 'Not yet', category: 'short', published: false,
  });
  assert.equal(hidden.status, 201, JSON.stringify(hidden.body));
  const scheduled = await staffCall(festival, organizer, 'POST', '/api/films/mer-interieure/premieres', {
    starts_at: new Date(Date.now() + 2 * 86400 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'), qa_minutes: 30,
  });
  assert.equal(scheduled.status, 201, JSON.stringify(scheduled.body));
  premiere = scheduled.body;
});
after(async () => {
  await browser?.close();
  await festival?.stop();
});

// ---- reading a served page as a parser does ----

function elements(node, out = []) {
  if (node.tagName) out.push(node);
  for (const child of node.childNodes || []) elements(child, out);
  if (node.content) elements(node.content, out);  // <template>
  return out;
}
const attr = (element, name) => element.attrs.find((a) => a.name === name)?.value;
const text = (element) => element.childNodes.map((c) => c.value ?? '').join('');

async function servedPage(path, headers = {}) {
  const response = await fetch(`${festival.url}${path}`, { headers, redirect: 'manual' });
  const html = await response.text();
  const all = elements(parse(html));
  const head = all.find((e) => e.tagName === 'head');
  const inHead = elements(head).filter((e) => e !== head);
  const meta = (key, value) => inHead.filter((e) => e.tagName === 'meta' && attr(e, key) === value).map((e) => attr(e, 'content'));
  const links = (rel) => inHead.filter((e) => e.tagName === 'link' && attr(e, 'rel') === rel);
  const jsonLd = inHead.filter((e) => e.tagName === 'script' && attr(e, 'type') === 'application/ld+json').map((e) => JSON.parse(text(e)));
  return {
    response, html, all, inHead, jsonLd,
    lang: attr(all.find((e) => e.tagName === 'html'), 'lang'),
    title: inHead.filter((e) => e.tagName === 'title').map(text),
    name: (n) => meta('name', n),
    property: (p) => meta('property', p),
    canonical: links('canonical').map((e) => attr(e, 'href')),
    alternates: links('alternate').filter((e) => attr(e, 'hreflang')).map((e) => [attr(e, 'hreflang'), attr(e, 'href')]),
    feeds: links('alternate').filter((e) => attr(e, 'type') === 'application/atom+xml').map((e) => attr(e, 'href')),
  };
}

const nameIn = (l) => festivalName || DEFAULT_NAME[l];

test('a film page says what it is in each language: title, description, addresses, previews and a Movie', { timeout: 60_000 }, async () => {
  for (const l of LANGUAGES) {
    const page = await servedPage(`/${l}/films/mer-interieure`);
    assert.equal(page.response.status, 200, l);
    assert.match(page.response.headers.get('content-type'), /^text\/html/);
    assert.equal(page.lang, l);
    assert.deepEqual(page.title, [`${texts[l].title} — ${nameIn(l)}`]);
    assert.deepEqual(page.name('description'), [texts[l].synopsis]);
    const canonical = `${festival.url}/${l}/films/mer-interieure`;
    assert.deepEqual(page.canonical, [canonical]);
    // Four alternates, absolute, the same set on every language's page.
    assert.deepEqual(page.alternates.sort(), [
      ['en', `${festival.url}/en/films/mer-interieure`], ['es', `${festival.url}/es/films/mer-interieure`],
      ['fr', `${festival.url}/fr/films/mer-interieure`], ['x-default', `${festival.url}/en/films/mer-interieure`],
    ]);
    assert.deepEqual(page.feeds, [`/${l}/feed.atom`]);
    assert.deepEqual(page.name('robots'), []);
    assert.deepEqual(page.property('og:title'), [texts[l].title]);
    assert.deepEqual(page.property('og:description'), [texts[l].synopsis]);
    assert.deepEqual(page.property('og:type'), ['video.movie']);
    assert.deepEqual(page.property('og:url'), [canonical]);
    assert.deepEqual(page.property('og:locale'), [LOCALE[l]]);
    assert.deepEqual(page.property('og:locale:alternate').sort(), LANGUAGES.filter((o) => o !== l).map((o) => LOCALE[o]).sort());
    const [image] = page.property('og:image');
    assert.ok(image.startsWith(`${festival.url}/api/films/`) && /\/poster(\?|$)/.test(image), image);
    assert.deepEqual(page.name('twitter:card'), ['summary_large_image']);
    assert.deepEqual(page.name('twitter:image'), [image]);
    assert.deepEqual(page.name('twitter:title'), [texts[l].title]);
    const poster = await fetch(image);
    assert.equal(poster.status, 200);
    assert.match(poster.headers.get('content-type'), /^image\/png/);

    assert.equal(page.jsonLd.length, 1);
    const [movie] = page.jsonLd;
    assert.equal(movie['@context'], 'https://schema.org');
    assert.equal(movie['@type'], 'Movie');
    assert.equal(movie.name, texts[l].title);
    assert.equal(movie.description, texts[l].synopsis);
    assert.equal(movie.image, image);
    assert.deepEqual(movie.director.map((d) => d.name), ['Awa Diop', 'Léa Martin']);
    assert.equal(movie.datePublished, '2023');
    assert.equal(movie.duration, 'PT1H35M');
    assert.equal(movie.inLanguage, 'fr');
    assert.equal(movie.url, canonical);
  }
  // The alternates point at each other: each one's canonical is itself.
  for (const l of LANGUAGES) {
    const page = await servedPage(`/${l}/films/mer-interieure`);
    for (const [, href] of page.alternates) {
      const other = await servedPage(new URL(href).pathname);
      assert.ok(other.alternates.some(([, back]) => back === page.canonical[0]), `${href} links back to ${page.canonical[0]}`);
    }
  }
  // Reached by its id, the film's page names its slug as canonical.
  const id = (await (await fetch(`${festival.url}/api/films/mer-interieure`)).json()).id;
  assert.deepEqual((await servedPage(`/es/films/${id}`)).canonical, [`${festival.url}/es/films/mer-interieure`]);
});

test('a premiere page is an Event presenting the film', { timeout: 60_000 }, async () => {
  for (const l of LANGUAGES) {
    const page = await servedPage(`/${l}/premieres/${premiere.id}`);
    assert.equal(page.response.status, 200);
    assert.equal(page.lang, l);
    const canonical = `${festival.url}/${l}/premieres/${premiere.id}`;
    assert.deepEqual(page.canonical, [canonical]);
    assert.ok(page.title[0].includes(texts[l].title), page.title[0]);
    assert.equal(page.alternates.length, 4);
    assert.deepEqual(page.name('robots'), []);
    const [event] = page.jsonLd;
    assert.equal(event['@type'], 'Event');
    assert.ok(event.name.includes(texts[l].title));
    assert.equal(Date.parse(event.startDate), Date.parse(premiere.starts_at));
    assert.equal(Date.parse(event.endDate), Date.parse(premiere.room_closes_at));
    assert.equal(event.eventAttendanceMode, 'https://schema.org/OnlineEventAttendanceMode');
    assert.deepEqual(event.location, { '@type': 'VirtualLocation', url: canonical });
    assert.ok(event.image.startsWith(`${festival.url}/api/films/`));
    assert.equal(event.workPresented['@type'], 'Movie');
    assert.equal(event.workPresented.name, texts[l].title);
    assert.equal(event.workPresented.url, `${festival.url}/${l}/films/mer-interieure`);
  }
});

test('a hostile title is only ever text: no element made from it, attributes and JSON-LD read back equal', { timeout: 60_000 }, async () => {
  const plain = await servedPage('/en/catalog');
  const scripts = (page) => page.all.filter((e) => e.tagName === 'script');
  for (const l of LANGUAGES) {
    const page = await servedPage(`/${l}/films/hostile`);
    assert.equal(page.response.status, 200);
    // Falls back to the English text, as the pages' script does.
    assert.deepEqual(page.title, [`${HOSTILE} — ${nameIn(l)}`]);
    assert.equal(page.all.filter((e) => e.tagName === 'img').length, 0);
    assert.equal(page.all.filter((e) => e.attrs?.some((a) => a.name === 'onerror')).length, 0);
    // The page's own module scripts, and one JSON-LD block: nothing else.
    assert.equal(scripts(page).length, scripts(plain).length + 1);
    assert.ok(scripts(page).every((e) => attr(e, 'src') || attr(e, 'type') === 'application/ld+json'));
    assert.ok(!scripts(page).some((e) => text(e).includes('alert(1)') && attr(e, 'type') !== 'application/ld+json'));
    assert.deepEqual(page.name('description'), [HOSTILE]);
    assert.deepEqual(page.property('og:title'), [HOSTILE]);
    assert.deepEqual(page.name('twitter:title'), [HOSTILE]);
    assert.deepEqual(page.name('twitter:card'), ['summary']);  // no poster
    assert.equal(page.jsonLd.length, 1);
    assert.equal(page.jsonLd[0].name, HOSTILE);
    assert.equal(page.jsonLd[0].description, HOSTILE);
    assert.ok(!page.html.includes('<script>alert'));
  }
});

test('private pages, missing films and unpublished ones are not indexed; public pages are', { timeout: 60_000 }, async () => {
  for (const l of LANGUAGES) {
    for (const path of ['login', 'curator', 'organizer', 'moderation']) {
      const page = await servedPage(`/${l}/${path}`);
      assert.equal(page.response.status, 200, path);
      assert.deepEqual(page.name('robots'), ['noindex'], path);
      assert.equal(page.lang, l);
    }
    for (const path of ['', 'catalog', 'about', 'feedback']) {
      const page = await servedPage(`/${l}/${path}`);
      assert.equal(page.response.status, 200, path);
      assert.deepEqual(page.name('robots'), [], path);
      assert.equal(page.title.length, 1);
      assert.ok(page.title[0].endsWith(` — ${nameIn(l)}`), page.title[0]);
      assert.equal(page.name('description').length, 1);
      assert.deepEqual(page.canonical, [`${festival.url}/${l}/${path}`]);
      assert.deepEqual(page.property('og:type'), ['website']);
    }
  }
  const missing = await servedPage('/es/films/no-such-film');
  assert.equal(missing.response.status, 404);
  assert.equal(missing.lang, 'es');
  assert.deepEqual(missing.name('robots'), ['noindex']);
  assert.equal((await servedPage('/fr/premieres/999999')).response.status, 404);
  assert.equal((await servedPage('/fr/premieres/abc')).response.status, 404);
  // An unpublished film: nobody outside sees it; its staff see its page, never indexed.
  assert.equal((await servedPage('/en/films/not-yet')).response.status, 404);
  const staff = await servedPage('/en/films/not-yet', { Cookie: organizer.cookie });
  assert.equal(staff.response.status, 200);
  assert.deepEqual(staff.name('robots'), ['noindex']);
  assert.match(staff.response.headers.get('cache-control'), /private/);
  // Validators over the bytes sent.
  const first = await fetch(`${festival.url}/fr/films/mer-interieure`);
  const etag = first.headers.get('etag');
  assert.ok(etag);
  assert.equal((await fetch(`${festival.url}/fr/films/mer-interieure`, { headers: { 'If-None-Match': etag } })).status, 304);
  assert.equal((await fetch(`${festival.url}/es/films/mer-interieure`, { headers: { 'If-None-Match': etag } })).status, 200);
});

test('old addresses move with 301 to the language Accept-Language names, else English', { timeout: 60_000 }, async () => {
  const cases = [
    ['/', 'fr-CA,fr;q=0.9', '/fr/'],
    ['/', 'de-DE', '/en/'],
    ['/', null, '/en/'],
    ['/index.html', 'es', '/es/'],
    ['/catalog?category=short', 'es-AR,es;q=0.9,en;q=0.5', '/es/catalog?category=short'],
    ['/about', 'en-US', '/en/about'],
    ['/films/mer-interieure', 'fr', '/fr/films/mer-interieure'],
    [`/premiere.html?id=${premiere.id}`, 'es', `/es/premieres/${premiere.id}`],
    ['/login?next=%2Fcurator', 'fr', '/fr/login?next=%2Fcurator'],
    ['/curator', 'de, es;q=0.8', '/es/curator'],
    ['/organizer', 'en', '/en/organizer'],
    ['/moderation', 'fr', '/fr/moderation'],
    ['/feedback', 'es', '/es/feedback'],
    ['/film.html?slug=mer-interieure', 'fr', '/fr/films/mer-interieure'],
  ];
  for (const [path, acceptLanguage, location] of cases) {
    const response = await fetch(`${festival.url}${path}`, {
      redirect: 'manual', headers: acceptLanguage ? { 'Accept-Language': acceptLanguage } : {},
    });
    assert.equal(response.status, 301, path);
    assert.equal(response.headers.get('location'), location, path);
    assert.match(response.headers.get('vary') || '', /Accept-Language/, path);
  }
  // Assets and the API stay where they are.
  for (const path of ['/js/i18n.js', '/css/festival.css', '/i18n/fr.json', '/img/favicon.svg', '/api/films']) {
    const response = await fetch(`${festival.url}${path}`, { redirect: 'manual' });
    assert.equal(response.status, 200, path);
  }
});

test('in Chromium the language switch keeps the page, catalog links carry the language, axe is clean', { timeout: 240_000 }, async () => {
  browser = await launchBrowser();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${festival.url}/fr/films/mer-interieure`);
  await page.waitForSelector('main h1');
  assert.equal(await page.textContent('main h1'), texts.fr.title);
  await Promise.all([
    page.waitForURL(`${festival.url}/es/films/mer-interieure`),
    page.click('.lang-switcher button[data-lang="es"]'),
  ]);
  await page.waitForFunction((title) => document.querySelector('main h1')?.textContent === title, texts.es.title);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
  assert.equal(await page.getAttribute('.lang-switcher button[data-lang="es"]', 'aria-pressed'), 'true');
  // The nav follows the address's language.
  assert.equal(await page.getAttribute('.site-header nav a[href$="catalog"]', 'href'), '/es/catalog');
  // Query and fragment are kept.
  await page.goto(`${festival.url}/es/films/mer-interieure?from=mail#main`);
  await page.waitForFunction((title) => document.querySelector('main h1')?.textContent === title, texts.es.title);
  await Promise.all([
    page.waitForURL(`${festival.url}/en/films/mer-interieure?from=mail#main`),
    page.click('.lang-switcher button[data-lang="en"]'),
  ]);
  await page.waitForFunction((title) => document.querySelector('main h1')?.textContent === title, texts.en.title);
  // Back: the previous language again.
  await page.goBack();
  await page.waitForFunction((title) => document.querySelector('main h1')?.textContent === title, texts.es.title);
  assert.equal(page.url(), `${festival.url}/es/films/mer-interieure?from=mail#main`);
  // The choice is remembered: an address without a language leads to it.
  await page.goto(`${festival.url}/about`);
  assert.equal(page.url(), `${festival.url}/es/about`);

  await page.goto(`${festival.url}/es/catalog`);
  await page.waitForSelector('.film-card h3 a');
  const hrefs = await page.$$eval('main a[href*="/films/"]', (links) => links.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.length > 0);
  for (const href of hrefs) assert.match(href, /^\/es\/films\/[^/]+$/);
  await Promise.all([page.waitForURL(/\/es\/films\/mer-interieure$/), page.click('main a[href="/es/films/mer-interieure"]')]);

  // A viewer sent to sign in comes back to the page in their language.
  await page.goto(`${festival.url}/fr/curator`);
  await page.waitForSelector('main a[href^="/fr/login"]');
  assert.equal(await page.getAttribute('main a[href^="/fr/login"]', 'href'), '/fr/login?next=/fr/curator');
  await context.close();

  for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
    const checked = await browser.newContext({ viewport });
    const tab = await checked.newPage();
    for (const l of LANGUAGES) {
      await tab.goto(`${festival.url}/${l}/films/mer-interieure`);
      await tab.waitForFunction((title) => document.querySelector('main h1')?.textContent === title, texts[l].title);
      await tab.waitForFunction(() => !document.querySelector('main[aria-busy="true"]'));
      assert.deepEqual(await seriousAccessibilityViolations(tab), [], `${l} ${viewport.width}px`);
    }
    await checked.close();
  }
});

test('signed-in staff land on their page in the address language', { timeout: 60_000 }, async () => {
  browser ??= await launchBrowser();
  const context = await browser.newContext();
  await signInContext(context, festival.url, demoAccounts.curator);
  const page = await context.newPage();
  await page.goto(`${festival.url}/es/`);
  await page.waitForSelector('.site-header nav a[href="/es/curator"]');
  assert.equal(await page.getAttribute('.site-header a.brand', 'href'), '/es/');
  await context.close();
});
