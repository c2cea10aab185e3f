// A viewer watches a demo film in a real browser: the demo festival transcodes its clips, the film page
// plays one with hls.js (currentTime passes 5 s, no error), Spanish subtitles show a Spanish cue, the
// quality menu lists the rungs, keyboard controls work, the position is resumed after a reload, a
// rating is submitted (when the feedback widget is there), with screenshots and an axe-core check.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertPageLooksRight, currentTime, DESKTOP, openFilmPage, PHONE, playerMessage } from './player-pages.mjs';
import { getJson, hasTranscoder, launchBrowser, screenshot, startFestival, waitFor, waitForPlayableDemoFilm } from './support.mjs';
const SPANISH_CUES = ['Bienvenidos al festival.', 'Esta película es una demostración.', 'Gracias por estar aquí, y buena película.'];

let festival;
let browser;
let film = null;  // a film screening now whose media is published

before(async () => {
  // Two seconds of playback make a view here, so the rating test need not watch for 30 s.
  festival = await startFestival({ extraArgs: ['--view-seconds', '2'] });
  browser = await launchBrowser();
  if (!hasTranscoder()) return;
  film = await waitForPlayableDemoFilm(festival);
});

after(async () => {
  await browser?.close();
  await festival?.stop();
});

function openFilm(slug, options) {
  return openFilmPage(browser, festival, slug, options);
}

