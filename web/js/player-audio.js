// The player's sound tracks: the renditions of the master's audio group as hls.js lists them (or the
// browser's own video.audioTracks with native HLS), switched by hls.js itself (hls.audioTrack: the rungs
// are video only, each sound its own playlist) or by the browser, labelled by language with audio description
// (CHARACTERISTICS "public.accessibility.describes-video") and 5.1 marked, and the viewer's choice
// remembered per interface language (a French viewer who chose audio description gets it again on the
// next film that has it in French).
import { lang, languageName, t } from '/js/i18n.js';

const DESCRIBES_VIDEO = /public\.accessibility\.describes-video/i;

function storageKey() {
  return `festival.audio.${lang()}`;
}

/** The tracks: [{index, lang, name, description, channels, default, url}] (url: the rendition's own playlist, if any). */
export function audioTracksOf(hls, video) {
  if (hls) {
    return (hls.audioTracks || []).map((track, index) => ({
      index,
      lang: String(track.lang || '').toLowerCase(),
      name: track.name || '',
      description: DESCRIBES_VIDEO.test(track.characteristics || ''),
      channels: Number.parseInt((track.attrs && track.attrs.CHANNELS) || track.channels || '2', 10) || 2,
      default: Boolean(track.default),
      url: track.url || null,
    }));
  }
  const native = video.audioTracks;
  if (!native) return [];
  return [...native].map((track, index) => ({
    index,
    lang: String(track.language || '').toLowerCase(),
    name: track.label || '',
    description: track.kind === 'description' || track.kind === 'main-desc',
    channels: 2,
    default: track.kind === 'main',
    url: null,
  }));
}

/**
 * The tracks a viewer can switch to. A version whose rungs carry the film's stereo (published before
 * video-only rungs) lists that sound without a URI: hls.js buffers such rungs as one audio+video buffer
 * and cannot put another rendition in its place, so only the rungs' own sound is offered there.
 */
export function switchableTracks(tracks) {
  if (!tracks.some((track) => !track.url)) return tracks;
  return tracks.filter((track) => !track.url);
}

export function currentAudioTrack(hls, video) {
  if (hls) return hls.audioTrack;
  const native = video.audioTracks;
  return native ? [...native].findIndex((track) => track.enabled) : -1;
}

/** Switches the sound; hls.js and the browser both keep the position. */
export function chooseAudioTrack(hls, video, index) {
  if (hls) {
    hls.audioTrack = index;
    return;
  }
  const native = video.audioTracks;
  if (!native) return;
  [...native].forEach((track, i) => {
    track.enabled = i === index;
  });
}

/** "French · audio description", "English · 5.1"; the playlist's own name when the language is unknown. */
export function audioTrackLabel(track, tracks) {
  const base = track.lang ? languageName(track.lang) : track.name || String(track.index + 1);
  const marks = [];
  if (track.description) marks.push(t('player.audio_description'));
  if (track.channels >= 6) marks.push('5.1');
  let label = [base, ...marks].join(' · ');
  // Two tracks that would read the same are told apart by their names.
  const twin = tracks.some((other) => other !== track && other.lang === track.lang && other.description === track.description && other.channels >= 6 === track.channels >= 6);
  if (twin && track.name) label += ` (${track.name})`;
  return label;
}

export function rememberAudioTrack(track) {
  try {
    localStorage.setItem(storageKey(), JSON.stringify({ lang: track.lang, description: track.description, channels: track.channels }));
  } catch {
    // storage blocked: the choice holds for this film only
  }
}

/** The remembered choice's track among these, or null. */
export function rememberedAudioTrack(tracks) {
  let wanted = null;
  try {
    wanted = JSON.parse(localStorage.getItem(storageKey()) || 'null');
  } catch {
    return null;
  }
  if (!wanted || typeof wanted !== 'object') return null;
  return (
    tracks.find((track) => track.lang === wanted.lang && track.description === Boolean(wanted.description) && (track.channels >= 6) === (wanted.channels >= 6)) ||
    tracks.find((track) => track.lang === wanted.lang && track.description === Boolean(wanted.description)) ||
    null
  );
}
