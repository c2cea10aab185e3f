// Drives scripts/bench-playback: Debian's chromium (playwright-core) plays one film for a bounded time
// under emulated networks (Chrome DevTools' Network.emulateNetworkConditions) in two players on the same
// master playlist, taking turns slice by slice: the festival's film page, and a page of our own with
// hls.js at its default settings (`new Hls()`). Prints one JSON line per slice on stdout, then a table.
// Usage: node scripts/bench/playback.mjs FESTIVAL_URL FILM_SLUG MASTER_URL
//   env BENCH_SLICES (3 per player and profile), BENCH_SECONDS (40 s from the play request),
//   BENCH_PROFILES (slow,medium), BENCH_PLAYERS (festival,default), BENCH_HINTS (on; off hides
//   navigator.connection from both players, as in browsers without the Network Information API: under
//   emulation Chrome reports the emulated figures exactly, a real network's estimate is rougher)
import os from 'node:os';
import { chromium } from 'playwright-core';

const [festivalUrl, slug, masterUrl] = process.argv.slice(2);
if (!masterUrl) {
  console.error('usage: node scripts/bench/playback.mjs FESTIVAL_URL FILM_SLUG MASTER_URL');
  process.exit(2);
}
const slices = Number(process.env.BENCH_SLICES || 3);
const windowSeconds = Number(process.env.BENCH_SECONDS || 40);

// Upload is a quarter of the download, as on an ADSL line or a weak mobile link.
const PROFILES = {
  slow: { label: '1 Mbit/s, 300 ms', downKbps: 1000, rttMs: 300 },
  medium: { label: '4 Mbit/s, 150 ms', downKbps: 4000, rttMs: 150 },
};
const profiles = (process.env.BENCH_PROFILES || 'slow,medium').split(',');
const players = (process.env.BENCH_PLAYERS || 'festival,default').split(',');
const hints = process.env.BENCH_HINTS !== 'off';
for (const p of profiles) if (!PROFILES[p]) throw new Error(`unknown profile ${p}`);

const referenceUrl = `${festivalUrl}/bench-playback/reference.html`;
// hls.js exactly as its documentation shows it: no settings. Served by the bench on the festival's
// origin (so the master's URL and hls.js from /vendor are same-origin), nothing added to web/.
const referencePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hls.js defaults</title></head>
<body style="margin:0;background:#000">
<video id="video" playsinline style="width:960px;height:540px"></video>
<button id="play" type="button">Play</button>
<script src="/vendor/hls.min.js"></script>
<script>
  const video = document.getElementById('video');
  const hls = new Hls();
  window.referenceHls = hls;
  hls.loadSource(${JSON.stringify(masterUrl)});
  hls.attachMedia(video);
  document.getElementById('play').addEventListener('click', () => video.play());
