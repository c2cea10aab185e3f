// The film player for every viewer, in a real browser: the sound menu lists a film's audio renditions
// and switching to audio description makes the player sound a different track (the test's renditions are
// tones of different pitches, measured through a WebAudio analyser on what the player sounds); "sound only"
// plays the audio-only variant with no video; each quality shows its data cost for the film; the
// browser's data saver starts at the lowest rung; a viewer's quality cap holds and is remembered; gated
// films play through the viewer pass and refusals are told in the player; axe-core stays clean.
//
// Media: a demo film's version folder gets an HLS master built here with the ffmpeg CLI (video-only
// rungs, an EXT-X-MEDIA audio group: the original, audio description and a dub, the audio-only variant),
// served by the festival's own /media route. Gated films run against the server's rights rules (an
// organizer sets one view and a start window); a country refusal (which needs a geo database and a
// trusted proxy: tests/e2e/rights.test.mjs) and a heartbeat refusal (which needs the test clock) are
// shaped in the browser with page.route, as docs/rights.md describes those answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildMedia, buildMuxedMedia, TONES } from './hls-test-media.mjs';
import { assertPageLooksRight, currentTime, DESKTOP, openFilmPage, PHONE, playerMessage } from './player-pages.mjs';
import {
  demoAccounts, getJson, hasTranscoder, playbackFixture, repoDir, seriousAccessibilityViolations, signInApi, waitFor,
} from './support.mjs';

const fixture = playbackFixture({ extraArgs: ['--view-seconds', '2'] });
let media = null;  // {dir, rungs: {name → {average, peak}}, audioOnly: {average, peak}}

/** The player's formatBytes, for the expected labels. */
function formatBytes(bytes) {
  for (const [unit, size] of [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]]) {
    if (bytes >= size) {
      const value = bytes / size;
      const rounded = value >= 100 ? Math.round(value / 10) * 10 : value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
      return `~${rounded.toLocaleString('en-US')} ${unit}`;
    }
  }
  return `~${Math.ceil(bytes)} B`;
}

function openFilm(options = {}) {
  return openFilmPage(fixture.browser, fixture.festival, fixture.film.slug, options);
}

// What the viewer hears, through an analyser on the video element; the loudest frequency, in Hz (0 while silent).
async function listen(page) {
  await page.evaluate(() => {
    if (window.testAnalyser) return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    analyser.connect(context.destination);
    const connected = new WeakSet();
    window.testConnect = (element) => {
      if (connected.has(element)) return;
      connected.add(element);
      context.createMediaElementSource(element).connect(analyser);
    };
    window.testAnalyser = analyser;
    context.resume();
  });
}
function dominantFrequency(page) {
  return page.evaluate(() => {
    window.testConnect(document.querySelector('video'));
    const analyser = window.testAnalyser;
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    let best = 0;
    for (let i = 1; i < bins.length; i += 1) if (bins[i] > bins[best]) best = i;
    if (bins[best] < -80) return 0;
    return (best * analyser.context.sampleRate) / analyser.fftSize;
  });
}
// Waits until the loudest frequency stays near `hz` for three readings in a row.
async function hear(page, hz, message) {
  let streak = 0;
  return waitFor(async () => {
    const heard = await dominantFrequency(page);
    streak = Math.abs(heard - hz) < 15 ? streak + 1 : 0;
    return streak >= 3 ? heard || true : null;
  }, { timeoutMs: 30_000, intervalMs: 200, message });
}

/**
 * The test media, built once into the demo film's version folder; null (the test skipped) without a
 * transcoder, when the demo films have no version to serve.
 */
function testMedia(t) {
  if (!hasTranscoder()) {
    t.skip('build/festival-transcoder is not built: the demo films have no media version to serve');
    return null;
  }
  if (!media) {
    const { film, festival } = fixture;
    media = buildMedia(path.join(festival.dataDir, 'media', String(film.id), `v${film.media.version}`));
  }
  return media;
}