describe('the film player', () => {
  test('a film plays with hls.js, Spanish subtitles show a Spanish cue, keyboard and quality menu work', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const { page, context, problems } = await openFilm(film.slug);
    await page.waitForSelector('.player video');
    // hls.js from our own /vendor, on Media Source Extensions.
    assert.ok(await page.evaluate(() => Boolean(window.Hls && window.festivalPlayer.hls)), 'hls.js drives the video');

    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 5, { timeoutMs: 60_000, message: 'currentTime past 5 s' });
    assert.equal(await playerMessage(page), null, 'no player error');
    assert.equal(await page.evaluate(() => document.querySelector('video').error), null);

    // Quality: "Auto" plus each rung of the ladder, by height.
    const qualities = await page.$$eval('.player-quality option', (options) => options.map((o) => o.textContent));
    assert.ok(qualities.length >= 2, `quality menu: ${qualities}`);
    assert.match(qualities[0], /^Auto/);
    // Each rung with its data for the whole film; "Sound only" last where the master has an audio-only variant.
    const rungs = qualities.slice(1).filter((q) => !q.startsWith('Sound only'));
    assert.ok(rungs.length >= 1, `quality menu: ${qualities}`);
    for (const q of rungs) assert.match(q, /^\d+p · ~[\d.,]+ (kB|MB|GB)$/);
    const lowest = await page.$eval('.player-quality', (s) => [...s.options].filter((o) => /^\d+$/.test(o.value)).pop().value);
    await page.selectOption('.player-quality', lowest);
    assert.equal(await page.evaluate(() => window.festivalPlayer.hls.manualLevel), Number(lowest));

    // Subtitles by language; Spanish shows a Spanish cue.
    const languages = await page.$$eval('.player-subtitles option', (options) => options.map((o) => o.textContent));
    assert.deepEqual([...languages].sort(), ['English', 'French', 'Off', 'Spanish']);
    await page.selectOption('.player-subtitles', { label: 'Spanish' });
    const cue = await waitFor(
      () => page.evaluate(() => {
        for (const track of document.querySelector('video').textTracks) {
          if (track.mode === 'showing' && track.activeCues && track.activeCues.length)
            return `${track.language}|${track.activeCues[0].text}`;
        }
        return null;
      }),
      { timeoutMs: 30_000, message: 'a Spanish cue on screen' },
    );
    const [cueLang, cueText] = cue.split('|');
    assert.equal(cueLang, 'es');
    assert.ok(SPANISH_CUES.includes(cueText), `Spanish cue: ${cueText}`);

    // Keyboard: k pauses and plays, the left arrow goes back 5 s, m mutes.
    await page.focus('.player video');
    await page.keyboard.press('k');
    await waitFor(() => page.evaluate(() => document.querySelector('video').paused), { message: 'paused by k' });
    const before = await currentTime(page);
    await page.keyboard.press('ArrowLeft');
    await waitFor(async () => Math.abs((await currentTime(page)) - Math.max(before - 5, 0)) < 0.6, { message: '5 s back' });
    await page.keyboard.press('m');
    assert.equal(await page.evaluate(() => document.querySelector('video').muted), true);
    await page.keyboard.press('m');
    await page.keyboard.press(' ');
    await waitFor(() => page.evaluate(() => !document.querySelector('video').paused), { message: 'playing again' });

    // Switching language keeps the same player playing, relabelled.
    const video = await page.$('.player video');
    await page.getByRole('button', { name: 'Español' }).click();
    await waitFor(async () => (await page.textContent('#synopsis-title')) === 'Sinopsis', { message: 'Spanish page' });
    assert.equal(await page.evaluate((v) => v.isConnected && !v.paused, video), true, 'still playing');
    assert.equal(await page.textContent('.player-controls label:has(.player-subtitles) span'), 'Subtítulos');
    assert.equal(await page.$eval('.player-subtitles', (s) => s.selectedOptions[0].textContent), 'español');

    await screenshot(page, 'film-playing-desktop');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the position is resumed after a reload', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const { page, context } = await openFilm(film.slug);
    await page.waitForSelector('.player video');
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 7, { timeoutMs: 60_000, message: 'currentTime past 7 s' });
    await page.evaluate(() => document.querySelector('video').pause());
    const stoppedAt = await currentTime(page);

    await page.reload();
    await page.waitForSelector('.player video');
    await waitFor(async () => Math.abs((await currentTime(page)) - stoppedAt) < 1.5, { timeoutMs: 20_000, message: `resume at ${stoppedAt}` });
    assert.match(await page.textContent('.player-hint'), /^Resuming at 0:\d\d\./);
    await context.close();
  });

  test('the player reports the play, heartbeats with the seconds played, and ends the play when the page is left', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const calls = [];
    // Context-wide, so the beacon sent while the page goes away is seen too.
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'POST' && /^\/api\/(films\/[^/]+\/plays|plays\/[^/]+\/(heartbeat|end))$/.test(url.pathname))
        calls.push({ path: url.pathname, body: request.postData(), response: request.response() });
    });
    await context.addInitScript(() => {
      const send = navigator.sendBeacon.bind(navigator);
      navigator.sendBeacon = (url, data) => {
        const accepted = send(url, data);
        const seen = JSON.parse(localStorage.getItem('test.beacons') || '[]');
        seen.push({ url: new URL(url, location.href).href, accepted, body: typeof data === 'string' ? data : `(${typeof data})` });
        localStorage.setItem('test.beacons', JSON.stringify(seen));
        return accepted;
      };
    });
    const { page } = await openFilm(film.slug, { context });
    await page.waitForSelector('.player video');
    await page.evaluate(() => localStorage.removeItem(`festival.resume.${window.location.pathname.split('/').pop()}`));
    await page.click('.player-big-play');
    const heartbeat = await waitFor(() => calls.find((c) => c.path.endsWith('/heartbeat')), { timeoutMs: 30_000, message: 'a heartbeat' });
    const start = calls.find((c) => c.path.endsWith('/plays'));
    assert.ok(start, 'the play was started before the heartbeat');
    const started = await (await start.response).json();
    assert.equal(heartbeat.path, `/api/plays/${started.play_id}/heartbeat`);
    const beat = JSON.parse(heartbeat.body);
    // The first heartbeat comes 10 s after playback started: what was played is at most that (less if
    // playback stalled), and the position is at least what was played.
    assert.ok(beat.played > 2 && beat.played <= 11, `played ${beat.played}`);
    assert.ok(beat.position >= beat.played - 0.5, `position ${beat.position}, played ${beat.played}`);
    // Its answer carries the film's current media token, for the version the player plays.
    const answered = await heartbeat.response;
    assert.equal(answered.status(), 200);
    const tokens = await answered.json();
    assert.equal(tokens.screening, true);
    assert.match(tokens.media_tokens[String(film.media.version)], /^\d+-[A-Za-z0-9_-]{22}$/);

    // Leaving the page ends the play with a beacon. Beacons outlive their page, where the browser's
    // request events may miss them, so the page's sendBeacon calls are recorded as they are made.
    await page.goto(`${festival.url}/about`);
    await page.waitForSelector('main:not([aria-busy]) h1');
    const beacons = await page.evaluate(() => JSON.parse(localStorage.getItem('test.beacons') || '[]'));
    const end = beacons.find((b) => b.url.endsWith('/end'));
    assert.ok(end, `an end beacon (sent: ${JSON.stringify(beacons)})`);
    assert.equal(new URL(end.url).pathname, `/api/plays/${started.play_id}/end`);
    assert.equal(end.accepted, true);
    const ended = JSON.parse(end.body);
    assert.ok(typeof ended.position === 'number' && ended.position > 5, end.body);
    assert.ok(typeof ended.played === 'number' && ended.played >= 0, end.body);
    await context.close();
  });

  test('seek thumbnails come from the storyboard; a refused stream is explained; native HLS plays without MSE', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    // The storyboard answers late, so the pointer is already over the bar when its cues arrive.
    const slowStoryboard = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    await slowStoryboard.route('**/storyboard*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      await route.continue();
    });
    const { page, context } = await openFilm(film.slug, { context: slowStoryboard });
    await page.waitForSelector('.player video');
    await waitFor(() => page.evaluate(() => document.querySelector('.player-seek').max > 0), { message: 'the duration' });
    await page.locator('.player-seek').scrollIntoViewIfNeeded();
    const box = await page.locator('.player-seek').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await waitFor(() => page.evaluate(() => {
      const thumb = document.querySelector('.player-thumb');
      return !thumb.hidden && thumb.style.backgroundImage.includes('storyboard');
    }), { message: 'a storyboard tile under the pointer' });
    const tile = await page.evaluate(() => document.querySelector('.player-thumb').style.backgroundImage);
    const sprite = tile.match(/url\("([^"]+)"\)/)[1];
    assert.equal((await fetch(sprite)).status, 200, `sprite ${sprite}`);
    await page.mouse.move(0, 0);
    await context.close();

    // The stream refused (as outside a screening window): the viewer is told, and may try again.
    const refused = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    await refused.route('**/master.m3u8', (route) =>
      route.fulfill({ status: 403, contentType: 'application/json', body: '{"error":{"code":"not_screening","message":"no"}}' }));
    const second = await openFilm(film.slug, { context: refused });
    const message = await waitFor(() => second.page.evaluate(() => {
      const m = document.querySelector('.player-message');
      return m && !m.hidden ? m.textContent : null;
    }), { timeoutMs: 30_000, message: 'the error message' });
    assert.match(message, /^This film cannot be watched right now\./);
    await refused.unroute('**/master.m3u8');
    await second.page.getByRole('button', { name: 'Try again' }).click();
    await waitFor(() => second.page.evaluate(() => document.querySelector('.player-message').hidden && window.festivalPlayer.hls && window.festivalPlayer.hls.levels.length > 0), { message: 'the stream after retrying' });
    await refused.close();

    // Without Media Source Extensions (as on older iPhones) the browser's own HLS plays the film.
    const old = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    await old.addInitScript(() => {
      delete window.MediaSource;
      delete window.ManagedMediaSource;
      delete window.WebKitMediaSource;
    });
    const third = await openFilm(film.slug, { context: old });
    await third.page.waitForSelector('.player video');
    assert.equal(await third.page.evaluate(() => window.festivalPlayer.hls), null, 'no hls.js without MSE');
    if (!(await third.page.evaluate(() => document.querySelector('video').canPlayType('application/vnd.apple.mpegurl')))) {
      // A browser with neither is told so rather than shown a blank video.
      await waitFor(async () => (await playerMessage(third.page)) === 'Your browser cannot play streaming video.', { message: 'the unsupported message' });
      await old.close();
      return;
    }
    assert.match(await third.page.evaluate(() => document.querySelector('video').src), /\/master\.m3u8$/);
    await third.page.click('.player-big-play');
    await waitFor(async () => (await currentTime(third.page)) > 2, { timeoutMs: 60_000, message: 'native HLS playing' });
    assert.equal(await playerMessage(third.page), null);
    await old.close();
  });

  test('film page screenshots at phone and desktop widths, with no serious accessibility violation', async () => {
    const slug = film ? film.slug : 'chemins-de-reintegration';
    for (const [name, viewport] of [['film-phone', PHONE], ['film-desktop', DESKTOP]]) {
      const { page, context, problems } = await openFilm(slug, { viewport });
      if (film) await page.waitForSelector('.player video');
      await assertPageLooksRight(page, name);
      assert.deepEqual(problems, []);
      await context.close();
    }
  });

  test('a film that has not opened yet says so with its dates, and offers no player', async () => {
    const { items } = await getJson(`${festival.url}/api/films?screening=upcoming`);
    assert.ok(items.length > 0);
    const { page, context } = await openFilm(items[0].slug);
    assert.match(await page.textContent('#screening-state'), /^Not yet screening: this film can be watched from [A-Z][a-z]+ \d{1,2}, \d{4} to [A-Z][a-z]+ \d{1,2}, \d{4}\.$/);
    assert.equal(await page.$('.player video'), null);
    const ended = (await getJson(`${festival.url}/api/films?screening=ended`)).items[0];
    await page.goto(`${festival.url}/films/${ended.slug}`);
    await page.waitForSelector('main:not([aria-busy]) h1');
    assert.match(await page.textContent('#screening-state'), /^Screening ended: /);
    assert.equal(await page.$('.player video'), null);
    await context.close();
  });
});

