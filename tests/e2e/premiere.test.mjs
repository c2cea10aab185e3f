// A premiere in real browsers: an organizer schedules one a few seconds ahead; page A waits through the
// countdown and plays from the start, page B comes late and starts at the screening's position, and
// both stay within 2 s of each other; chat typed in one appears in the other, a hostile message shows
// as text; a guest moderator (link with its token in the fragment) deletes a message and it disappears
// for everyone; a browser without WebSocket, or whose sockets never open, still chats through
// server-sent events and POSTs; the page
// has no serious axe-core violation in French, English and Spanish, on a phone and a desktop.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  hasTranscoder, launchBrowser, screenshot, seriousAccessibilityViolations, signInApi, startFestival, waitFor,
  waitForPlayableDemoFilm, watchPageProblems,
} from './support.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };
// How far two players, or a player and the clock, may be apart: the page's drift rule.
const DRIFT_LIMIT = 2;
const HOSTILE = '<img src=x onerror="window.hacked=1">';

let festival;
let browser;
let film = null;
let premiere = null;
let organizer = null;
let skipReason = null;
const pages = {};  // name → {page, context, problems}

before(async () => {
  festival = await startFestival();
  browser = await launchBrowser();
  if (!hasTranscoder()) {
    skipReason = 'build/festival-transcoder is not built: the demo films have no media to play';
    return;
  }
  film = await waitForPlayableDemoFilm(festival);
  organizer = await signInApi(festival.url, 'organizer@demo.festival');
  // Whole seconds, far enough ahead for page A to load and show the countdown first.
  const startsAt = new Date(Math.ceil((Date.now() + 10_000) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const response = await organizerCall('POST', `/api/films/${film.slug}/premieres`, { starts_at: startsAt, qa_minutes: 10, note: 'Avec la réalisatrice' });
  if (response.status === 404 || response.status === 405) {
    skipReason = `no premieres API on this server (HTTP ${response.status})`;
    return;
  }
  assert.equal(response.status, 201, await response.clone().text());
  premiere = await response.json();
});

after(async () => {
  await browser?.close();
  await festival?.stop();
});

function organizerCall(method, path, body) {
  return fetch(`${festival.url}${path}`, {
    method,
    headers: { Cookie: organizer.cookie, 'X-CSRF-Token': organizer.csrf, 'Content-Type': 'application/json', Origin: festival.url },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const startsAtMs = () => Date.parse(premiere.starts_at);

/** Opens the premiere page (or url) in a new context, in language lang. */
async function openPremiere(name, { url, lang = 'en', viewport = DESKTOP, withoutWebSocket = false, refusedWebSocket = false, outage = false } = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  await context.addInitScript((l) => localStorage.setItem('festival.lang', l), lang);
  if (withoutWebSocket) await context.addInitScript(() => { delete window.WebSocket; });
  // A proxy that refuses the upgrade: every socket closes without ever opening.
  if (refusedWebSocket) {
    await context.addInitScript(() => {
      window.socketsTried = 0;
      window.WebSocket = class extends EventTarget {
        static OPEN = 1;
        constructor() {
          super();
          window.socketsTried += 1;
          this.readyState = 0;
          setTimeout(() => {
            this.readyState = 3;
            this.dispatchEvent(new Event('error'));
            this.dispatchEvent(new CloseEvent('close', { code: 1006 }));
          }, 50);
        }
        send() { throw new Error('not open'); }
        close() {}
      };
    });
  }
  // An outage after the first socket (a node failing over): the next three sockets close unopened.
  if (outage) {
    await context.addInitScript(() => {
      const Real = window.WebSocket;
      window.socketsTried = 0;
      window.WebSocket = function (address) {
        window.socketsTried += 1;
        if (window.socketsTried < 2 || window.socketsTried > 4) return new Real(address);
        const refused = new EventTarget();
        refused.readyState = 0;
        refused.send = () => { throw new Error('not open'); };
        refused.close = () => {};
        setTimeout(() => {
          refused.readyState = 3;
          refused.dispatchEvent(new Event('error'));
          refused.dispatchEvent(new CloseEvent('close', { code: 1006 }));
        }, 50);
        return refused;
      };
      window.WebSocket.OPEN = Real.OPEN;
    });
  }
  const page = await context.newPage();
  const problems = watchPageProblems(page, festival.url);
  await page.goto(url || `${festival.url}/${lang}/premieres/${premiere.id}`);
  await page.waitForSelector('main:not([aria-busy]) h1');
  pages[name] = { page, context, problems };
  return pages[name];
}

/** The page's player offset from the screening clock, in seconds (negative: behind), or null if not playing. */
function offsetFromClock(page) {
  return page.evaluate((startsAt) => {
    const video = document.querySelector('.player video');
    if (!video || video.paused || video.readyState < 2 || video.currentTime <= 0) return null;
    return video.currentTime - (Date.now() - startsAt) / 1000;
  }, startsAtMs());
}

async function setName(page, name) {
  await page.fill('#room-name', name);
  await page.click('.room-name-form button[type="submit"]');
}

async function say(page, text) {
  for (let attempt = 1; ; attempt++) {
    await page.evaluate(() => { document.querySelector('.room-error').hidden = true; });
    await page.fill('#room-say', text);
    await page.click('.room-say-form button[type="submit"]');
    // Said once the room echoes it to its sender. The room's limit (5 messages in 10 s per participant)
    // answers with a wait instead, which a fast run of these steps can meet: then it is said again.
    const outcome = await waitFor(() => page.evaluate((said) => {
      const error = document.querySelector('.room-error');
      if (!error.hidden && error.textContent) return 'refused';
      return [...document.querySelectorAll('.room-messages li .room-text')].some((n) => n.textContent === said) && 'said';
    }, text), { message: `"${text}" said` });
    if (outcome === 'said') return;
    assert.ok(attempt < 4, `"${text}" refused: ${await page.textContent('.room-error')}`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

/** The texts of the chat as shown, in order. */
const chatTexts = (page) => page.$$eval('.room-messages li .room-text', (items) => items.map((i) => i.textContent));

function skipUnlessReady(t) {
  if (skipReason || !premiere) {
    t.skip(skipReason || 'no premiere scheduled');
    return true;
  }
  return false;
}

describe('a premiere watched together', () => {
  test('a late-comer starts at the screening position and two players stay within 2 s of each other', async (t) => {
    if (skipUnlessReady(t)) return;
    const a = await openPremiere('a');
    // Before the start: the countdown, no player.
    assert.ok(Date.now() < startsAtMs(), 'page A opened before the start');
    await waitFor(() => a.page.evaluate(() => /\d\d:\d\d:\d\d/.test(document.querySelector('.premiere-countdown-big')?.textContent || '')),
      { message: 'the countdown' });
    assert.equal(await a.page.$('.player video'), null, 'no player before the start');
    await screenshot(a.page, 'premiere-countdown');
    assert.deepEqual(await seriousAccessibilityViolations(a.page), [], 'the countdown');
    // At the start, A plays from the beginning by itself.
    await waitFor(async () => (await offsetFromClock(a.page)) !== null, { timeoutMs: 30_000, message: 'A playing' });
    assert.equal(await a.page.evaluate(() => document.querySelector('.player-seek-wrap').hidden), true, 'no seek bar');

    // B comes 5 s into the screening and starts at the screening's position.
    await waitFor(() => Date.now() - startsAtMs() > 5000, { message: '5 s into the screening' });
    const b = await openPremiere('b');
    const late = await waitFor(async () => {
      const offset = await offsetFromClock(b.page);
      return offset === null ? null : { offset };
    }, { timeoutMs: 20_000, intervalMs: 100, message: 'B playing' });
    assert.ok(Math.abs(late.offset) < DRIFT_LIMIT, `B started ${late.offset.toFixed(2)} s from the screening position`);
    t.diagnostic(`the late-comer started ${late.offset.toFixed(2)} s from the screening position`);
    assert.ok(await b.page.evaluate(() => document.querySelector('video').currentTime > 3), 'B did not start from the beginning');

    // For about 10 s (while the film lasts) both follow the clock, within 2 s of each other.
    const endsAt = startsAtMs() + premiere.duration_seconds * 1000;
    const until = Math.min(Date.now() + 10_000, endsAt - 1500);
    let samples = 0;
    let widest = 0;
    while (Date.now() < until) {
      const [offsetA, offsetB] = await Promise.all([offsetFromClock(a.page), offsetFromClock(b.page)]);
      if (offsetA !== null && offsetB !== null) {
        samples += 1;
        widest = Math.max(widest, Math.abs(offsetA - offsetB));
        assert.ok(Math.abs(offsetA - offsetB) < DRIFT_LIMIT, `A and B ${Math.abs(offsetA - offsetB).toFixed(2)} s apart`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(samples >= 5, `both playing in ${samples} samples`);
    t.diagnostic(`A and B at most ${widest.toFixed(2)} s apart over ${samples} samples`);

    // B pauses and plays again some seconds later: it jumps back to the clock.
    await b.page.evaluate(() => document.querySelector('video').pause());
    await new Promise((r) => setTimeout(r, 3000));
    if (Date.now() < endsAt - 2000) {
      await b.page.evaluate(() => document.querySelector('video').play());
      const back = await waitFor(async () => {
        const offset = await offsetFromClock(b.page);
        return offset === null ? null : { offset };
      }, { timeoutMs: 10_000, intervalMs: 100, message: 'B playing again' });
      assert.ok(Math.abs(back.offset) < DRIFT_LIMIT, `B played again ${back.offset.toFixed(2)} s from the clock`);
    }
    await screenshot(b.page, 'premiere-screening');
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  });

  test('chat typed in one page appears in the other; a hostile message shows as text', async (t) => {
    if (skipUnlessReady(t)) return;
    const a = pages.a || (await openPremiere('a'));
    const b = pages.b || (await openPremiere('b'));
    await waitFor(() => a.page.evaluate(() => document.querySelector('.room-count')?.textContent.length > 0), { message: 'A in the room' });
    assert.equal(await a.page.evaluate(() => window.festivalRoom.transport), 'websocket');
    await setName(a.page, 'Ana');
    await setName(b.page, 'Bea');
    await say(a.page, 'Bonjour à toutes et à tous');
    await waitFor(async () => (await chatTexts(b.page)).includes('Bonjour à toutes et à tous'), { message: 'A\'s message in B' });
    const from = await b.page.$eval('.room-messages li:last-child .room-from', (n) => n.textContent);
    assert.equal(from, 'Ana');

    await say(a.page, HOSTILE);
    await waitFor(async () => (await chatTexts(b.page)).includes(HOSTILE), { message: 'the hostile message in B' });
    for (const page of [a.page, b.page]) {
      assert.equal(await page.$$eval('.room img, main img[src="x"]', (images) => images.length), 0, 'no image element made');
      assert.equal(await page.evaluate(() => window.hacked), undefined);
    }
    // Both see how many are in the room.
    await waitFor(async () => /\b2\b/.test(await b.page.textContent('.room-count')), { message: 'two in the room' });
    await say(b.page, 'Hola');
    await waitFor(async () => (await chatTexts(a.page)).includes('Hola'), { message: 'B\'s message in A' });
  });

  test('a guest moderator deletes a message and it disappears for everyone', async (t) => {
    if (skipUnlessReady(t)) return;
    const a = pages.a;
    const b = pages.b;
    const created = await organizerCall('POST', `/api/premieres/${premiere.id}/moderator-links`, { label: 'La réalisatrice' });
    assert.equal(created.status, 201, await created.clone().text());
    const link = await created.json();
    const m = await openPremiere('moderator', { url: `${festival.url}${link.url}` });
    // The token left the address bar at once.
    assert.equal(await m.page.evaluate(() => location.hash), '');
    await m.page.waitForSelector('.room-moderation:not([hidden])');
    await setName(m.page, 'Réalisatrice');
    await say(a.page, 'Un message à effacer');
    await waitFor(async () => (await chatTexts(b.page)).includes('Un message à effacer'), { message: 'the message in B' });
    const item = m.page.locator('.room-messages li', { hasText: 'Un message à effacer' });
    await item.waitFor();
    await item.getByRole('button', { name: 'Delete the message from Ana' }).click();
    await waitFor(async () => !(await chatTexts(b.page)).includes('Un message à effacer'), { message: 'the message gone from B' });
    assert.ok(!(await chatTexts(a.page)).includes('Un message à effacer'), 'gone from A too');
    assert.ok((await chatTexts(b.page)).includes('Hola'), 'the other messages stay');
    // Viewers have no moderation controls.
    assert.equal(await b.page.evaluate(() => document.querySelector('.room-moderation').hidden), true);
    assert.equal(await b.page.$$eval('.room-delete', (buttons) => buttons.length), 0);

    // A question, a vote from another viewer, and the moderator's answered mark, seen by the asker.
    await a.page.fill('#room-ask', 'Combien de temps a duré le tournage ?');
    await a.page.click('.room-ask-form button[type="submit"]');
    const question = (page) => page.locator('.room-questions li', { hasText: 'Combien de temps a duré le tournage ?' });
    await question(b.page).getByRole('button', { name: /vote for this question/ }).click();
    await waitFor(async () => (await question(a.page).locator('.room-votes').textContent()) === '1', { message: 'the vote counted in A' });
    await question(m.page).getByRole('button', { name: 'Mark answered: Ana\'s question' }).click();
    await question(a.page).locator('.room-answered-mark').waitFor();

    // Bea muted: she is told, her own messages still show to her, and nobody else gets them. Messages
    // reach everyone in order, so once the moderator's later message is in A, hers would have been too.
    await question(m.page).waitFor();
    await m.page.locator('.room-messages li', { hasText: 'Hola' }).getByRole('button', { name: 'Mute Bea' }).click();
    await b.page.locator('.room-muted:not([hidden])').waitFor();
    await say(b.page, 'Personne ne me lit');
    await waitFor(async () => (await chatTexts(b.page)).includes('Personne ne me lit'), { message: 'the muted message echoed to Bea' });
    await say(m.page, 'Merci pour vos questions');
    await waitFor(async () => (await chatTexts(a.page)).includes('Merci pour vos questions'), { message: 'the moderator\'s message in A' });
    assert.ok(!(await chatTexts(a.page)).includes('Personne ne me lit'), 'the muted message reached A');
    await screenshot(m.page, 'premiere-moderator');
    assert.deepEqual(m.problems, []);
  });

  test('without WebSocket the room still works through server-sent events and POSTs', async (t) => {
    if (skipUnlessReady(t)) return;
    const a = pages.a;
    const c = await openPremiere('no-websocket', { withoutWebSocket: true });
    assert.equal(await c.page.evaluate(() => typeof window.WebSocket), 'undefined');
    await waitFor(() => c.page.evaluate(() => window.festivalRoom.transport === 'events' && document.querySelector('.room-count')?.textContent.length > 0),
      { message: 'C in the room through events' });
    // What was said before comes with the welcome; what is said now comes as it is said.
    assert.ok((await chatTexts(c.page)).includes('Hola'), 'the history');
    await say(a.page, 'Pour qui n\'a pas de WebSocket');
    await waitFor(async () => (await chatTexts(c.page)).includes('Pour qui n\'a pas de WebSocket'), { message: 'A\'s message through events' });
    await setName(c.page, 'Carmen');
    await say(c.page, 'Recibido por POST');
    await waitFor(async () => (await chatTexts(a.page)).includes('Recibido por POST'), { message: 'C\'s POST in A' });
    assert.deepEqual(c.problems, []);

    // A socket that never opens is tried twice, then the page goes over to the event stream.
    const d = await openPremiere('refused-websocket', { refusedWebSocket: true });
    await waitFor(() => d.page.evaluate(() => window.festivalRoom.transport === 'events' && document.querySelector('.room-count')?.textContent.length > 0),
      { message: 'D in the room through events after two refused sockets' });
    assert.equal(await d.page.evaluate(() => window.socketsTried), 2);
    // C speaks now: A has said enough in the last ten seconds to meet the room's rate limit.
    await say(c.page, 'Après deux refus');
    await waitFor(async () => (await chatTexts(d.page)).includes('Après deux refus'), { message: 'C\'s message in D' });

    // Sockets that fail after one has opened are an outage, not a proxy that blocks them: the page
    // keeps trying the socket and is back in the room through it.
    const e = await openPremiere('outage', { outage: true });
    await waitFor(() => e.page.evaluate(() => window.festivalRoom.socket?.readyState === 1 && document.querySelector('.room-count')?.textContent.length > 0),
      { message: 'E in the room through a socket' });
    await e.page.evaluate(() => window.festivalRoom.socket.close());
    await waitFor(() => e.page.evaluate(() => window.socketsTried >= 5 && window.festivalRoom.socket?.readyState === 1),
      { message: 'E back on a socket after three refused ones', timeoutMs: 60_000 });
    assert.equal(await e.page.evaluate(() => window.festivalRoom.transport), 'websocket');
    await say(c.page, 'Après la panne');
    await waitFor(async () => (await chatTexts(e.page)).includes('Après la panne'), { message: 'C\'s message in E after the outage' });
  });

  test('the premiere page has no serious accessibility violation in French, English and Spanish, on a phone and a desktop', async (t) => {
    if (skipUnlessReady(t)) return;
    const headings = { fr: 'La salle', en: 'The room', es: 'La sala' };
    for (const lang of ['fr', 'en', 'es']) {
      for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
        const name = `premiere-${lang}-${size}`;
        const { page, context, problems } = await openPremiere(name, { lang, viewport });
        await waitFor(async () => (await page.textContent('#room-title')) === headings[lang], { message: `${name}: the room in ${lang}` });
        await waitFor(() => page.evaluate(() => document.querySelector('.room-messages li') !== null), { message: `${name}: the chat` });
        assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
        await screenshot(page, name);
        assert.deepEqual(await seriousAccessibilityViolations(page), [], name);
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${name} fits the width`);
        assert.deepEqual(problems, []);
        await context.close();
      }
    }
  });

  test('the film page lists the premiere in the viewer\'s time zone, with its calendar file and the way in', async (t) => {
    if (skipUnlessReady(t)) return;
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'America/Bogota' });
    await context.addInitScript(() => localStorage.setItem('festival.lang', 'en'));
    const page = await context.newPage();
    await page.goto(`${festival.url}/films/${film.slug}`);
    await page.waitForSelector('main:not([aria-busy]) h1');
    const item = page.locator(`#premieres li[data-premiere="${premiere.id}"]`);
    await item.waitFor();
    const when = await item.locator('.premiere-when').textContent();
    // Shown in Bogotá's time (UTC−5), naming the zone.
    const expected = new Intl.DateTimeFormat('en', { hour: 'numeric', minute: '2-digit', timeZone: 'America/Bogota' }).format(new Date(premiere.starts_at));
    assert.ok(when.includes(expected), `${when} shows ${expected}`);
    assert.ok(when.includes('America/Bogota'), when);
    assert.equal(await item.getByRole('link', { name: 'Join the premiere' }).getAttribute('href'), `/en/premieres/${premiere.id}`);
    const calendar = await item.getByRole('link', { name: 'Add to calendar' }).getAttribute('href');
    const ics = await fetch(`${festival.url}${calendar}`);
    assert.equal(ics.status, 200);
    assert.match(ics.headers.get('content-type'), /^text\/calendar/);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await context.close();
  });
});