describe('the player for every viewer', () => {
  test('the sound menu lists the renditions, and audio description is heard instead of the original', async (t) => {
    if (!testMedia(t)) return;
    const { page, context, problems } = await openFilm();
    await page.waitForSelector('.player video');
    await waitFor(() => page.evaluate(() => !document.querySelector('.player-audio').disabled), { message: 'the sound menu' });
    const labels = await page.$$eval('.player-audio option', (options) => options.map((o) => o.textContent));
    assert.deepEqual(labels, ['English', 'French · audio description', 'Spanish']);
    assert.equal(await page.$eval('.player-audio', (s) => s.selectedOptions[0].textContent), 'English');

    await listen(page);
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 2, { timeoutMs: 30_000, message: 'playback past 2 s' });
    await hear(page, TONES.original, 'the original tone');

    const before = await currentTime(page);
    await page.selectOption('.player-audio', { label: 'French · audio description' });
    await hear(page, TONES['description-fr'], 'the audio description tone');
    const after = await currentTime(page);
    assert.ok(after >= before - 0.5, `the position is kept (${before} → ${after})`);
    // hls.js switched its own audio track (the rungs are video only): one element, one player.
    assert.deepEqual(await page.evaluate(() => [window.festivalPlayer.hls.audioTrack, document.querySelectorAll('audio, video').length]), [1, 1]);
    // Remembered for this interface language.
    assert.deepEqual(JSON.parse(await page.evaluate(() => localStorage.getItem('festival.audio.en'))), { lang: 'fr', description: true, channels: 2 });

    // The next visit starts with audio description.
    await page.reload();
    await page.waitForSelector('.player video');
    await waitFor(() => page.evaluate(() => window.festivalPlayer.hls?.audioTrack === 1), { message: 'the remembered sound' });
    assert.equal(await page.$eval('.player-audio', (s) => s.selectedOptions[0].textContent), 'French · audio description');
    assert.equal(await playerMessage(page), null);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a version whose rungs carry the sound offers only that sound, whatever was remembered', async (t) => {
    const built = testMedia(t);
    if (!built) return;
    const master = buildMuxedMedia(built.dir);
    const context = await fixture.browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    await context.addInitScript(() => localStorage.setItem('festival.audio.en', JSON.stringify({ lang: 'fr', description: true, channels: 2 })));
    await context.route((url) => url.pathname.endsWith('/master.m3u8'), (route) =>
      route.fulfill({ status: 200, contentType: 'application/vnd.apple.mpegurl', body: master }));
    const described = [];
    context.on('request', (request) => {
      if (request.url().includes('/audio/description-fr/')) described.push(request.url());
    });
    const { page, problems } = await openFilm({ context });
    await page.waitForSelector('.player video');
    await listen(page);
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 2, { timeoutMs: 30_000, message: 'playback past 2 s' });
    await hear(page, TONES.original, 'the rungs\' own tone');
    assert.deepEqual(await page.$$eval('.player-audio option', (options) => options.map((o) => o.textContent)), ['English']);
    assert.equal(await page.$eval('.player-audio', (s) => s.closest('label').hidden), true);
    assert.equal(await page.evaluate(() => window.festivalPlayer.hls.audioTrack), 0);
    assert.deepEqual(described, [], 'the rendition that cannot replace the muxed sound is never loaded');
    assert.equal(await playerMessage(page), null);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('each quality shows its data cost; sound only plays with no video and goes back to the picture', async (t) => {
    const built = testMedia(t);
    if (!built) return;
    const { rungs, audioOnly } = built;
    const { page, context, problems } = await openFilm();
    await page.evaluate(() => localStorage.removeItem('festival.audio.en'));
    await page.reload();
    await page.waitForSelector('.player video');
    await waitFor(() => page.evaluate(() => document.querySelector('video').duration > 0), { message: 'the duration' });
    const seconds = await page.evaluate(() => document.querySelector('video').duration);
    const labels = await waitFor(async () => {
      const texts = await page.$$eval('.player-quality option', (options) => options.map((o) => o.textContent));
      return texts.some((text) => text.includes('~')) ? texts : null;
    }, { message: 'data costs in the quality menu' });
    const cost = (bps) => formatBytes((bps * seconds) / 8);
    assert.match(labels[0], /^Auto/);
    assert.deepEqual(labels.slice(1), [
      `720p · ${cost(rungs.t720.average)}`,
      `360p · ${cost(rungs.t360.average)}`,
      `144p · ${cost(rungs.t144.average)}`,
      `Sound only · ${cost(audioOnly.average)}`,
    ]);

    await listen(page);
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 3, { timeoutMs: 30_000, message: 'playback past 3 s' });
    assert.ok(await page.evaluate(() => document.querySelector('video').videoWidth > 0), 'a picture first');
    const at = await currentTime(page);
    await page.selectOption('.player-quality', 'sound');
    await waitFor(async () => (await currentTime(page)) > at + 2, { timeoutMs: 30_000, message: 'sound only playing on' });
    const soundOnly = await page.evaluate(() => {
      const { hls } = window.festivalPlayer;
      const video = document.querySelector('video');
      return { levels: hls.levels.length, videoCodec: hls.levels[0].videoCodec || null, url: hls.url, width: video.videoWidth, tracks: video.videoTracks?.length ?? null };
    });
    assert.equal(soundOnly.levels, 1);
    assert.equal(soundOnly.videoCodec, null, 'no video codec in the sound-only stream');
    assert.match(soundOnly.url, /\/audio\/original\/index\.m3u8$/);
    assert.equal(soundOnly.width, 0, 'no picture');
    assert.ok((await currentTime(page)) >= at - 0.5, 'from the same position');
    await hear(page, TONES.original, 'the original tone, sound only');
    assert.equal(await page.$eval('.player-quality', (s) => s.value), 'sound');

    // Back to the picture at a chosen rung, from where the sound was.
    const soundAt = await currentTime(page);
    await page.selectOption('.player-quality', { label: `360p · ${cost(rungs.t360.average)}` });
    await waitFor(() => page.evaluate(() => document.querySelector('video').videoHeight === 360), { timeoutMs: 30_000, message: 'the 360p picture again' });
    assert.ok((await currentTime(page)) >= soundAt - 0.5, 'the position is kept');
    assert.equal(await playerMessage(page), null);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the data saver starts at the lowest rung and says so', async (t) => {
    if (!testMedia(t)) return;
    const context = await fixture.browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    // hls.js fetches the first segment before the viewer presses play: every segment from the start.
    const segments = [];
    context.on('request', (r) => {
      const m = /\/(t\d+\/seg\d+)\.m4s$/.exec(r.url());
      if (m) segments.push(m[1]);
    });
    const { page, problems } = await openFilm({ dataSaver: true, context });
    await page.waitForSelector('.player video');
    assert.equal(await page.evaluate(() => navigator.connection.saveData), true);
    assert.equal(await page.textContent('.player-note'), 'Data saver is on: the film starts at the lowest quality.');
    await waitFor(() => page.evaluate(() => window.festivalPlayer.hls && window.festivalPlayer.hls.levels.length === 3), { message: 'the levels' });
    const started = await page.evaluate(() => {
      const { hls } = window.festivalPlayer;
      return { startLevel: hls.startLevel, heights: hls.levels.map((l) => l.height) };
    });
    assert.equal(started.heights[started.startLevel], 144, `starts at the lowest rung (${JSON.stringify(started)})`);
    // The first segment fetched is the 144p rung's.
    await page.click('.player-big-play');
    await waitFor(() => segments.length > 0, { message: 'a segment' });
    assert.equal(segments[0], 't144/seg000');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a quality cap holds through adaptive playback and is remembered', async (t) => {
    if (!testMedia(t)) return;
    const opened = await openFilm();
    const { context } = opened;
    let { page } = opened;
    await page.waitForSelector('.player video');
    await waitFor(() => page.evaluate(() => !document.querySelector('.player-cap').disabled), { message: 'the cap menu' });
    assert.deepEqual(await page.$$eval('.player-cap option', (o) => o.map((x) => x.textContent)), ['No limit', 'Up to 360p', 'Up to 144p']);
    await page.selectOption('.player-cap', '360');
    assert.equal(await page.evaluate(() => localStorage.getItem('festival.quality_cap')), '360');

    // A new page of the same browser (the cap is remembered in its storage), every segment it fetches
    // watched from the start: on loopback the bandwidth estimate alone would climb to 720p.
    await page.close();
    const rungsFetched = new Set();
    context.on('request', (r) => {
      const m = /\/(t\d+)\/seg\d+\.m4s$/.exec(r.url());
      if (m) rungsFetched.add(m[1]);
    });
    const reopened = await openFilm({ context });
    ({ page } = reopened);
    await page.waitForSelector('.player video');
    await waitFor(() => page.evaluate(() => window.festivalPlayer.hls && window.festivalPlayer.hls.levels.length === 3), { message: 'the levels' });
    assert.equal(await page.$eval('.player-cap', (s) => s.value), '360');
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 12, { timeoutMs: 60_000, message: 'twelve seconds of playback' });
    assert.ok(rungsFetched.has('t360'), `up to the cap (${[...rungsFetched]})`);
    assert.ok(!rungsFetched.has('t720'), `no 720p segment under a 360p cap (${[...rungsFetched]})`);
    const capped = await page.evaluate(() => {
      const { hls } = window.festivalPlayer;
      return hls.levels[hls.autoLevelCapping].height;
    });
    assert.equal(capped, 360);
    const qualities = await page.$$eval('.player-quality option', (o) => o.map((x) => x.textContent.split(' · ')[0]));
    assert.deepEqual(qualities, [qualities[0], '360p', '144p', 'Sound only']);

    // Lifting the cap lets the estimate climb again.
    await page.selectOption('.player-cap', '0');
    assert.equal(await page.evaluate(() => localStorage.getItem('festival.quality_cap')), null);
    assert.equal(await page.evaluate(() => window.festivalPlayer.hls.autoLevelCapping), -1);
    assert.deepEqual(reopened.problems, []);
    await context.close();
  });

  test('the film page with the sound menu: phone and desktop, no serious accessibility violation', async (t) => {
    if (!testMedia(t)) return;
    for (const [name, viewport] of [['film-sound-phone', PHONE], ['film-sound-desktop', DESKTOP]]) {
      const { page, context, problems } = await openFilm({ viewport, dataSaver: true });
      await waitFor(() => page.evaluate(() => !document.querySelector('.player-audio').disabled), { message: 'the sound menu' });
      await assertPageLooksRight(page, name);
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
});

// The rights' answers, shaped as docs/api.md describes them, for the player's side of gated films.
const english = JSON.parse(readFileSync(path.join(repoDir, 'web/i18n/en.json'), 'utf8'));
function refusalShown(code, serverMessage) {
  return english[`rights.${code}`] || serverMessage;
}

async function gatedContext(film, { access, heartbeat } = {}) {
  const context = await fixture.browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
  const seen = { access: [], plays: [] };
  const filmPath = `/api/films/${film.slug}`;
  await context.route((url) => url.pathname === filmPath, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.access = { required: true, refusal: null };
    json.media = { version: json.media.version };  // a gated film's JSON carries no token
    await route.fulfill({ response, json });
  });
  await context.route((url) => url.pathname === `${filmPath}/access`, async (route) => {
    seen.access.push(JSON.parse(route.request().postData()));
    const answer = await access();
    await route.fulfill({ status: answer.status, contentType: 'application/json', body: JSON.stringify(answer.body) });
  });
  await context.route((url) => url.pathname === `${filmPath}/plays`, async (route) => {
    seen.plays.push(JSON.parse(route.request().postData()));
    await route.continue();
  });
  if (heartbeat) {
    await context.route((url) => /^\/api\/plays\/[^/]+\/heartbeat$/.test(url.pathname), (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(heartbeat) }));
  }
  return { context, seen };
}

