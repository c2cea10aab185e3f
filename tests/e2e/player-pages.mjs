// Shared by the player's browser tests: a film page opened in a fresh context (problems watched), the
// video's position, the player's message, and the look check of a page (screenshot, axe-core, width).
import assert from 'node:assert/strict';
import { screenshot, seriousAccessibilityViolations, watchPageProblems } from './support.mjs';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 900 };

/**
 * Opens /films/<slug> of festival in context (a new one of browser at viewport by default), with
 * Chromium's data saver on when asked (DevTools protocol: it sets navigator.connection.saveData).
 */
export async function openFilmPage(browser, festival, slug, { viewport = DESKTOP, context, dataSaver = false } = {}) {
  context ??= await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  if (dataSaver) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setDataSaverOverride', { dataSaverEnabled: true });
  }
  const problems = watchPageProblems(page, festival.url);
  await page.goto(`${festival.url}/films/${slug}`);
  await page.waitForSelector('main:not([aria-busy]) h1');
  return { page, context, problems };
}

export const currentTime = (page) => page.evaluate(() => document.querySelector('video').currentTime);

/** The player's message as shown, or null. */
export const playerMessage = (page) => page.evaluate(() => {
  const m = document.querySelector('.player-message');
  return m && !m.hidden ? m.textContent : null;
});

/** Saves the page's screenshot as name; no serious axe-core violation, nothing wider than the screen. */
export async function assertPageLooksRight(page, name) {
  await page.waitForFunction(() => [...document.images].every((img) => img.complete));
  await screenshot(page, name);
  assert.deepEqual(await seriousAccessibilityViolations(page), [], name);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${name} fits the width`);
}
