// What each quality of a film costs in data, from its master playlist as hls.js parsed it (the event
// MANIFEST_LOADED, before hls.js drops the audio-only variant): AVERAGE-BANDWIDTH (else BANDWIDTH) in
// bits per second times the film's duration. A video variant's figures are its rung's plus the largest
// rendition of its audio group (what the master says), so whichever sound is chosen, none costs more.
import { formatNumber } from '/js/i18n.js';

function bandwidthOf(level) {
  const attrs = level.attrs || {};
  const average = Number(attrs['AVERAGE-BANDWIDTH']);
  if (Number.isFinite(average) && average > 0) return average;
  const peak = Number(attrs.BANDWIDTH) || Number(level.bitrate);
  return Number.isFinite(peak) && peak > 0 ? peak : 0;
}

function isAudioOnly(level) {
  const codecs = String((level.attrs && level.attrs.CODECS) || '');
  if (level.videoCodec || level.height || level.width) return false;
  return /mp4a|ac-3|ec-3|opus|flac/i.test(codecs) && !/avc|hvc|hev|av01|vp0?9/i.test(codecs);
}

/**
 * Variants (hls.js's levels, or the master's as parsed in MANIFEST_LOADED) sorted out: {video:
 * [{height, bandwidth, url}] in the order given, audioOnly: {bandwidth, url} | null}.
 */
export function variantsOf(levels = []) {
  const video = [];
  let audioOnly = null;
  for (const level of levels) {
    const entry = { height: Number(level.height) || 0, bandwidth: bandwidthOf(level), url: level.url };
    if (isAudioOnly(level)) {
      if (!audioOnly) audioOnly = entry;
    } else {
      video.push(entry);
    }
  }
  return { video, audioOnly };
}

/** Bytes for `seconds` at `bitsPerSecond`, or null when either is unknown. */
export function bytesFor(bitsPerSecond, seconds) {
  if (!(bitsPerSecond > 0) || !(seconds > 0) || !Number.isFinite(seconds)) return null;
  return (bitsPerSecond * seconds) / 8;
}

/** 367_001_600 → "~350 MB", 1.6e9 → "~1.6 GB", 2_400_000 → "~2.4 MB" (decimal units, as operators bill). */
export function formatBytes(bytes) {
  if (!(bytes > 0)) return '';
  const units = [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]];
  for (const [unit, size] of units) {
    if (bytes >= size) {
      const value = bytes / size;
      const rounded = value >= 100 ? Math.round(value / 10) * 10 : value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
      return `~${formatNumber(rounded)} ${unit}`;
    }
  }
  return `~${formatNumber(Math.ceil(bytes))} B`;
}
