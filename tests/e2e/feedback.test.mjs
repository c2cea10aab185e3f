// Viewer feedback in a real browser (Debian chromium): hostile comments approved by an organizer
// render as inert text on the film page, the widget rates and comments, the moderation page
// approves in bulk and toggles the award, and the festival form takes answers.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  demoAccounts, getJson, launchBrowser, screenshot, seriousAccessibilityViolations, signInApi, signInContext, startFestival, waitFor,
} from './support.mjs';

let festival;
let browser;
let slug;

// Each payload tries a different way to run code if it were ever treated as HTML.
const PAYLOADS = [
  '<img src=x onerror="window.__feedbackXss=1;alert(1)">',
  '<script>window.__feedbackXss=2;alert(2)</script>',
  '<svg onload="window.__feedbackXss=3"></svg><a href="javascript:alert(4)">clic</a> & "quotes" \'single\'',
];
const HOSTILE_NAME = '<b onmouseover="window.__feedbackXss=5">Zoé</b>';

before(async () => {
  // A second of playback makes a view here, so the player's part of a rating is quick to play out.
  festival = await startFestival({ extraArgs: ['--transcoders', '0', '--view-seconds', '1'] });
  browser = await launchBrowser();
  // A film screening now: only a film one can watch can be rated.
  const films = await getJson(`${festival.url}/api/films?screening=now&per_page=100`);
  assert.ok(films.items.length > 0, 'the demo festival has films screening now');
  slug = films.items[0].slug;
});

after(async () => {
  await browser?.close();
  await festival?.stop();
});

/** An organizer session from Node: the cookie and CSRF token for API calls. */
async function organizerApi() {
  const { cookie, csrf } = await signInApi(festival.url, demoAccounts.organizer);
  return async (method, path, body) => {
    const r = await fetch(festival.url + path, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${await r.clone().text()}`);
    return r.json();
  };
}

async function postComment(film, body) {
  const r = await fetch(`${festival.url}/api/films/${film}/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 202);
}

/**
 * POSTs a comment from another loopback address (127.0.0.N): the server sees another client, with
 * its own rate limit. Resolves with the status.
 */
function postCommentFrom(address, film, body) {
  const { hostname, port } = new URL(festival.url);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: hostname, port, method: 'POST', path: `/api/films/${film}/comments`, localAddress: address,
      headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
    }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/**
 * Does what the player does for a viewer who watched (there is no media here): starts a play and
 * reports 1.5 s of playback, which is a view with --view-seconds 1. Returns {id, token}.
 */
async function watchedPlay(film) {
  const started = await fetch(`${festival.url}/api/films/${film}/plays`, { method: 'POST' });
  assert.equal(started.status, 201, await started.clone().text());
  const { play_id: id, play_token: token } = await started.json();
  await new Promise((resolve) => setTimeout(resolve, 1600));
  const beat = await fetch(`${festival.url}/api/plays/${id}/heartbeat`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ position: 1.5, played: 1.5 }),
  });
  assert.equal(beat.status, 200, await beat.clone().text());  // with the film's media tokens
  return { id, token };
}

/** A page that records every dialog (alert/confirm) and page error. */
async function openPage(path, { locale = 'fr-FR', signIn = false } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const dialogs = [];
  const errors = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => errors.push(e.message));
  if (signIn) await signInContext(context, festival.url, demoAccounts.organizer);
  await page.goto(festival.url + path);
  await page.waitForSelector('main:not([aria-busy])');
  return { page, context, dialogs, errors };
}