describe('feedback on the film page', () => {
  test('a viewer submits a rating', async (t) => {
    const widget = await fetch(`${festival.url}/js/feedback-widget.js`);
    if (widget.status !== 200) {
      t.skip('web/js/feedback-widget.js is not there yet: no rating form on film pages');
      return;
    }
    if (!film) {
      t.skip('no playable film: a rating counts only from a play that reached a view');
      return;
    }
    const slug = film.slug;
    const before = await getJson(`${festival.url}/api/films/${slug}/ratings`);
    const { page, context, problems } = await openFilm(slug);
    await page.waitForSelector('#feedback');
    // A rating counts from a play that reached a view (2 s here): watch until a heartbeat told so.
    const heartbeat = page.waitForResponse((r) => r.url().endsWith('/heartbeat') && r.status() === 200, { timeout: 30_000 });
    await page.click('.player-big-play');
    await heartbeat;
    // A viewer clicks the fourth star (the label drawn for the "4 stars" radio); the rating is sent at once.
    const four = page.locator('#feedback').getByRole('radio', { name: /\b4\b/ }).first();
    await four.waitFor({ state: 'attached' });
    await page.click(`#feedback label[for="${await four.getAttribute('id')}"]`);
    assert.equal(await four.isChecked(), true);
    // The rating form's own button sends the choice (when the widget does not send it at once).
    const send = page.locator('#feedback form:has(input[type="radio"]) button[type="submit"]');
    if (await send.count()) await send.first().click();
    const afterRating = await waitFor(
      async () => {
        const now = await getJson(`${festival.url}/api/films/${slug}/ratings`);
        return now.count > before.count ? now : null;
      },
      { timeoutMs: 10_000, message: 'the rating to be counted' },
    );
    assert.equal(afterRating.count, before.count + 1);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
