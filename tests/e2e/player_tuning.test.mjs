// How the film page's player starts on the network it finds (web/js/player-tuning.js), in Chromium with
// the DevTools network emulation: on a slow link (1 Mbit/s, 300 ms) its first segment comes from the
// lowest rung, on a 4 Mbit/s link from a rung above it, and either way the film plays. hls.js left to
// itself takes the master's first variant (the top rung) for its first estimate and starts there.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasTranscoder, playbackFixture, waitFor, watchPageProblems } from './support.mjs';

const fixture = playbackFixture();

const SEGMENT = /\/media\/\d+\/v\d+\/[^/]+\/([^/]+)\/segment_\d+\.m4s/;

// Opens the film under the given emulated network and plays it past 2 s. Returns the rung of the first
// segment the player asked for and the ladder's rungs, lowest bitrate first (hls.js sorts them so), by
// folder name ("240p").
async function firstRung(downKbps, rttMs) {
  const { browser, festival, film } = fixture;
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: rttMs, downloadThroughput: (downKbps * 1000) / 8, uploadThroughput: (downKbps * 1000) / 32,
    });
    const problems = watchPageProblems(page, festival.url);
    const segments = [];
    page.on('request', (request) => {
      const m = SEGMENT.exec(request.url());
      if (m) segments.push(m[1]);
    });
    await page.goto(`${festival.url}/films/${film.slug}`);
    await page.click('.player-big-play');
    await waitFor(() => page.evaluate(() => document.querySelector('video').currentTime > 2),
      { timeoutMs: 120_000, message: 'currentTime past 2 s' });
    assert.equal(await page.evaluate(() => document.querySelector('video').error), null);
    assert.deepEqual(problems, []);
    const rungs = await page.evaluate(() =>
      window.festivalPlayer.hls.levels.map((level) => /\/([^/]+)\/index\.m3u8/.exec(level.url)[1]));
    return { first: segments[0], rungs };
  } finally {
    await context.close();
  }
}

describe('the player on poor networks', () => {
  test('starts at the lowest rung at 1 Mbit/s and above it at 4 Mbit/s, and plays', async (t) => {
    if (!hasTranscoder()) {
      t.skip('build/festival-transcoder is not built: the demo films have no media to play');
      return;
    }
    const slow = await firstRung(1000, 300);
    assert.ok(slow.rungs.length >= 3, `a ladder of at least three rungs: ${slow.rungs}`);
    assert.equal(slow.first, slow.rungs[0], 'slow: the first segment from the lowest rung');
    const medium = await firstRung(4000, 150);
    assert.notEqual(medium.first, medium.rungs[0], 'medium: the first segment from a rung above the lowest');
    assert.notEqual(medium.first, medium.rungs[medium.rungs.length - 1], 'medium: not from the top rung either');
  });
});