describe('feedback', () => {
  test('approved comments with script and onerror payloads render as inert text on the film page', async () => {
    const call = await organizerApi();
    for (const text of PAYLOADS) await postComment(slug, { text, name: HOSTILE_NAME, lang: 'fr', website: '' });
    const queue = await call('GET', '/api/moderation/comments?status=pending');
    const ids = queue.comments.filter((c) => PAYLOADS.includes(c.text)).map((c) => c.id);
    assert.equal(ids.length, PAYLOADS.length);
    assert.equal((await call('POST', '/api/moderation/comments', { ids, action: 'approve' })).changed, PAYLOADS.length);

    const { page, context, dialogs, errors } = await openPage(`/films/${slug}`);
    await page.waitForSelector('#feedback .fb-comment', { timeout: 15_000 });
    // Give an injected handler every chance to fire: wait until a broken image of our own, loaded
    // from the same address as the payload's, has reported its error.
    await page.waitForLoadState('load');
    await page.evaluate(() => new Promise((resolve) => {
      const probe = new Image();
      probe.onerror = resolve;
      probe.onload = resolve;
      probe.src = 'x';
    }));
    const texts = await page.$$eval('#feedback .fb-comment .fb-text', (nodes) => nodes.map((n) => n.textContent));
    assert.deepEqual([...texts].sort(), [...PAYLOADS].sort(), 'each comment is shown exactly as written');
    const names = await page.$$eval('#feedback .fb-comment .fb-name', (nodes) => nodes.map((n) => n.textContent));
    assert.ok(names.every((n) => n === HOSTILE_NAME));
    const injected = await page.evaluate(() => ({
      flag: window.__feedbackXss,
      elements: document.querySelectorAll('#feedback img, #feedback script, #feedback svg, #feedback b, #feedback a[href^="javascript"]').length,
    }));
    assert.equal(injected.flag, undefined, 'no payload ran');
    assert.equal(injected.elements, 0, 'no payload became an element');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
    await screenshot(page, 'feedback-film-hostile-comments');
    await context.close();
  });

  test('a viewer rates and comments through the widget; the comment waits for moderation', async () => {
    const { page, context, errors } = await openPage(`/films/${slug}`);
    await page.waitForSelector('#feedback .fb-stars');
    const before = await getJson(`${festival.url}/api/films/${slug}/ratings`);
    assert.equal(before.count, 0, 'the demo film starts unrated');
    // Without having watched, the rating is not sent and the viewer is told why.
    await page.click('#feedback .fb-stars label:nth-of-type(5)');
    await page.click('#feedback .fb-rate button[type="submit"]');
    await page.waitForSelector('#feedback .fb-rating .fb-status.error');
    assert.equal((await getJson(`${festival.url}/api/films/${slug}/ratings`)).count, before.count);
    // The player keeps the tab's plays of the film; after watching, the rating is proven by one.
    const play = await watchedPlay(slug);
    await page.evaluate(([film, p]) => sessionStorage.setItem(`festival.plays.${film}`, JSON.stringify([p])), [slug, play]);
    await page.reload();
    await page.waitForSelector('#feedback .fb-stars');
    // Moving through the stars with the keyboard sends nothing until the button is pressed.
    await page.focus('#feedback .fb-stars input[value="1"]');
    await page.keyboard.press('Space');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await page.$eval('#feedback .fb-stars input:checked', (i) => i.value), '4');
    assert.equal((await getJson(`${festival.url}/api/films/${slug}/ratings`)).count, before.count);
    await page.click('#feedback .fb-rate button[type="submit"]');
    await page.waitForSelector('#feedback .fb-rating .fb-status.success');
    const afterRating = await getJson(`${festival.url}/api/films/${slug}/ratings`);
    assert.equal(afterRating.count, before.count + 1);
    assert.match(await page.textContent('#feedback .fb-summary'), /4/);
    // Changing one's mind in the same tab replaces the rating.
    await page.click('#feedback .fb-stars label:nth-of-type(2)');
    await page.click('#feedback .fb-rate button[type="submit"]');
    await waitFor(async () => (await getJson(`${festival.url}/api/films/${slug}/ratings`)).average === 2,
      { timeoutMs: 10_000, message: 'the replaced rating' });
    assert.equal((await getJson(`${festival.url}/api/films/${slug}/ratings`)).count, before.count + 1);
    await page.click('#feedback .fb-stars label:nth-of-type(4)');
    await page.click('#feedback .fb-rate button[type="submit"]');
    await waitFor(async () => (await getJson(`${festival.url}/api/films/${slug}/ratings`)).average === 4,
      { timeoutMs: 10_000, message: 'the rating back at 4' });

    // The honeypot is in the form but not visible to people.
    const trapBox = await page.locator('#feedback input[name="website"]').boundingBox();
    assert.ok(!trapBox || trapBox.x < 0 || trapBox.width <= 1, 'the honeypot is off-screen');
    const comment = 'Très beau film, merci ! <b>pas du gras</b> — ñ';
    await page.fill('#feedback textarea[name="text"]', comment);
    await page.fill('#feedback input[name="name"]', 'Inès');
    await page.selectOption('#feedback select[name="lang"]', 'es');
    await page.click('#feedback .fb-form button[type="submit"]');
    await page.waitForSelector('#feedback .fb-form .fb-status.success');
    const call = await organizerApi();
    const queue = await call('GET', '/api/moderation/comments?status=pending');
    const mine = queue.comments.find((c) => c.text === comment);
    assert.ok(mine, 'the comment is in the moderation queue, verbatim');
    assert.equal(mine.name, 'Inès');
    assert.equal(mine.lang, 'es');
    const shown = await getJson(`${festival.url}/api/films/${slug}/comments`);
    assert.ok(!shown.comments.some((c) => c.text === comment), 'not public before approval');
    assert.deepEqual(errors, []);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await context.close();
  });

  test('the widget pages through approved comments, newest first, ten at a time', async () => {
    const films = await getJson(`${festival.url}/api/films?per_page=100`);
    const film = (films.items.find((f) => f.slug !== slug) ?? films.items[0]).slug;  // not the hostile comments' film
    const call = await organizerApi();
    // Twelve comments from two other clients (ten each is the limit for one).
    for (let i = 1; i <= 12; i++) {
      assert.equal(await postCommentFrom(i <= 6 ? '127.0.0.2' : '127.0.0.3', film, { text: `avis numéro ${i}` }), 202);
    }
    const queue = await call('GET', `/api/moderation/comments?status=pending&film=${film}&per_page=100`);
    const ids = queue.comments.filter((c) => c.text.startsWith('avis numéro ')).map((c) => c.id);
    assert.equal(ids.length, 12);
    await call('POST', '/api/moderation/comments', { ids, action: 'approve' });

    const { page, context, errors } = await openPage(`/films/${film}`);
    await page.waitForSelector('#feedback .fb-comment');
    const texts = () => page.$$eval('#feedback .fb-comment .fb-text', (nodes) => nodes.map((n) => n.textContent));
    const first = await texts();
    assert.equal(first.length, 10);
    assert.equal(first[0], 'avis numéro 12');
    assert.equal(first[9], 'avis numéro 3');
    await page.click('#feedback .fb-pager button:last-of-type');
    await waitFor(async () => (await texts())[0] === 'avis numéro 2', { timeoutMs: 10_000, message: 'the second page' });
    assert.deepEqual(await texts(), ['avis numéro 2', 'avis numéro 1']);
    await page.click('#feedback .fb-pager button:first-of-type');
    await waitFor(async () => (await texts()).length === 10, { timeoutMs: 10_000, message: 'the first page again' });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('organizers approve in bulk, publish the award and edit the form on the moderation page', async () => {
    const films = await getJson(`${festival.url}/api/films?per_page=100`);
    const other = films.items[films.items.length - 1].slug;
    await postComment(other, { text: 'Premier avis <i>à approuver</i>', website: '' });
    await postComment(other, { text: 'Second avis à approuver', website: '' });

    const { page, context, dialogs, errors } = await openPage('/moderation', { signIn: true });
    await page.waitForSelector('.mod-table tbody tr');
    const rowTexts = await page.$$eval('.mod-table tbody td.mod-text', (cells) => cells.map((c) => c.textContent));
    assert.ok(rowTexts.includes('Premier avis <i>à approuver</i>'), 'pending comments are listed as text');
    assert.equal(await page.locator('.mod-table td.mod-text i').count(), 0);
    await page.check('#mod-select-all');
    await page.click('.mod-toolbar button[data-action="approve"]');
    await waitFor(async () => (await page.locator('#mod-queue ~ p.fb-status.success, .mod-section .fb-status.success').count()) > 0,
      { timeoutMs: 10_000, message: 'the approval message' });
    const approved = await getJson(`${festival.url}/api/films/${other}/comments`);
    assert.ok(approved.comments.some((c) => c.text === 'Second avis à approuver'));
    assert.ok(approved.comments.some((c) => c.text === 'Premier avis <i>à approuver</i>'));

    // The award: private until the switch is turned on.
    assert.equal((await fetch(`${festival.url}/api/award`)).status, 401);
    await page.check('#mod-award-public');
    await waitFor(async () => (await fetch(`${festival.url}/api/award`)).status === 200, { timeoutMs: 10_000, message: 'a public award' });
    assert.ok(await page.locator('#mod-award-table tbody tr').count() >= 1, 'the ranking lists the rated film');

    // The form editor: add a required free-text question and save.
    const questionsBefore = (await getJson(`${festival.url}/api/feedback/form`)).questions.length;
    await page.click('text=Ajouter une question');
    const last = page.locator('#mod-questions fieldset').last();
    await last.locator('input[lang="fr"]').fill('Reviendrez-vous l’an prochain ?');
    await last.locator('input[lang="en"]').fill('Will you come back next year?');
    await page.click('text=Enregistrer le questionnaire');
    await waitFor(async () => (await getJson(`${festival.url}/api/feedback/form`)).questions.length === questionsBefore + 1,
      { timeoutMs: 10_000, message: 'the saved question' });
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await screenshot(page, 'feedback-moderation');
    await context.close();
  });

  test('anyone answers the festival form, and sees the published award', async () => {
    // Film pages lead to the festival form.
    const { page, context, errors } = await openPage(`/films/${slug}`, { locale: 'en-US' });
    await page.click('#feedback .fb-festival-link a');
    await page.waitForURL(/\/feedback$/);
    await page.waitForSelector('#ff-form');
    await page.locator('#ff-form input[type="radio"]').first().check();
    await page.locator('#ff-form textarea').first().fill('Merci pour ce festival — ¡olé!');
    await page.click('#ff-form button[type="submit"]');
    await page.waitForSelector('#ff-form .fb-status.success');
    const call = await organizerApi();
    const all = await call('GET', '/api/moderation/export.json');
    assert.ok(all.answers.some((a) => Object.values(a.answers).includes('Merci pour ce festival — ¡olé!')));
    assert.ok(await page.locator('#ff-award-list li').count() >= 1, 'the published ranking is shown');
    assert.deepEqual(errors, []);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await screenshot(page, 'feedback-festival-form');
    await context.close();
  });
});