</script>
</body></html>`;

// Installed before any page script: the first video.play() is the play request; from then on the
// first presented frame (requestVideoFrameCallback), 'waiting' spells after it (stalls) and the
// displayed height every 250 ms of playback (the rung, weighted by time).
function instrument() {
  const b = (window.__bench = {
    playAt: null, firstFrameAt: null, firstFrameBy: null, stalls: 0, blips: 0, stalledMs: 0, stallStart: null,
    heightMs: 0, playedMs: 0, heights: {}, switches: 0, lastHeight: 0, ended: false,
  });
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function (...args) {
    if (b.playAt === null && this instanceof HTMLVideoElement) {
      b.playAt = performance.now();
      const video = this;
      const first = (by) => {
        if (b.firstFrameAt === null) {
          b.firstFrameAt = performance.now();
          b.firstFrameBy = by;
        }
      };
      if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => first('frame'));
      const startTime = video.currentTime;
      video.addEventListener('timeupdate', () => {
        if (!video.paused && video.currentTime > startTime + 0.1) first('playing');
      });
      video.addEventListener('waiting', () => {
        if (b.firstFrameAt !== null && b.stallStart === null && !video.seeking) b.stallStart = performance.now();
      });
      // A 'waiting' spell shorter than a frame (40 ms at 25 fps) shows nothing: Chromium fires one as
      // it switches rungs. Counted apart, as blips; the stalled seconds add up every spell.
      const unstall = () => {
        if (b.stallStart === null) return;
        const ms = performance.now() - b.stallStart;
        if (ms >= 40) b.stalls += 1;
        else b.blips += 1;
        b.stalledMs += ms;
        b.stallStart = null;
      };
      video.addEventListener('playing', unstall);
      video.addEventListener('ended', () => {
        b.ended = true;
        unstall();
      });
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        const dt = now - last;
        last = now;
        if (b.firstFrameAt === null || video.paused || b.stallStart !== null || !video.videoHeight) return;
        const h = video.videoHeight;
        if (b.lastHeight && h !== b.lastHeight) b.switches += 1;
        b.lastHeight = h;
        b.heightMs += h * dt;
        b.playedMs += dt;
        b.heights[h] = (b.heights[h] || 0) + dt;
      }, 250);
    }
    return play.apply(this, args);
  };
}

async function runSlice(browser, profileName, player) {
  const profile = PROFILES[profileName];
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  await context.addInitScript(instrument);
  if (!hints) await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'connection', { get: () => undefined }));
  // The same request interception on both players' pages (Playwright routes every request through it
  // once one route exists), so that its cost, if any, weighs on both alike.
  await context.route(referenceUrl, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: referencePage }));
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: profile.rttMs,
    downloadThroughput: (profile.downKbps * 1000) / 8,
    uploadThroughput: (profile.downKbps * 1000) / 8 / 4,
  });
  const urls = new Map();
  let mediaBytes = 0;
  let mediaRequests = 0;
  // Every request of the slice: [ms from the play request to its start, to its end, bytes, path].
  const timeline = new Map();
  let playClickedAt;
  cdp.on('Network.requestWillBeSent', (e) => {
    urls.set(e.requestId, e.request.url);
    timeline.set(e.requestId, [Date.now(), null, 0, new URL(e.request.url).pathname.replace(/^\/media\/\d+\/v\d+\/[^/]+\//, '')]);
  });
  cdp.on('Network.loadingFinished', (e) => {
    const entry = timeline.get(e.requestId);
    if (entry) {
      entry[1] = Date.now();
      entry[2] = e.encodedDataLength;
    }
    if (/\/media\//.test(urls.get(e.requestId) || '')) {
      mediaBytes += e.encodedDataLength;
      mediaRequests += 1;
    }
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The play request comes as soon as the page can play: its play button shown and hls.js loaded (the
  // film page loads hls.js, 624 KB, beside its other assets; a click before would time that download).
  const openedAt = Date.now();
  if (player === 'festival') {
    await page.goto(`${festivalUrl}/films/${slug}`);
    await page.waitForSelector('.player-big-play', { state: 'visible', timeout: 60_000 });
    await page.waitForFunction(() => window.Hls, null, { timeout: 60_000 });
    playClickedAt = Date.now();
    await page.click('.player-big-play');
  } else {
    await page.goto(referenceUrl);
    await page.waitForSelector('#play', { state: 'visible', timeout: 60_000 });
    await page.waitForFunction(() => window.Hls, null, { timeout: 60_000 });
    playClickedAt = Date.now();
    await page.click('#play');
  }
  const connection = await page.evaluate(() => {
    const c = navigator.connection;
    return c ? { downlink: c.downlink, rtt: c.rtt, effectiveType: c.effectiveType } : null;
  });
  // Bounded: the window runs from the play request, whatever happens in it.
  for (;;) {
    const state = await page.evaluate(() => ({
      elapsed: window.__bench.playAt === null ? 0 : performance.now() - window.__bench.playAt,
      ended: window.__bench.ended,
    }));
    if (state.elapsed >= windowSeconds * 1000 || state.ended || Date.now() - playClickedAt > (windowSeconds + 30) * 1000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const result = await page.evaluate(() => {
    const b = window.__bench;
    const now = performance.now();
    const hls = (window.festivalPlayer && window.festivalPlayer.hls) || window.referenceHls;
    const stalledMs = b.stalledMs + (b.stallStart !== null ? now - b.stallStart : 0);
    return {
      firstFrameMs: b.firstFrameAt === null ? null : b.firstFrameAt - b.playAt,
      firstFrameBy: b.firstFrameBy,
      firstFrameSincePageMs: b.firstFrameAt === null ? null : b.firstFrameAt,
      stalls: b.stalls + (b.stallStart !== null ? 1 : 0),
      blips: b.blips,
      stalledSeconds: stalledMs / 1000,
      averageHeight: b.playedMs ? b.heightMs / b.playedMs : 0,
      heightSeconds: Object.fromEntries(Object.entries(b.heights).map(([h, ms]) => [h, Math.round(ms / 100) / 10])),
      switches: b.switches,
      played: document.querySelector('video').currentTime,
      bandwidthEstimate: hls ? Math.round(hls.bandwidthEstimate) : null,
      levels: hls ? hls.levels.map((l) => l.height) : [],
    };
  });
  await context.close();
  return {
    profile: profileName, player, ...result, mediaBytes, mediaRequests, connection, errors,
    pageToPlayMs: playClickedAt - openedAt,
    ...(process.env.BENCH_TIMELINE ? {
      timeline: [...timeline.values()].map(([start, end, bytes, what]) =>
        [start - playClickedAt, end === null ? null : end - playClickedAt, bytes, what]).filter((t) => t[0] < 15000),
    } : {}),
  };
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
});
const loadBefore = os.loadavg();
const results = [];
try {
  for (const profile of profiles) {
    for (let i = 0; i < slices; i++) {
      for (const player of players) {
        const r = await runSlice(browser, profile, player);
        results.push(r);
        console.log(JSON.stringify(r));
      }
    }
  }
} finally {
  await browser.close();
}
const loadAfter = os.loadavg();

const f = (x, digits = 2) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(digits));
const rows = [];
const summary = {};
for (const profile of profiles) {
  for (const player of players) {
    const rs = results.filter((r) => r.profile === profile && r.player === player);
    const s = {
      ttff: median(rs.map((r) => r.firstFrameMs)),
      ttffMax: Math.max(...rs.map((r) => (r.firstFrameMs === null ? Infinity : r.firstFrameMs))),
      fromPage: median(rs.map((r) => r.firstFrameSincePageMs)),
      played: mean(rs.map((r) => r.played)),
      stalls: rs.reduce((a, r) => a + r.stalls, 0),
      stalledSeconds: rs.reduce((a, r) => a + r.stalledSeconds, 0),
      height: mean(rs.map((r) => r.averageHeight)),
      megabytes: mean(rs.map((r) => r.mediaBytes)) / 1e6,
      slices: rs.map((r) => f(r.firstFrameMs === null ? null : r.firstFrameMs / 1000)).join(' '),
    };
    summary[`${profile}/${player}`] = s;
    rows.push([PROFILES[profile].label, player, f(s.ttff / 1000), f(s.ttffMax / 1000), f(s.fromPage / 1000),
      `${s.stalls} / ${f(s.stalledSeconds, 1)} s`, f(s.played, 1),
      `${Math.round(s.height)}p`, f(s.megabytes, 1), s.slices]);
  }
}
const header = ['profile', 'player', 'first frame s (median)', 'worst', 'from page open', 'stalls / stalled', 'film seen s', 'avg rung',
  'MB fetched',
  'first frame per slice'];
console.log();
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
if (players.includes('festival') && players.includes('default')) {
  console.log();
  for (const profile of profiles) {
    const o = summary[`${profile}/festival`];
    const d = summary[`${profile}/default`];
    console.log(`${PROFILES[profile].label}: first frame festival/default ${f(o.ttff / d.ttff)}, ` +
      `avg rung ${f(o.height / d.height)}, bytes ${f(o.megabytes / d.megabytes)}, ` +
      `stalls ${o.stalls} vs ${d.stalls} (${f(o.stalledSeconds, 1)} s vs ${f(d.stalledSeconds, 1)} s)`);
  }
}
console.log(`\n${slices} slice(s) of ${windowSeconds} s per player and profile, network hints ${hints ? 'on' : 'off'}; load average ` +
  `${loadBefore.map((x) => x.toFixed(1)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(1)).join(' ')} after ` +
  `(${os.cpus().length} cores)`);
