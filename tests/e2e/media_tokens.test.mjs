// Media URLs carry tokens that expire (2 to 4 s here: --media-token-seconds 2): a viewer's film plays
// on past many of them, because every heartbeat (each second here) brings the newest token and the
// player fetches with it; after a pause long enough for its token to expire, the player asks the
// film's JSON for a fresh one once and goes on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasTranscoder, playbackFixture, waitFor, watchPageProblems } from './support.mjs';

const fixture = playbackFixture({ extraArgs: ['--media-token-seconds', '2', '--heartbeat-seconds', '1'] });

const TOKEN = /\/media\/\d+\/v\d+\/(\d+-[A-Za-z0-9_-]{22})\//;
const currentTime = (page) => page.evaluate(() => document.querySelector('video').currentTime);
const playerMessage = (page) => page.evaluate(() => {
  const m = document.querySelector('.player-message');
  return m && !m.hidden ? m.textContent : null;
});

// Opens the film and records every /media answer: [{token, status, at}] in the order they came.
async function openFilm() {
  const { browser, festival, film } = fixture;
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  const problems = watchPageProblems(page, festival.url);
  const media = [];
  const filmFetches = [];
  page.on('response', (response) => {
    const url = response.url();
    const m = TOKEN.exec(url);
    if (m) media.push({ token: m[1], status: response.status(), at: media.length });
    if (url.endsWith(`/api/films/${film.slug}`)) filmFetches.push(media.length);
  });
  await page.goto(`${festival.url}/films/${film.slug}`);
  await page.waitForSelector('.player video');
  return { page, context, problems, media, filmFetches };
}

// Forces new playlist and segment requests: hls.js drops its buffer and loads another rung.
async function switchRung(page) {
  await page.evaluate(() => {
    const hls = window.festivalPlayer.hls;
    hls.currentLevel = (hls.currentLevel + 1) % hls.levels.length;
  });
}

describe('signed media URLs in the player', () => {
  test('a film plays past many token lifetimes without an error, fetching with more than one token', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const { page, context, problems, media } = await openFilm();
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 5, { timeoutMs: 60_000, message: 'currentTime past 5 s' });
    await switchRung(page);
    await waitFor(async () => (await currentTime(page)) > 10, { timeoutMs: 60_000, message: 'currentTime past 10 s' });
    await switchRung(page);
    await waitFor(async () => (await currentTime(page)) > 16, { timeoutMs: 60_000, message: 'currentTime past 16 s' });

    assert.equal(await playerMessage(page), null, 'no player error');
    assert.equal(await page.evaluate(() => document.querySelector('video').error), null);
    assert.deepEqual(media.filter((m) => m.status !== 200 && m.status !== 206), [], 'every media request answered');
    const tokens = new Set(media.map((m) => m.token));
    assert.ok(tokens.size > 1, `tokens used: ${[...tokens].join(', ')}`);
    // Played well past the longest life of the first token (2S = 4 s).
    const firstExpires = Number(media[0].token.split('-')[0]);
    const lastExpires = Number(media[media.length - 1].token.split('-')[0]);
    assert.ok(lastExpires - firstExpires >= 4, `first ${firstExpires}, last ${lastExpires}`);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('after a pause longer than a token lives, the player takes a fresh token once and goes on', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const { page, context, problems, media, filmFetches } = await openFilm();
    await page.click('.player-big-play');
    await waitFor(async () => (await currentTime(page)) > 2, { timeoutMs: 60_000, message: 'currentTime past 2 s' });
    await page.evaluate(() => document.querySelector('video').pause());
    // Paused, the player sends no heartbeat (after the one reporting what was played before the
    // pause): its newest token (4 s at most) expires meanwhile.
    const newestExpires = () => page.evaluate(() =>
      Math.max(...[...window.festivalPlayer.mediaTokens.byVersion.values()].map((v) => v.expires)));
    let knownExpires = 0;
    await waitFor(async () => {
      knownExpires = await newestExpires();
      return Date.now() / 1000 > knownExpires + 1.5;
    }, { timeoutMs: 20_000, intervalMs: 500, message: 'the token expired' });
    const before = media.length;
    const fetchesBefore = filmFetches.length;
    await switchRung(page);
    await page.evaluate(() => document.querySelector('video').play());
    const resumedAt = await currentTime(page);
    await waitFor(async () => (await currentTime(page)) > resumedAt + 3, { timeoutMs: 60_000, message: 'playing again' });

    const after = media.slice(before);
    assert.ok(after.some((m) => m.status === 403), `an expired token was refused: ${JSON.stringify(after)}`);
    assert.ok(filmFetches.length > fetchesBefore, 'the film JSON was asked for a fresh token');
    assert.ok(after.some((m) => m.status === 200 && Number(m.token.split('-')[0]) > knownExpires), 'then served with a fresh one');
    assert.equal(await playerMessage(page), null, 'no player error');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
