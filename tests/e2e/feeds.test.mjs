// The festival's feeds, film window calendars, sitemap and robots.txt read by real parsers: a feed
// parser from npm (@rowanmanning/feed-parser) reads each language's Atom feed, ical.js the calendar
// file, fast-xml-parser (already installed as the feed parser's own) the sitemap, and xmllint (libxml2)
// says every XML document is well-formed. Films in several states, hostile and accented titles,
// per-language texts. No browser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import feedParser from '@rowanmanning/feed-parser';
import { XMLParser } from 'fast-xml-parser';
import ICAL from 'ical.js';

import { staffCall } from './premiere-films.mjs';
import { demoAccounts, signInApi, startFestival } from './support.mjs';

const languages = ['fr', 'en', 'es'];
const hostile = '</title><x>&"\'';
const day = 86400;

let festival;
let organizer;
const films = {};
const nowSeconds = Math.floor(Date.now() / 1000);
const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const screening = { now: [nowSeconds - day, nowSeconds + 20 * day], soon: [nowSeconds + 10 * day, nowSeconds + 40 * day] };

// Each state the feed must tell apart, with texts in several languages (some missing: the fallback).
const fixtures = {
  now: {
    slug: 'feeds-now', original_title: `Original ${hostile}`, published: true,
    available_from: iso(screening.now[0]), available_until: iso(screening.now[1]), poster: '/api/films/feeds-now/poster?v=1a2b',
    texts: {
      fr: { title: `Été à l’Éden ${hostile}`, synopsis: `Un été « brûlant » ${hostile}` },
      en: { title: `Summer at the Eden ${hostile}`, synopsis: `A hot summer ${hostile}` },
      es: { title: 'Verano en el Edén, ñandú', synopsis: '' },
    },
  },
  soon: {
    slug: 'feeds-soon', original_title: 'Bientôt', published: true,
    available_from: iso(screening.soon[0]), available_until: iso(screening.soon[1]),
    texts: { en: { title: 'Coming & going', synopsis: 'Soon on screen.' } },
  },
  draft: {
    slug: 'feeds-draft', original_title: 'Brouillon', published: false,
    available_from: iso(nowSeconds - day), available_until: iso(nowSeconds + day),
  },
  closed: {
    slug: 'feeds-closed', original_title: 'Fermé', published: true,
    available_from: iso(nowSeconds - 20 * day), available_until: iso(nowSeconds - day),
  },
};

before(async () => {
  festival = await startFestival({ extraArgs: ['--transcoders', '0'] });
  organizer = await signInApi(festival.url, demoAccounts.organizer);
  for (const [state, fields] of Object.entries(fixtures)) {
    const created = await staffCall(festival, organizer, 'POST', '/api/films', { category: 'fiction', ...fields });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    films[state] = created.body;
  }
});
after(async () => {
  await festival?.stop();
});

/** xmllint's verdict on a document: a real XML parser, well-formedness first. */
function wellFormed(xml) {
  const run = spawnSync('xmllint', ['--noout', '-'], { input: xml });
  assert.equal(run.error, undefined, 'xmllint is installed (scripts/install-deps --tests)');
  return { ok: run.status === 0, message: run.stderr.toString() };
}

/** "1er décembre 2026", "December 1, 2026", "1 de diciembre de 2026": the UTC day, as Intl writes it. */
function spokenDay(lang, seconds) {
  const text = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(seconds * 1000));
  return lang === 'fr' ? text.replace(/^1 /, '1er ') : text;
}

const expectedTitle = {
  fr: fixtures.now.texts.fr.title,
  en: fixtures.now.texts.en.title,
  es: fixtures.now.texts.es.title,
};
const soonTitle = {
  fr: (date) => `Bientôt : Coming & going (à partir du ${date})`,
  en: (date) => `Opening soon: Coming & going (from ${date})`,
  es: (date) => `Próximamente: Coming & going (desde el ${date})`,
};

