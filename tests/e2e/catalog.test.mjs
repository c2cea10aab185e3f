// The festival's public pages in a real browser (Debian chromium): home, catalog browsing, filters,
// accent-insensitive search as you type, the three languages, escaping of catalog text, keyboard use,
// screenshots at phone and desktop widths, and an axe-core accessibility check.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  getJson, launchBrowser, screenshot, seriousAccessibilityViolations, startFestival, waitFor, watchPageProblems,
  demoAccounts, signInApi,
} from './support.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };

let festival;
let browser;

before(async () => {
  // No transcoding needed here: the catalog's pages work from metadata alone.
  festival = await startFestival({ extraArgs: ['--transcoders', '0'] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await festival?.stop();
});

/** A page in a fresh context (no remembered language), with page errors and CSP violations collected. */
async function openPage(path, { viewport = DESKTOP, locale = 'en-US', headers } = {}) {
  const context = await browser.newContext({ viewport, locale, extraHTTPHeaders: headers });
  const page = await context.newPage();
  const problems = watchPageProblems(page, festival.url);
  await page.goto(festival.url + path);
  await page.waitForSelector('main:not([aria-busy])');
  return { page, context, problems };
}

function slugsOnPage(page) {
  return page.$$eval('#catalog-results li[data-slug]', (items) => items.map((li) => li.dataset.slug).sort());
}

async function waitForSlugs(page, expected, message) {
  const want = [...expected].sort();
  await waitFor(async () => JSON.stringify(await slugsOnPage(page)) === JSON.stringify(want), {
    timeoutMs: 10_000,
    message: `${message}: ${want.join(', ')} (on the page: ${(await slugsOnPage(page)).join(', ')})`,
  });
}

async function apiSlugs(query) {
  const result = await getJson(`${festival.url}/api/films?${query}&per_page=100`);
  return result.items.map((f) => f.slug).sort();
}

describe('home and catalog', () => {
  test('the home page shows the festival, its dates and welcome, and the films screening now', async () => {
    const { page, context, problems } = await openPage('/');
    const info = await getJson(`${festival.url}/api/festival`);
    assert.equal(await page.textContent('h1'), info.name);
    assert.match(await page.textContent('.hero .welcome'), /watch documentaries, shorts and fiction/);
    // Dates formatted for English: "March 15, 2027"-like, not ISO.
    assert.match(await page.textContent('.hero .dates'), /^From [A-Z][a-z]+ \d{1,2}, \d{4} to [A-Z][a-z]+ \d{1,2}, \d{4}$/);
    const nowSlugs = await apiSlugs('screening=now');
    const shown = await page.$$eval('.film-grid li[data-slug]', (items) => items.map((li) => li.dataset.slug).sort());
    assert.deepEqual(shown, nowSlugs);
    // The first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    await screenshot(page, 'home-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'home-phone');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the catalog lists every film in "now screening", "coming soon" and "screening ended" sections', async () => {
    const { page, context, problems } = await openPage('/catalog');
    await waitForSlugs(page, await apiSlugs(''), 'every published film');
    for (const [state, heading] of [['now', 'Now screening'], ['upcoming', 'Coming soon'], ['ended', 'Screening ended']]) {
      const inSection = await page.$$eval(`.catalog-${state} li[data-slug]`, (items) => items.map((li) => li.dataset.slug).sort());
      assert.deepEqual(inSection, await apiSlugs(`screening=${state}`), `section ${state}`);
      assert.equal(await page.textContent(`.catalog-${state} h2`), heading);
    }
    // Each card links to its film page; following it opens the film.
    await page.click('li[data-slug="letters-from-the-border"] h3 a');
    await page.waitForURL('**/films/letters-from-the-border');
    await page.waitForSelector('main:not([aria-busy]) h1');
    assert.equal(await page.textContent('h1'), 'Letters from the Border');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('filtering to shorts shows only the shorts, and the filter is kept in the address', async () => {
    const { page, context } = await openPage('/catalog');
    await waitForSlugs(page, await apiSlugs(''), 'every film first');
    await page.selectOption('#filter-category', 'short');
    const shorts = await apiSlugs('category=short');
    assert.deepEqual(shorts, ['dix-mille-kilometres', 'letters-from-the-border']);
    await waitForSlugs(page, shorts, 'only the shorts');
    assert.match(page.url(), /[?&]category=short\b/);
    assert.equal(await page.textContent('#catalog-count'), '2 films');
    // Reloading keeps the filter; another filter narrows further (country: Mali).
    await page.reload();
    await waitForSlugs(page, shorts, 'shorts after a reload');
    assert.equal(await page.inputValue('#filter-category'), 'short');
    await page.selectOption('#filter-country', 'ML');
    await waitForSlugs(page, ['dix-mille-kilometres'], 'shorts from Mali');
    // Clearing the filters brings everything back.
    await page.click('button[type="reset"]');
    await waitForSlugs(page, await apiSlugs(''), 'every film after clearing');
    await context.close();
  });

  test('searching "réintégration" and "reintegration" as you type finds the same film', async () => {
    const { page, context } = await openPage('/catalog');
    await waitForSlugs(page, await apiSlugs(''), 'every film first');
    await page.locator('#catalog-search').pressSequentially('réintégration', { delay: 20 });
    await waitForSlugs(page, ['chemins-de-reintegration'], 'the film for "réintégration"');
    await page.fill('#catalog-search', '');
    await waitForSlugs(page, await apiSlugs(''), 'every film when the search is emptied');
    await page.locator('#catalog-search').pressSequentially('reintegration', { delay: 20 });
    await waitForSlugs(page, ['chemins-de-reintegration'], 'the same film for "reintegration"');
    // A search nothing matches says so.
    await page.fill('#catalog-search', 'zzzqqq');
    await waitFor(async () => (await page.textContent('#catalog-results')).includes('No film matches'), { message: 'no results message' });
    await context.close();
  });

  test('the catalog works from the keyboard alone: filter, then open a film', async () => {
    const { page, context } = await openPage('/catalog');
    await waitForSlugs(page, await apiSlugs(''), 'every film first');
    const tabTo = async (matches, what) => {
      for (let i = 0; i < 40; ++i) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(matches)) return;
      }
      assert.fail(`${what} is not reachable with Tab`);
    };
    await tabTo(() => document.activeElement.id === 'filter-category', 'the category filter');
    // Typing a letter picks the matching option in a focused select, as a keyboard user does.
    await page.keyboard.type('Sh');
    await waitForSlugs(page, await apiSlugs('category=short'), 'shorts chosen from the keyboard');
    await tabTo(() => document.activeElement.closest('li[data-slug]') !== null, 'a film card');
    const slug = await page.evaluate(() => document.activeElement.closest('li[data-slug]').dataset.slug);
    assert.ok(['dix-mille-kilometres', 'letters-from-the-border'].includes(slug), slug);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/films/${slug}`);
    await context.close();
  });

  test('catalog screenshots at phone and desktop widths, with no serious accessibility violation', async () => {
    for (const [name, viewport] of [['catalog-phone', PHONE], ['catalog-desktop', DESKTOP]]) {
      const { page, context, problems } = await openPage('/catalog', { viewport });
      await waitForSlugs(page, await apiSlugs(''), 'every film');
      await page.waitForFunction(() => [...document.images].every((img) => img.complete));
      await screenshot(page, name);
      assert.deepEqual(await seriousAccessibilityViolations(page), [], name);
      // Nothing wider than the screen: no sideways scrolling on a phone.
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${name} fits the width`);
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
});

describe('three languages', () => {
  test('switching to Spanish shows the Spanish UI and synopsis, and the choice is remembered', async () => {
    const { page, context } = await openPage('/catalog');
    assert.equal(await page.textContent('h1'), "The festival's films");
    await page.getByRole('button', { name: 'Español' }).click();
    await waitFor(async () => (await page.textContent('h1')) === 'Las películas del festival', { message: 'Spanish heading' });
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    assert.equal(await page.getAttribute('button[data-lang="es"]', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('label[for="filter-category"]'), 'Categoría');
    await waitFor(async () => (await page.textContent('.catalog-now h2')) === 'En cartelera', { message: 'Spanish section' });
    // Film titles in Spanish on the cards.
    assert.equal(await page.textContent('li[data-slug="chemins-de-reintegration"] h3'), 'Los caminos de la reintegración');

    await page.click('li[data-slug="chemins-de-reintegration"] h3 a');
    await page.waitForURL('**/films/chemins-de-reintegration');
    await page.waitForSelector('main:not([aria-busy]) .synopsis');
    assert.equal(await page.textContent('h1'), 'Los caminos de la reintegración');
    assert.match(await page.textContent('.synopsis'), /^De vuelta en Dakar tras ocho años en Francia/);
    assert.equal(await page.textContent('#synopsis-title'), 'Sinopsis');
    assert.match(await page.textContent('.film-facts'), /Documental/);
    // Remembered: a new page load stays in Spanish although the browser says English.
    await page.goto(`${festival.url}/about`);
    await page.waitForSelector('main:not([aria-busy]) h1');
    assert.equal(await page.textContent('h1'), 'Acerca del festival');
    await context.close();
  });

  test('without a remembered choice the language follows Accept-Language; dates and numbers follow it', async () => {
    // The browser's language is French: the server sends it to the French pages (a navigation's
    // Accept-Language is the browser's own), which the page then follows.
    const { page, context } = await openPage('/', { locale: 'fr-FR', headers: { 'Accept-Language': 'fr-FR,fr;q=0.9' } });
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.match(await page.textContent('.hero .dates'), /^Du \d{1,2} [a-zéû]+\.? \d{4} au \d{1,2} [a-zéû]+\.? \d{4}$/);
    assert.match(await page.textContent('.hero .welcome'), /^Pendant cinq mois/);
    await context.close();

    // A language the festival does not speak falls back to the browser's languages, then English.
    const german = await openPage('/catalog', { locale: 'de-DE', headers: { 'Accept-Language': 'de-DE' } });
    assert.equal(await german.page.getAttribute('html', 'lang'), 'en');
    await german.context.close();
  });
});

describe('safety of catalog text', () => {
  test('catalog text that looks like HTML is shown as text, never run', async () => {
    // A curator creates a published film whose title and synopsis carry markup.
    const { cookie, csrf } = await signInApi(festival.url, demoAccounts.curator);
    const hostile = '<img src=x id=injected onerror="window.__pwned=1">';
    const created = await fetch(`${festival.url}/api/films`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: JSON.stringify({
        slug: 'markup-test', original_title: `Markup ${hostile}`, category: 'short', published: true,
        available_from: '2020-01-01', available_until: '2099-01-01',
        texts: { en: { title: `Markup ${hostile}`, synopsis: `<script>window.__pwned=2</script>${hostile}` } },
      }),
    });
    assert.equal(created.status, 201, await created.text());

    const { page, context } = await openPage('/catalog');
    await page.waitForSelector('li[data-slug="markup-test"]');
    assert.equal(await page.textContent('li[data-slug="markup-test"] h3'), `Markup ${hostile}`);
    await page.goto(`${festival.url}/films/markup-test`);
    await page.waitForSelector('main:not([aria-busy]) .synopsis');
    assert.equal(await page.textContent('.synopsis'), `<script>window.__pwned=2</script>${hostile}`);
    assert.equal(await page.$('#injected'), null);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await context.close();
  });
});

describe('film texts in the viewer\'s language', () => {
  test('a film without Spanish texts is shown to a Spanish viewer in the next language it has, marked as such', async () => {
    const { cookie, csrf } = await signInApi(festival.url, demoAccounts.curator);
    const created = await fetch(`${festival.url}/api/films`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: JSON.stringify({
        slug: 'only-french', original_title: 'Seulement en français', category: 'documentary', published: true,
        available_from: '2020-01-01', available_until: '2099-01-01',
        texts: { fr: { title: 'Seulement en français', synopsis: 'Un synopsis écrit en français.' }, en: { title: 'Only in French' } },
      }),
    });
    assert.equal(created.status, 201, await created.text());
    const { page, context } = await openPage('/films/only-french', { locale: 'es-ES', headers: { 'Accept-Language': 'es' } });
    await page.waitForSelector('.synopsis');
    assert.equal(await page.textContent('#synopsis-title'), 'Sinopsis');  // the UI in Spanish
    // Title: English is the first fallback; the synopsis only exists in French.
    assert.equal(await page.textContent('h1'), 'Only in French');
    assert.equal(await page.getAttribute('h1', 'lang'), 'en');
    assert.equal(await page.textContent('.synopsis'), 'Un synopsis écrit en français.');
    assert.equal(await page.getAttribute('.synopsis', 'lang'), 'fr');
    await context.close();
  });
});

describe('sign-in', () => {
  test('a curator signs in and lands on /curator; a wrong password is refused with a message', async () => {
    const { page, context } = await openPage('/login');
    await page.fill('#login-email', demoAccounts.curator);
    await page.fill('#login-password', 'not the password');
    await page.click('form button[type="submit"]');
    await waitFor(async () => (await page.textContent('#login-status')) === 'Wrong email or password.', { message: 'refusal' });
    await page.fill('#login-password', demoAccounts.password);
    await page.click('form button[type="submit"]');
    await page.waitForURL('**/curator');
    await context.close();

    const organizer = await openPage('/login');
    await organizer.page.fill('#login-email', demoAccounts.organizer);
    await organizer.page.fill('#login-password', demoAccounts.password);
    await organizer.page.click('form button[type="submit"]');
    await organizer.page.waitForURL('**/organizer');
    await organizer.context.close();
  });
});

describe('after the festival', () => {
  test('once closed, the home page thanks viewers and shows the final audience figures', async () => {
    const { cookie, csrf } = await signInApi(festival.url, demoAccounts.organizer);
    const info = await getJson(`${festival.url}/api/festival`);
    const closed = await fetch(`${festival.url}/api/festival`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: JSON.stringify({ name: info.name, starts_on: '2025-01-10', ends_on: '2025-06-20', texts: info.texts }),
    });
    assert.equal(closed.status, 200, await closed.text());
    const totals = (await getJson(`${festival.url}/api/festival`)).totals;

    const { page, context } = await openPage('/', { locale: 'es-ES', headers: { 'Accept-Language': 'es' } });
    assert.match(await page.textContent('.hero .welcome'), /^Gracias por ver nuestras películas/);
    assert.equal(await page.textContent('.hero .dates'), 'Del 10 de enero de 2025 al 20 de junio de 2025');
    const figures = await page.$$eval('.totals .figure', (nodes) => nodes.map((n) => n.textContent));
    const es = new Intl.NumberFormat('es');
    assert.deepEqual(figures, [es.format(totals.views), es.format(totals.unique_viewers), new Intl.NumberFormat('es', { maximumFractionDigits: 0 }).format(totals.watch_hours)]);
    assert.equal(await page.textContent('#totals-title'), 'El festival en cifras');
    await context.close();
  });
});
