// The film page's "add to calendar" link for the screening window, in Chromium: shown in the page's
// language for a window to come, pointing at the window's calendar file in that language (which
// answers), absent when there is no window or it has closed; axe-core clean on phone and desktop in
// French, English and Spanish.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { staffCall } from './premiere-films.mjs';
import {
  demoAccounts, launchBrowser, screenshot, seriousAccessibilityViolations, signInApi, startFestival, watchPageProblems,
} from './support.mjs';

let festival;
let browser;
const day = 86400;
const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const now = Math.floor(Date.now() / 1000);

before(async () => {
  festival = await startFestival({ extraArgs: ['--transcoders', '0'] });
  browser = await launchBrowser();
  const organizer = await signInApi(festival.url, demoAccounts.organizer);
  for (const film of [
    { slug: 'calendar-soon', original_title: 'Bientôt à l’écran', available_from: iso(now + 10 * day), available_until: iso(now + 40 * day),
      texts: { fr: { title: 'Bientôt à l’écran', synopsis: 'Un film.' }, es: { title: 'Pronto en pantalla', synopsis: 'Una película.' } } },
    { slug: 'calendar-none', original_title: 'Sans fenêtre' },
    { slug: 'calendar-closed', original_title: 'Fini', available_from: iso(now - 20 * day), available_until: iso(now - day) },
  ]) {
    const created = await staffCall(festival, organizer, 'POST', '/api/films', { category: 'fiction', published: true, ...film });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
});
after(async () => {
  await browser?.close();
  await festival?.stop();
});

const expected = {
  fr: 'Ajouter les dates de projection à mon calendrier',
  en: 'Add the screening dates to my calendar',
  es: 'Añadir las fechas de proyección a mi calendario',
};
const locales = { fr: 'fr-FR', en: 'en-US', es: 'es-ES' };
const viewports = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };

for (const lang of Object.keys(expected)) {
  test(`the film page offers the window's calendar file in ${lang}, and passes axe on phone and desktop`, { timeout: 120_000 }, async () => {
    for (const [name, viewport] of Object.entries(viewports)) {
      const context = await browser.newContext({ viewport, locale: locales[lang] });
      const page = await context.newPage();
      const problems = watchPageProblems(page, festival.url);
      try {
        await page.goto(`${festival.url}/films/calendar-soon`);
        const link = page.locator('.film-calendar a');
        await link.waitFor();
        assert.equal((await link.textContent()).trim(), expected[lang]);
        const href = await link.getAttribute('href');
        assert.equal(href, `/api/films/calendar-soon/calendar.ics?lang=${lang}`);
        const file = await fetch(`${festival.url}${href}`);
        assert.equal(file.status, 200);
        assert.match(await file.text(), new RegExp(`URL:${festival.url}/${lang}/films/calendar-soon\\r\\n`));
        await screenshot(page, `feeds-film-calendar-${lang}-${name}`);
        assert.deepEqual(await seriousAccessibilityViolations(page), []);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  });
}

test('no calendar link for a film without a window or whose window has closed', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  try {
    for (const slug of ['calendar-none', 'calendar-closed']) {
      await page.goto(`${festival.url}/films/${slug}`);
      await page.waitForSelector('h1');
      await page.waitForSelector('.film-facts');
      assert.equal(await page.locator('.film-calendar').count(), 0, slug);
    }
  } finally {
    await context.close();
  }
});
