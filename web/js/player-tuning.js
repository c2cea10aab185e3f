// How the festival's player starts and adapts on the network it finds: the hls.js settings for the
// start rung, buffer goals and adaptive bitrate. Each choice was measured with scripts/bench-playback
// (docs/benchmarks.md, "Playback on poor networks"). Buffer goals stay hls.js's (30 s ahead): with
// the start and the climb below they played without stalling at 1 and at 4 Mbit/s.

// The start estimate when the browser says nothing of its network: hls.js's own default guess. Given
// no estimate at all, hls.js takes the master's first variant (our top rung) for one.
const FALLBACK_ESTIMATE_BPS = 500_000;
// The first segment (4 s) should arrive in about a second: start on a rung whose bitrate is at most
// this share of the expected bandwidth. hls.js then climbs on what it measures.
const START_SHARE = 0.3;
// hls.js switches up when this share of its estimate covers the next rung's peak bitrate (its default
// 0.7). Its estimate of a segment's download includes the round trip, so on a 1 Mbit/s, 300 ms link
// 0.7 kept the 144p start for two more segments where 0.8 climbs after one; at 4 Mbit/s 0.8 reaches
// the 3.1 Mbit/s 720p rung once 360p and 480p have filled the buffer, without a stall.
const UP_SWITCH_SHARE = 0.8;

function browserConnection() {
  return typeof navigator !== 'undefined' ? navigator.connection : undefined;
}

// The bandwidth (bits/s) the first segment is chosen for: a share of the browser's estimate of its
// downlink (Network Information API; Chromium gives megabits/s, rounded and capped at 10), else the
// fallback guess.
function startEstimate(context) {
  const downlinkMbps = context.downlinkMbps ?? browserConnection()?.downlink;
  return downlinkMbps > 0 ? Math.round(downlinkMbps * 1e6 * START_SHARE) : FALLBACK_ESTIMATE_BPS;
}

/**
 * The hls.js settings to start a film with, merged into the player's own. context (every field
 * optional):
 *   saveData      the browser's data-saver preference (navigator.connection.saveData): start at the
 *                 lowest rung;
 *   capHeight     the viewer's quality cap in lines (e.g. 360), 0 or absent for none. Not used here:
 *                 the player applies it itself (hls.autoLevelCapping), and hls.js starts under it;
 *   downlinkMbps  the expected downlink in megabits/s; absent: navigator.connection.downlink when the
 *                 browser has it.
 */
export function hlsTuning(context = {}) {
  const adaptive = { abrBandWidthUpFactor: UP_SWITCH_SHARE };
  if (context.saveData) return { ...adaptive, startLevel: 0, abrEwmaDefaultEstimate: FALLBACK_ESTIMATE_BPS };
  return { ...adaptive, abrEwmaDefaultEstimate: startEstimate(context) };
}