// The organizer sets (or, with null, removes) the film's rights rules through the film route.
async function setRights(film, rights) {
  const { cookie, csrf } = await signInApi(fixture.festival.url, demoAccounts.organizer);
  const response = await fetch(`${fixture.festival.url}/api/films/${film.slug}`, {
    method: 'PATCH',
    headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
    body: JSON.stringify({ rights }),
  });
  assert.equal(response.status, 200, await response.text());
}

describe('gated films in the player', () => {
  test('one view allowed: the first browser plays with its pass and comes back free, a second is refused', async (t) => {
    if (!testMedia(t)) return;
    const { film } = fixture;
    await setRights(film, { max_views: 1, start_hours: 72 });
    try {
      const gated = await getJson(`${fixture.festival.url}/api/films/${film.slug}`);
      assert.deepEqual(gated.access, { required: true, refusal: null });
      assert.equal(gated.media?.master, undefined, 'no media before a pass');

      const first = await fixture.browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
      const posts = [];
      first.on('request', (r) => {
        if (r.method() === 'POST' && /\/api\/films\/[^/]+\/(access|plays)$/.test(new URL(r.url()).pathname))
          posts.push({ path: new URL(r.url()).pathname.split('/').pop(), body: JSON.parse(r.postData()) });
      });
      const { page, problems } = await openFilm({ context: first });
      await page.waitForSelector('.player video');
      assert.deepEqual(posts, [], 'nothing asked before the first play');
      await page.click('.player-big-play');
      await waitFor(async () => (await currentTime(page)) > 2, { timeoutMs: 30_000, message: 'the gated film playing' });
      const pass = await page.evaluate((id) => localStorage.getItem(`festival.pass.${id}`), film.id);
      assert.match(pass, /^[0-9a-f]{32}$/);
      await waitFor(() => posts.some((p) => p.path === 'plays'), { message: 'the play start' });
      assert.deepEqual(posts.map((p) => [p.path, p.body.pass]), [['access', pass], ['plays', pass]]);
      assert.match(await page.textContent('.player-note'), /^Start watching before [A-Z][a-z]+ \d{1,2}, \d{4}/);
      assert.equal(await playerMessage(page), null);
      // The returning pass costs no view: the same browser plays again though the one view is taken.
      await page.reload();
      await page.waitForSelector('.player video');
      await page.click('.player-big-play');
      await waitFor(async () => (await currentTime(page)) > 1, { timeoutMs: 30_000, message: 'the returning pass playing' });
      assert.equal(await playerMessage(page), null);
      assert.deepEqual(problems, []);
      await first.close();

      // Another browser is another pass: the film's one view is taken, and the player says so.
      const second = await openFilm();
      await second.page.click('.player-big-play');
      const message = await waitFor(() => playerMessage(second.page), { message: 'the refusal' });
      assert.equal(message, english['rights.rights_views']);
      assert.equal(await second.page.evaluate(() => window.festivalPlayer.hls), null);
      assert.equal(await second.page.$('.player-message button'), null, 'nothing to retry');
      assert.deepEqual(await seriousAccessibilityViolations(second.page), []);
      await second.context.close();
    } finally {
      await setRights(film, null);
    }
  });

  test('the access answer shapes the player: pass sent and kept, watch-until shown, a heartbeat refusal stops playback', async (t) => {
    if (!testMedia(t)) return;
    const { film } = fixture;
    const watchUntil = '2031-05-04T20:00:00Z';
    // The film's current media, as the access route answers it (tokens expire: asked each time).
    const granted = async () => ({
      status: 200,
      body: { media: (await getJson(`${fixture.festival.url}/api/films/${film.slug}`)).media, pass: { registered_at: '2031-05-01T20:00:00Z', started_at: null, start_until: '2031-05-04T20:00:00Z', watch_until: watchUntil } },
    });
    // Granted: no media before the first play; the pass is created, sent, kept, and sent again at play start.
    const first = await gatedContext(film, { access: granted });
    const { page, problems } = await openFilm({ context: first.context });
    await page.waitForSelector('.player video');
    assert.equal(first.seen.access.length, 0, 'no access asked before the first play');
    assert.equal(await page.evaluate(() => window.festivalPlayer.hls), null);
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 2, { timeoutMs: 30_000, message: 'the gated film playing' });
    const pass = await page.evaluate((id) => localStorage.getItem(`festival.pass.${id}`), film.id);
    assert.match(pass, /^[0-9a-f]{32}$/);
    assert.deepEqual(first.seen.access, [{ pass }]);
    await waitFor(() => first.seen.plays.length > 0, { message: 'the play start' });
    assert.equal(first.seen.plays[0].pass, pass);
    assert.match(await page.textContent('.player-note'), /^You can watch this film until May 4, 2031/);
    assert.equal(await playerMessage(page), null);
    assert.deepEqual(problems, []);
    // A returning viewer keeps the same pass (asked at once: it costs no view).
    await page.reload();
    await page.waitForSelector('.player video');
    await waitFor(() => first.seen.access.length === 2, { message: 'the returning pass' });
    assert.deepEqual(first.seen.access[1], { pass });
    await first.context.close();

    // Refused by a heartbeat (the window closed while watching): playback stops and says why.
    const late = await gatedContext(film, {
      access: granted,
      heartbeat: { screening: false, refusal: { code: 'rights_watch_window', message: 'Your viewing window has ended.' } },
    });
    const latePage = await openFilm({ context: late.context });
    await latePage.page.click('.player-big-play');
    const stopped = await waitFor(() => playerMessage(latePage.page), { timeoutMs: 40_000, message: 'the heartbeat refusal' });
    assert.ok(stopped.startsWith(refusalShown('rights_watch_window', 'Your viewing window has ended.')), stopped);
    assert.match(stopped, /Your viewing window ended on May 4, 2031/);
    assert.equal(await latePage.page.evaluate(() => document.querySelector('video').paused), true);
    await late.context.close();
  });

  test('a film refused in the film JSON (country) shows the message at once', async (t) => {
    if (!testMedia(t)) return;
    const { film } = fixture;
    const context = await fixture.browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    await context.route((url) => url.pathname === `/api/films/${film.slug}`, async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      json.access = { required: false, refusal: { code: 'rights_country', message: 'This film cannot be shown in your country.' } };
      json.media = { version: json.media.version };
      await route.fulfill({ response, json });
    });
    const { page, problems } = await openFilm({ context });
    await page.waitForSelector('.player video');
    assert.equal(await playerMessage(page), refusalShown('rights_country', 'This film cannot be shown in your country.'));
    assert.equal(await page.isVisible('.player-big-play'), false);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();

    // The media route refuses mid-way (403, as at the origin for an excluded country): the film JSON,
    // asked again, says why.
    const moved = await fixture.browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    let filmAnswers = 0;
    await moved.route((url) => url.pathname === `/api/films/${film.slug}`, async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      filmAnswers += 1;
      if (filmAnswers > 1) {
        json.access = { required: false, refusal: { code: 'rights_country', message: 'This film cannot be shown in your country.' } };
        json.media = { version: json.media.version };
      }
      await route.fulfill({ response, json });
    });
    await moved.route('**/master.m3u8', (route) =>
      route.fulfill({ status: 403, contentType: 'application/json', body: '{"error":{"code":"rights_country","message":"no"}}' }));
    const second = await openFilm({ context: moved });
    const told = await waitFor(async () => {
      const text = await playerMessage(second.page);
      return text && !text.startsWith('This film cannot be watched right now') ? text : null;
    }, { message: 'the reason of the refused media' });
    assert.equal(told, refusalShown('rights_country', 'This film cannot be shown in your country.'));
    assert.equal(await second.page.$('.player-message button'), null, 'nothing to retry');
    await moved.close();
  });
});