for (const lang of languages) {
  test(`the ${lang} feed reads as Atom: titles in ${lang}, absolute ${lang} links, the opening marked, nothing unpublished or closed`, { timeout: 60_000 }, async () => {
    const response = await fetch(`${festival.url}/${lang}/feed.atom`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/atom+xml; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
    const xml = await response.text();
    const verdict = wellFormed(xml);
    assert.ok(verdict.ok, verdict.message);

    const feed = feedParser.parseFeed(xml);
    assert.equal(feed.language, lang);
    assert.match(feed.title, lang === 'es' ? / — películas$/ : / — films$/);
    assert.equal(feed.self, `${festival.url}/${lang}/feed.atom`);
    assert.equal(feed.url, `${festival.url}/${lang}/catalog`);
    assert.ok(feed.items.length >= 2);
    for (const item of feed.items) {
      assert.ok(item.url.startsWith(`${festival.url}/${lang}/`), `absolute and in ${lang}: ${item.url}`);
      assert.ok(item.id.startsWith('tag:127.0.0.1,2026:'), item.id);
    }
    for (const absent of ['draft', 'closed'])
      assert.equal(feed.items.some((item) => item.url.endsWith(`/films/${fixtures[absent].slug}`)), false, `${absent} is not in the feed`);
    const updated = feed.items.map((item) => item.updated.getTime());
    assert.deepEqual(updated, [...updated].sort((a, b) => b - a), 'newest first');

    const now = feed.items.find((item) => item.id === `tag:127.0.0.1,2026:film-${films.now.id}`);
    assert.ok(now, 'the film screening now is listed');
    assert.equal(now.title, expectedTitle[lang]);
    assert.equal(now.url, `${festival.url}/${lang}/films/feeds-now`);
    // Spanish has no synopsis: it falls back to English.
    assert.equal(now.description, lang === 'fr' ? fixtures.now.texts.fr.synopsis : fixtures.now.texts.en.synopsis);
    assert.equal(now.image.url, `${festival.url}/api/films/feeds-now/poster?v=1a2b`);
    assert.deepEqual(now.categories.map((c) => c.term), ['available']);
    assert.ok(now.updated.getTime() >= screening.now[0] * 1000);

    const soon = feed.items.find((item) => item.id === `tag:127.0.0.1,2026:film-${films.soon.id}-opening`);
    assert.ok(soon, 'the film opening in 10 days is announced');
    assert.equal(soon.title, soonTitle[lang](spokenDay(lang, screening.soon[0])));
    assert.ok(soon.description.includes(spokenDay(lang, screening.soon[0])), soon.description);
    assert.ok(soon.description.endsWith('Soon on screen.'));
    assert.deepEqual(soon.categories.map((c) => c.term), ['opening-soon']);
    assert.equal(soon.url, `${festival.url}/${lang}/films/feeds-soon`);
  });
}

test('an unknown feed language is 404, and a feed answers 304 to its own ETag', async () => {
  assert.equal((await fetch(`${festival.url}/de/feed.atom`)).status, 404);
  const first = await fetch(`${festival.url}/en/feed.atom`);
  await first.text();
  const again = await fetch(`${festival.url}/en/feed.atom`, { headers: { 'If-None-Match': first.headers.get('etag') } });
  assert.equal(again.status, 304);
});

test('the film window calendar reads with ical.js: the window, the title in the language, the page, hostile text intact', async () => {
  const response = await fetch(`${festival.url}/api/films/feeds-now/calendar.ics?lang=fr`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/calendar/);
  const text = await response.text();
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `over 75 octets: ${line}`);
  const events = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent');
  assert.equal(events.length, 1);
  const event = new ICAL.Event(events[0]);
  assert.equal(event.startDate.toUnixTime(), screening.now[0]);
  assert.equal(event.endDate.toUnixTime(), screening.now[1]);
  assert.equal(event.summary, fixtures.now.texts.fr.title);
  assert.equal(event.uid, `film-${films.now.id}-window@127.0.0.1`);
  assert.equal(events[0].getFirstPropertyValue('url'), `${festival.url}/fr/films/feeds-now`);
  assert.equal(event.description, `${fixtures.now.texts.fr.synopsis}\n\n${festival.url}/fr/films/feeds-now`);

  const spanish = new ICAL.Event(new ICAL.Component(ICAL.parse(await (await fetch(`${festival.url}/api/films/feeds-now/calendar.ics?lang=es`)).text())).getFirstSubcomponent('vevent'));
  assert.equal(spanish.summary, fixtures.now.texts.es.title);
  const draft = await fetch(`${festival.url}/api/films/feeds-draft/calendar.ics`);
  assert.equal(draft.status, 404);
  assert.equal((await draft.json()).error.code, 'film_not_found');
});

test('sitemap.xml lists the public pages and films in three languages with their alternates; robots.txt closes the rest', async () => {
  const response = await fetch(`${festival.url}/sitemap.xml`);
  assert.equal(response.status, 200);
  const xml = await response.text();
  const verdict = wellFormed(xml);
  assert.ok(verdict.ok, verdict.message);
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  const urls = [parsed.urlset.url].flat();
  const locs = urls.map((u) => u.loc);
  for (const lang of languages) {
    for (const page of ['', 'catalog', 'about', 'feedback', 'films/feeds-now', 'films/feeds-soon', 'films/feeds-closed'])
      assert.ok(locs.includes(`${festival.url}/${lang}/${page}`), `${lang}/${page} listed`);
    for (const page of ['films/feeds-draft', 'login', 'curator', 'organizer', 'moderation', 'account'])
      assert.equal(locs.includes(`${festival.url}/${lang}/${page}`), false, `${lang}/${page} not listed`);
  }
  for (const url of urls) {
    const links = [url['xhtml:link']].flat();
    const byLanguage = Object.fromEntries(links.map((l) => [l.hreflang, l.href]));
    assert.deepEqual(Object.keys(byLanguage).sort(), ['en', 'es', 'fr', 'x-default']);
    const path = url.loc.slice(festival.url.length + 3);  // after "/xx"
    for (const lang of languages) assert.equal(byLanguage[lang], `${festival.url}/${lang}${path}`);
    assert.equal(byLanguage['x-default'], `${festival.url}/en${path}`);
  }
  const film = urls.find((u) => u.loc === `${festival.url}/en/films/feeds-now`);
  assert.ok(Date.parse(film.lastmod) > 0, 'a film has its lastmod');

  const robots = await fetch(`${festival.url}/robots.txt`);
  assert.equal(robots.status, 200);
  const lines = (await robots.text()).split('\n');
  for (const line of ['User-agent: *', 'Disallow: /api/', 'Disallow: /media/', 'Disallow: /preview/', 'Disallow: /embed/',
    'Allow: /api/films/*/poster', `Sitemap: ${festival.url}/sitemap.xml`])
    assert.ok(lines.includes(line), line);
  for (const lang of languages)
    for (const page of ['login', 'curator', 'organizer', 'moderation', 'report/', 'invitation/', 'account'])
      assert.ok(lines.includes(`Disallow: /${lang}/${page}`), `${lang}/${page}`);
  assert.equal(lines.some((line) => /^Disallow: \/(fr|en|es)\/(films|catalog|about)?$/.test(line)), false);
});
