// The film player: HLS through hls.js (native HLS only where Media Source Extensions are missing),
// a quality menu (auto + each rung), subtitles by language, the poster, seek thumbnails from the film's
// storyboard (WebVTT cues pointing at sprite tiles, "#xywh=x,y,w,h"), resume where the viewer stopped
// (localStorage), keyboard controls, a clear message on error, and audience reporting (plays,
// heartbeats at the period the server gives with the seconds actually played, end on pagehide).
// Also: a sound menu (alternate audio renditions), "sound only" (the master's audio-only variant), each
// quality's data cost for the whole film, the browser's data saver and a viewer's quality cap, and
// gated films (rights rules): media only through the viewer pass, refusals told in the player.
// A premiere's player follows a screening clock instead: no seek bar, no seeking keys, no resume.
import { api, getSession } from '/js/api.js';
import { formatDate, formatNumber, lang, languageName, t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { MediaTokens } from '/js/media-tokens.js';
import {
  audioTrackLabel, audioTracksOf, chooseAudioTrack, currentAudioTrack, rememberAudioTrack, rememberedAudioTrack, switchableTracks,
} from '/js/player-audio.js';
import { bytesFor, formatBytes, variantsOf } from '/js/player-data.js';
import { hlsTuning } from '/js/player-tuning.js';
import { refusalOf, refusalText, requestAccess, storedPass, viewerPass } from '/js/viewer-pass.js';
import { viewerToken } from '/js/viewer-token.js';

// Until the server's answer to a play start says otherwise (its heartbeat_seconds).
const DEFAULT_HEARTBEAT_MS = 10_000;
const RESUME_SAVE_MS = 5_000;
const SEEK_STEP = 5;
const VOLUME_STEP = 0.1;
const CAP_KEY = 'festival.quality_cap';
// The quality menu's value for the audio-only variant.
const SOUND_ONLY = 'sound';

let hlsLoading = null;

// Icons drawn as SVG (emoji glyphs are missing from many systems' fonts); the buttons carry aria-labels.
const ICONS = {
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zM14 5h4v14h-4z',
  volume: 'M4 9v6h4l5 4V5L8 9H4zm12.5 3a4.5 4.5 0 0 0-2.5-4v8a4.5 4.5 0 0 0 2.5-4z',
  muted: 'M4 9v6h4l5 4V5L8 9H4zm12 .4 1.4-1.4 2.1 2.1 2.1-2.1 1.4 1.4-2.1 2.1 2.1 2.1-1.4 1.4-2.1-2.1-2.1 2.1-1.4-1.4 2.1-2.1z',
  fullscreen: 'M4 4h6v2H6v4H4zm10 0h6v6h-2V6h-4zM4 14h2v4h4v2H4zm14 0h2v6h-6v-2h4z',
};

function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

/** Loads /vendor/hls.min.js once (a classic script from our own origin, as the CSP wants). */
function loadHls() {
  if (window.Hls) return Promise.resolve(window.Hls);
  if (!hlsLoading) {
    hlsLoading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/vendor/hls.min.js';
      script.async = true;
      script.onload = () => (window.Hls ? resolve(window.Hls) : reject(new Error('hls.js did not load')));
      script.onerror = () => {
        hlsLoading = null;
        reject(new Error('hls.js could not be loaded'));
      };
      document.head.append(script);
    });
  }
  return hlsLoading;
}

function hasMediaSource() {
  return Boolean(window.MediaSource || window.ManagedMediaSource || window.WebKitMediaSource);
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const s = Math.floor(seconds % 60);
  const m = Math.floor((seconds / 60) % 60);
  const h = Math.floor(seconds / 3600);
  const pad = (n) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

function parseVttTime(text) {
  const parts = text.trim().split(':').map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/** The storyboard's cues: [{start, end, url, x, y, w, h}], url resolved against the VTT's own URL. */
export function parseStoryboard(vtt, baseUrl) {
  const cues = [];
  const blocks = vtt.replace(/\r/g, '').split(/\n\n+/);
  for (const block of blocks) {
    const lines = block.split('\n').filter(Boolean);
    const timing = lines.findIndex((line) => line.includes('-->'));
    if (timing < 0 || !lines[timing + 1]) continue;
    const [from, to] = lines[timing].split('-->').map((part) => part.trim().split(/\s+/)[0]);
    const target = lines[timing + 1].trim();
    const hash = target.indexOf('#xywh=');
    if (hash < 0) continue;
    const [x, y, w, h] = target.slice(hash + 6).split(',').map(Number);
    if ([x, y, w, h].some((n) => !Number.isFinite(n))) continue;
    cues.push({ start: parseVttTime(from), end: parseVttTime(to), url: new URL(target.slice(0, hash), baseUrl).href, x, y, w, h });
  }
  return cues;
}

function storage(key, value) {
  try {
    if (value === undefined) return JSON.parse(localStorage.getItem(key) || 'null');
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage blocked or full: the player works without memory
  }
  return null;
}

/**
 * Audience reporting for one film: a play starts at the first playback, then a heartbeat every
 * heartbeat_seconds (from the server's answer to the start) carries the position and the seconds actually played since the previous one; the play ends on
 * pagehide (sendBeacon) or when the film ends. Every failure is ignored: viewing never depends on it.
 */
class AudienceReport {
  constructor(filmKey, video, tokens, { pass = null, onRefusal = () => {}, startFields = {} } = {}) {
    this.filmKey = filmKey;
    this.startFields = startFields;  // sent with the play start as they are (the embed page's "site")
    this.video = video;
    this.tokens = tokens;  // each heartbeat's answer carries the film's newest media tokens
    this.pass = pass;  // a gated film's viewer pass (a function: the pass exists only once asked for)
    this.onRefusal = onRefusal;  // the rights no longer hold: the player stops and says why
    this.playId = null;
    this.starting = null;
    this.played = 0;
    this.lastTime = null;
    this.timer = null;
    this.heartbeatMs = DEFAULT_HEARTBEAT_MS;
    this.unavailable = false;
  }

  onTimeUpdate() {
    const now = this.video.currentTime;
    if (this.lastTime !== null && !this.video.paused && !this.video.seeking) {
      const delta = now - this.lastTime;
      // Time jumps are seeks, not viewing.
      if (delta > 0 && delta < 2 * Math.max(1, this.video.playbackRate)) this.played += delta;
    }
    this.lastTime = now;
  }

  onSeeking() {
    this.lastTime = null;
  }

  async onPlaying() {
    this.lastTime = this.video.currentTime;
    this.schedule();
    this.start();
  }

  schedule() {
    if (!this.timer) this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
  }

  // The server decides how often a player reports; a running timer is restarted at its period.
  followServerPeriod(seconds) {
    const ms = Number(seconds) * 1000;
    if (!Number.isFinite(ms) || ms < 1000 || ms === this.heartbeatMs) return;
    this.heartbeatMs = ms;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.schedule();
    }
  }

  duration() {
    return Number.isFinite(this.video.duration) && this.video.duration > 0 ? Math.round(this.video.duration * 10) / 10 : undefined;
  }

  start() {
    if (this.playId || this.starting || this.unavailable) return;
    this.starting = api(`/api/films/${encodeURIComponent(this.filmKey)}/plays`, {
      method: 'POST',
      body: { ...this.startFields, position: Math.floor(this.video.currentTime), duration: this.duration(), pass: this.pass ? this.pass() : undefined, viewer: viewerToken() },
    })
      .then((answer) => {
        this.playId = answer && answer.play_id ? String(answer.play_id) : null;
        this.played = 0;
        if (answer) this.followServerPeriod(answer.heartbeat_seconds);
        if (this.playId) {
          try {
            sessionStorage.setItem(`festival.play.${this.filmKey}`, this.playId);
            // The rating form proves a watched play with its id and token: the last few plays of the
            // film in this tab, newest first (a long pause ends a play and starts a new one).
            const key = `festival.plays.${this.filmKey}`;
            const plays = JSON.parse(sessionStorage.getItem(key) || '[]').filter((p) => p && p.id !== this.playId);
            plays.unshift({ id: this.playId, token: String(answer.play_token || '') });
            sessionStorage.setItem(key, JSON.stringify(plays.slice(0, 5)));
          } catch {
            // no storage: the feedback form simply sends no play id
          }
          document.dispatchEvent(new CustomEvent('festival:play', { detail: { film: this.filmKey, playId: this.playId } }));
        }
      })
      .catch((e) => {
        this.playId = null;  // the audience API refused or is absent: keep playing, stop asking
        if (e.status === 404 || e.status === 405 || e.status === 403) this.unavailable = true;
        const refusal = refusalOf(e);
        if (refusal) this.onRefusal(refusal);
      })
      .finally(() => {
        this.starting = null;
      });
  }

  body() {
    const body = {
      position: Math.round(this.video.currentTime * 10) / 10,
      played: Math.round(this.played * 10) / 10,
      duration: this.duration(),
    };
    this.played = 0;
    return body;
  }

  async heartbeat() {
    if (!this.playId) return;
    if (this.video.paused && this.played === 0) return;  // nothing new to tell
    const id = this.playId;
    try {
      const answer = await api(`/api/plays/${encodeURIComponent(id)}/heartbeat`, { method: 'POST', body: this.body() });
      this.tokens?.update(answer);
      if (answer && answer.refusal) {
        this.playId = null;
        this.onRefusal(answer.refusal);
      }
    } catch (e) {
      // The server forgot or closed this play (restart, long pause): a new one starts if still playing.
      if (e.status === 404 || e.status === 410) {
        this.playId = null;
        if (!this.video.paused) this.start();
      }
    }
  }

  /**
   * Ends the play. From pagehide nothing may wait, so this is synchronous: a beacon (text/plain JSON,
   * which the audience API accepts), or a keepalive fetch where no beacon can be sent. Like every
   * audience report, the route is open to anyone and takes no CSRF token.
   */
  end() {
    clearInterval(this.timer);
    this.timer = null;
    if (!this.playId) return;
    const url = `/api/plays/${encodeURIComponent(this.playId)}/end`;
    const payload = JSON.stringify(this.body());
    this.playId = null;
    const sent = navigator.sendBeacon && navigator.sendBeacon(url, payload);
    if (!sent) fetch(url, { method: 'POST', keepalive: true, body: payload, headers: { 'Content-Type': 'application/json' } }).catch(() => {});
  }
}

/**
 * Builds a player in container. options: {filmKey, src (master playlist), poster, storyboard (VTT URL),
 * title, spokenLanguages, report (audience reporting, default true), filmId, gated (no src: the media
 * comes from the access route with the viewer pass, on the first play), refusal ({code, message}: the
 * film may not be watched here, told in the player), clock (a premiere's: a function giving the screening
 * position in seconds; the stream starts there, the seek bar and seeking keys are gone, nothing is
 * resumed), autoplay (play once loaded), startFields (more fields for the play start, e.g. the embed
 * page's {site})}. Returns {element, video, updateTexts(), destroy()}.
 */
export function createPlayer(container, options) {
  const { filmKey, title, spokenLanguages = [], report = true, filmId = null, gated = false, clock = null } = options;
  let { src, poster, storyboard } = options;
  const resumeKey = `festival.resume.${filmKey}`;
  let hls = null;
  let variants = { video: [], audioOnly: null };  // the master's, kept while sound only plays
  let soundOnly = false;
  let resumePlaying = Boolean(options.autoplay);  // after a reload of the stream (sound only and back)
  let refused = options.refusal || null;
  let passDates = null;
  let accessing = null;
  let capHeight = Number(storage(CAP_KEY)) || 0;
  const sound = { volume: 1, muted: false };  // the viewer's
  const saveData = Boolean(navigator.connection && navigator.connection.saveData);
  let destroyed = false;
  let duration = 0;
  let dragging = false;
  let recoveredMedia = false;
  let storyboardCues = null;

  const video = el('video', { class: 'player-video', playsinline: true, preload: 'metadata', tabindex: '0', crossorigin: 'anonymous' });
  if (poster) video.poster = poster;
  const message = el('div', { class: 'player-message', role: 'alert', hidden: true });
  const bigPlay = el('button', { type: 'button', class: 'player-big-play' }, icon('play'));
  const screen = el('div', { class: 'player-screen' }, video, bigPlay, message);

  const seek = el('input', { class: 'player-seek', type: 'range', min: '0', max: '0', step: '0.1', value: '0' });
  const thumb = el('div', { class: 'player-thumb', hidden: true, 'aria-hidden': 'true' }, el('span', { class: 'player-thumb-time' }));
  const playButton = el('button', { type: 'button', class: 'player-play' }, icon('play'));
  const time = el('span', { class: 'player-time', 'aria-live': 'off' }, '0:00 / 0:00');
  const muteButton = el('button', { type: 'button', class: 'player-mute' }, icon('volume'));
  const volume = el('input', { class: 'player-volume', type: 'range', min: '0', max: '1', step: '0.05', value: '1' });
  const volumeLabel = el('label', {}, el('span', { class: 'visually-hidden' }), volume);
  const quality = el('select', { class: 'player-quality' });
  const qualityLabel = el('label', {}, el('span'), quality);
  const subtitles = el('select', { class: 'player-subtitles' });
  const subtitlesLabel = el('label', {}, el('span'), subtitles);
  const audio = el('select', { class: 'player-audio' });
  const audioLabel = el('label', {}, el('span'), audio);
  const cap = el('select', { class: 'player-cap' });
  const capLabel = el('label', {}, el('span'), cap);
  const fullscreenButton = el('button', { type: 'button', class: 'player-fullscreen' }, icon('fullscreen'));
  const controls = el(
    'div',
    { class: 'player-controls' },
    el('div', { class: 'player-seek-wrap', hidden: Boolean(clock) }, seek, thumb),
    playButton,
    time,
    muteButton,
    volumeLabel,
    qualityLabel,
    capLabel,
    audioLabel,
    subtitlesLabel,
    fullscreenButton,
  );
  const hint = el('p', { class: 'player-hint' });
  // The data saver and the viewing window, said once under the player.
  const note = el('p', { class: 'player-note', hidden: true });
  const element = el('div', { class: 'player', role: 'region' }, screen, controls);
  container.replaceChildren(element, note, hint);

  // Public media URLs carry a token that expires: every request takes the newest one (previews have none).
  const tokens = report ? new MediaTokens(filmKey, src) : null;
  if (tokens && gated) {
    tokens.freshMedia = () => requestAccess(filmKey, filmId)
      .then((answer) => answer && answer.media)
      .catch((e) => {
        const refusal = refusalOf(e);
        if (refusal) refuse(refusal);  // the window closed during a pause: say so rather than fail
        throw e;
      });
  }
  const audience = report
    ? new AudienceReport(filmKey, video, tokens, { pass: gated ? () => viewerPass(filmId) : null, onRefusal: refuse, startFields: options.startFields })
    : null;

  // ---------- texts (again after a language switch) ----------
  function updatePlayButton() {
    const label = video.paused ? t('player.play') : t('player.pause');
    playButton.replaceChildren(icon(video.paused ? 'play' : 'pause'));
    playButton.setAttribute('aria-label', label);
    bigPlay.setAttribute('aria-label', t('player.play'));
  }
  function updateMuteButton() {
    muteButton.replaceChildren(icon(sound.muted || sound.volume === 0 ? 'muted' : 'volume'));
    muteButton.setAttribute('aria-label', sound.muted ? t('player.unmute') : t('player.mute'));
    muteButton.setAttribute('aria-pressed', String(sound.muted));
  }
  function updateFullscreenButton() {
    const active = document.fullscreenElement === element;
    fullscreenButton.setAttribute('aria-label', active ? t('player.exit_fullscreen') : t('player.fullscreen'));
    fullscreenButton.setAttribute('aria-pressed', String(active));
  }
  function updateTime() {
    const current = video.currentTime || 0;
    time.textContent = `${formatTime(current)} / ${formatTime(duration)}`;
    if (!dragging) seek.value = String(current);
    seek.setAttribute('aria-valuetext', t('player.time', { current: formatTime(current), duration: formatTime(duration) }));
  }
  function updateTexts() {
    element.setAttribute('aria-label', t('player.label', { title }));
    video.setAttribute('aria-label', title);
    seek.setAttribute('aria-label', t('player.seek'));
    volume.setAttribute('aria-label', t('player.volume'));
    volumeLabel.firstChild.textContent = t('player.volume');
    qualityLabel.firstChild.textContent = t('player.quality');
    capLabel.firstChild.textContent = t('player.cap');
    audioLabel.firstChild.textContent = t('player.audio');
    subtitlesLabel.firstChild.textContent = t('player.subtitles');
    hint.textContent = t('player.keys');
    updatePlayButton();
    updateMuteButton();
    updateFullscreenButton();
    updateTime();
    fillQuality();
    fillCap();
    fillAudio();
    fillSubtitles();
    updateNote();
    if (refused) showRefusal();
    else if (message.dataset.key) showMessage(message.dataset.key, message.dataset.retry === 'true');
  }
  function updateNote() {
    const lines = [];
    if (saveData) lines.push(t('player.data_saver'));
    const dateTime = { dateStyle: 'long', timeStyle: 'short' };
    if (passDates && passDates.watch_until) lines.push(t('player.watch_until', { date: formatDate(passDates.watch_until, dateTime) }));
    else if (passDates && passDates.start_until) lines.push(t('player.start_until', { date: formatDate(passDates.start_until, dateTime) }));
    note.textContent = lines.join(' ');
    note.hidden = lines.length === 0;
  }

  // ---------- messages ----------
  function showMessage(key, retry = false) {
    message.dataset.key = key;
    message.dataset.retry = String(retry);
    const children = [el('p', {}, t(key))];
    if (retry) {
      children.push(
        el('button', { type: 'button', class: 'button', onclick: () => { hideMessage(); start(); } }, t('player.retry')),
      );
    }
    message.replaceChildren(...children);
    message.hidden = false;
    bigPlay.hidden = true;
  }
  // The rights refuse this viewer: the reason in their language, the pass's window when known; no retry.
  function showRefusal() {
    const children = [el('p', {}, refusalText(refused))];
    if (refused.code === 'rights_watch_window' && passDates && passDates.watch_until)
      children.push(el('p', {}, t('player.watch_ended', { date: formatDate(passDates.watch_until, { dateStyle: 'long', timeStyle: 'short' }) })));
    message.replaceChildren(...children);
    message.dataset.refusal = refused.code;
    message.hidden = false;
    bigPlay.hidden = true;
  }
  function refuse(refusal) {
    refused = refusal;
    video.pause();
    hls?.destroy();
    hls = null;
    video.removeAttribute('src');
    video.load();
    showRefusal();
  }
  function hideMessage() {
    if (refused) return;
    delete message.dataset.key;
    message.hidden = true;
    message.replaceChildren();
  }

  // ---------- quality ----------
  function levelName(level) {
    if (level.height) return `${level.height}p`;
    if (level.bandwidth) return `${formatNumber(Math.round(level.bandwidth / 1000))} kb/s`;
    return '?';
  }
  // The film's length for data costs: the video's, else the playlist's.
  function filmSeconds() {
    if (duration) return duration;
    const details = hls && hls.levels && hls.levels.find((level) => level.details)?.details;
    return details ? details.totalduration : 0;
  }
  function withCost(label, bitsPerSecond) {
    const cost = formatBytes(bytesFor(bitsPerSecond, filmSeconds()));
    return cost ? `${label} · ${cost}` : label;
  }
  function allowed(level) {
    return !capHeight || !level.height || level.height <= capHeight;
  }
  function fillQuality() {
    const chosen = quality.value || '-1';
    const options = [];
    if (variants.video.length && (hls || soundOnly)) {
      const current = !soundOnly && hls && hls.autoLevelEnabled && hls.currentLevel >= 0 ? variants.video[hls.currentLevel] : null;
      const auto = current ? t('player.quality_auto_now', { level: levelName(current) }) : t('player.quality_auto');
      options.push(el('option', { value: '-1' }, auto));
      variants.video
        .map((level, index) => ({ level, index }))
        .filter(({ level }) => allowed(level))
        .sort((a, b) => (b.level.height || b.level.bandwidth) - (a.level.height || a.level.bandwidth))
        .forEach(({ level, index }) => options.push(el('option', { value: String(index) }, withCost(levelName(level), level.bandwidth))));
    } else {
      options.push(el('option', { value: '-1' }, t('player.quality_auto')));
    }
    // The audio-only variant (hls.js leaves it out of its levels): the sound alone, for the least data.
    if (src && (variants.audioOnly || !hls)) {
      options.push(el('option', { value: SOUND_ONLY }, withCost(t('player.sound_only'), variants.audioOnly ? variants.audioOnly.bandwidth : 0)));
    }
    quality.replaceChildren(...options);
    const wanted = soundOnly ? SOUND_ONLY : chosen;
    quality.value = options.some((o) => o.value === wanted) ? wanted : '-1';
    quality.disabled = options.length < 2;
  }
  quality.addEventListener('change', () => {
    const value = quality.value;
    if (value === SOUND_ONLY) {
      if (!soundOnly) reload(true);
      return;
    }
    const index = Number(value);
    if (soundOnly) {
      reload(false, index);
      return;
    }
    if (!hls) return;
    // currentLevel switches now (flushing the buffer); -1 gives the choice back to the bandwidth estimate.
    hls.currentLevel = index;
    if (index < 0) hls.loadLevel = -1;
    fillQuality();
  });

  // ---------- quality cap ----------
  function fillCap() {
    const heights = [...new Set(variants.video.map((level) => level.height).filter(Boolean))].sort((a, b) => b - a);
    const options = [el('option', { value: '0' }, t('player.cap_none'))];
    // The highest rung needs no cap; a remembered cap the film lacks still shows (it applies to rungs below it).
    const caps = new Set(heights.slice(1));
    if (capHeight) caps.add(capHeight);
    [...caps].sort((a, b) => b - a).forEach((height) => options.push(el('option', { value: String(height) }, t('player.cap_up_to', { level: `${height}p` }))));
    cap.replaceChildren(...options);
    cap.value = String(capHeight);
    cap.disabled = options.length < 2 || soundOnly;
    capLabel.hidden = options.length < 2;
  }
  // The cap holds through hls.js's own ABR ceiling; the player-size ceiling it replaces is above it anyway.
  function applyCap() {
    if (!hls || soundOnly || !hls.levels.length) return;
    let ceiling = -1;
    if (capHeight) {
      hls.levels.forEach((level, index) => {
        if (level.height && level.height <= capHeight && (ceiling < 0 || level.height > hls.levels[ceiling].height)) ceiling = index;
      });
      // Every rung above the cap: the lowest one still.
      if (ceiling < 0) ceiling = hls.levels.reduce((low, level, index) => (level.height < hls.levels[low].height ? index : low), 0);
    }
    hls.capLevelToPlayerSize = !capHeight;
    hls.autoLevelCapping = ceiling;
    if (hls.manualLevel >= 0 && ceiling >= 0 && hls.levels[hls.manualLevel].height > hls.levels[ceiling].height) hls.currentLevel = ceiling;
  }
  cap.addEventListener('change', () => {
    capHeight = Number(cap.value) || 0;
    storage(CAP_KEY, capHeight || null);
    applyCap();
    fillQuality();
  });

  // ---------- sound ----------
  // Sound only plays one playlist, which lists no renditions: the master's stay known meanwhile.
  let masterTracks = [];
  let chosenAudio = null;
  function soundTracks() {
    if (!soundOnly) masterTracks = switchableTracks(audioTracksOf(hls, video));
    return masterTracks;
  }
  function chosenSound() {
    if (!soundOnly) return currentAudioTrack(hls, video);
    return chosenAudio ? chosenAudio.index : (masterTracks.find((track) => track.default) || masterTracks[0] || { index: -1 }).index;
  }
  function fillAudio() {
    const tracks = soundTracks();
    const chosen = chosenSound();
    const options = tracks.map((track) => el('option', { value: String(track.index), lang: track.lang || null }, audioTrackLabel(track, tracks)));
    if (!options.length) options.push(el('option', { value: '-1' }, t('player.audio_default')));
    audio.replaceChildren(...options);
    audio.value = String(chosen >= 0 ? chosen : options[0].value);
    audio.disabled = tracks.length < 2;
    audioLabel.hidden = tracks.length < 2;
  }
  let audioDefaulted = false;
  function defaultAudio() {
    const tracks = switchableTracks(audioTracksOf(hls, video));
    if (!tracks.length || audioDefaulted || destroyed) return;
    audioDefaulted = true;
    const remembered = rememberedAudioTrack(tracks);
    if (remembered && remembered.index !== chosenSound()) chooseSound(remembered);
    fillAudio();
  }
  // hls.js (its audio stream controller, video-only rungs) or the browser switches the rendition itself.
  function chooseSound(track) {
    chooseAudioTrack(hls, video, track.index);
    fillAudio();
  }
  audio.addEventListener('change', () => {
    const index = Number(audio.value);
    const track = soundTracks().find((tr) => tr.index === index);
    if (!track) return;
    rememberAudioTrack(track);
    if (soundOnly) {
      // Sound only plays one rendition's playlist: the chosen one's now.
      chosenAudio = track;
      reload(true);
      return;
    }
    chooseSound(track);
  });

  // ---------- subtitles ----------
  function subtitleTracks() {
    if (hls) return hls.subtitleTracks.map((track, index) => ({ index, lang: track.lang || '', name: track.name }));
    return [...video.textTracks]
      .map((track, index) => ({ index, lang: track.language || '', name: track.label, kind: track.kind }))
      .filter((track) => track.kind === 'subtitles' || track.kind === 'captions');
  }
  function currentSubtitle() {
    if (hls) return hls.subtitleDisplay ? hls.subtitleTrack : -1;
    return [...video.textTracks].findIndex((track) => track.mode === 'showing');
  }
  function chooseSubtitle(index) {
    if (hls) {
      hls.subtitleDisplay = index >= 0;
      hls.subtitleTrack = index;
    }
    // hls.js renders cues in the video's own text tracks; show only the chosen one.
    const wanted = index >= 0 ? subtitleTracks().find((track) => track.index === index) : null;
    for (const track of video.textTracks) {
      if (track.kind !== 'subtitles' && track.kind !== 'captions') continue;
      if (hls) {
        if (!wanted) track.mode = 'disabled';
      } else {
        track.mode = [...video.textTracks].indexOf(track) === index ? 'showing' : 'disabled';
      }
    }
  }
  function fillSubtitles() {
    const tracks = subtitleTracks();
    const chosen = currentSubtitle();
    const options = [el('option', { value: '-1' }, t('player.subtitles_off'))];
    for (const track of tracks) {
      const name = track.lang ? languageName(track.lang) : track.name || String(track.index + 1);
      options.push(el('option', { value: String(track.index), lang: track.lang || null }, name));
    }
    subtitles.replaceChildren(...options);
    subtitles.value = String(chosen);
    subtitles.disabled = tracks.length === 0;
  }
  /** The first time tracks are known: the viewer's remembered choice, else their language when the film speaks another. */
  let subtitleDefaulted = false;
  function defaultSubtitle() {
    const tracks = subtitleTracks();
    if (!tracks.length || subtitleDefaulted || destroyed) return;
    subtitleDefaulted = true;
    const remembered = storage('festival.subtitles');
    let wanted = null;
    if (remembered === 'off') wanted = null;
    else if (typeof remembered === 'string') wanted = remembered;
    else if (!spokenLanguages.includes(lang())) wanted = lang();
    const match = wanted ? tracks.find((track) => track.lang.toLowerCase().split('-')[0] === wanted) : null;
    chooseSubtitle(match ? match.index : -1);
    fillSubtitles();
  }
  subtitles.addEventListener('change', () => {
    const index = Number(subtitles.value);
    chooseSubtitle(index);
    const track = subtitleTracks().find((tr) => tr.index === index);
    storage('festival.subtitles', track ? track.lang : 'off');
  });

  // ---------- seek thumbnails ----------
  async function loadStoryboard() {
    if (!storyboard || storyboardCues) return;
    storyboardCues = [];
    try {
      const response = await fetch(storyboard);
      if (!response.ok) return;
      storyboardCues = parseStoryboard(await response.text(), new URL(storyboard, location.href).href);
    } catch {
      storyboardCues = [];
    }
    // The pointer usually moved while the cues were loading: draw its tile now rather than on the next move.
    if (!thumb.hidden && shownAt) showThumb(shownAt.seconds, shownAt.ratio);
  }
  let shownAt = null;
  function showThumb(seconds, ratio) {
    shownAt = { seconds, ratio };
    const label = thumb.firstChild;
    label.textContent = formatTime(seconds);
    const cue = storyboardCues && storyboardCues.find((c) => seconds >= c.start && seconds < c.end);
    // CSSOM, not style attributes: the CSP allows no inline styles.
    if (cue) {
      thumb.style.width = `${cue.w}px`;
      thumb.style.height = `${cue.h}px`;
      thumb.style.backgroundImage = `url("${tokens ? tokens.rewrite(cue.url) : cue.url}")`;
      thumb.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    } else {
      thumb.style.width = '4rem';
      thumb.style.height = '1.5rem';
      thumb.style.backgroundImage = 'none';
    }
    const half = (cue ? cue.w : 64) / 2;
    const width = seek.clientWidth;
    thumb.style.left = `${Math.min(Math.max(ratio * width, half), Math.max(half, width - half))}px`;
    thumb.hidden = false;
  }
  seek.addEventListener('pointermove', (event) => {
    if (!duration) return;
    const box = seek.getBoundingClientRect();
    const ratio = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
    showThumb(ratio * duration, ratio);
  });
  seek.addEventListener('pointerleave', () => {
    if (!dragging) thumb.hidden = true;
  });
  seek.addEventListener('pointerenter', loadStoryboard);
  seek.addEventListener('focus', loadStoryboard);
  seek.addEventListener('input', () => {
    dragging = true;
    const value = Number(seek.value);
    if (duration) showThumb(value, value / duration);
    video.currentTime = value;
    updateTime();
  });
  seek.addEventListener('change', () => {
    dragging = false;
    thumb.hidden = true;
  });
  seek.addEventListener('blur', () => {
    thumb.hidden = true;
  });

  // ---------- playback ----------
  async function togglePlay() {
    if (refused) return;
    if (!src) {
      // A gated film's first play: its media first, then playback starts once loaded.
      resumePlaying = true;
      start();
      return;
    }
    if (video.paused || video.ended) {
      try {
        await video.play();
      } catch (e) {
        if (e.name !== 'AbortError' && e.name !== 'NotAllowedError') showMessage('player.error_media');
      }
    } else {
      video.pause();
    }
  }
  function seekBy(seconds) {
    if (!duration) return;
    video.currentTime = Math.min(Math.max(video.currentTime + seconds, 0), Math.max(duration - 0.5, 0));
  }
  function applySound() {
    video.volume = sound.volume;
    video.muted = sound.muted;
    volume.value = String(sound.muted ? 0 : sound.volume);
    updateMuteButton();
    storage('festival.volume', { volume: sound.volume, muted: sound.muted });
  }
  function toggleMute() {
    sound.muted = !sound.muted;
    applySound();
  }
  function changeVolume(step) {
    sound.muted = false;
    sound.volume = Math.round(Math.min(Math.max(sound.volume + step, 0), 1) * 100) / 100;
    applySound();
  }
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else element.requestFullscreen?.().catch(() => {});
  }

  playButton.addEventListener('click', togglePlay);
  bigPlay.addEventListener('click', () => {
    togglePlay();
    video.focus();
  });
  video.addEventListener('click', togglePlay);
  muteButton.addEventListener('click', toggleMute);
  volume.addEventListener('input', () => {
    sound.muted = false;
    sound.volume = Number(volume.value);
    applySound();
  });
  fullscreenButton.addEventListener('click', toggleFullscreen);
  video.addEventListener('dblclick', toggleFullscreen);
  document.addEventListener('fullscreenchange', updateFullscreenButton);

  element.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const inControl = target instanceof HTMLSelectElement || target instanceof HTMLInputElement;
    const onButton = target instanceof HTMLButtonElement;
    const key = event.key;
    if (clock && ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(key)) return;  // the clock decides
    let handled = true;
    if (key === 'k' || key === 'K') togglePlay();
    else if (key === ' ' && !onButton && !inControl) togglePlay();
    else if (key === 'f' || key === 'F') toggleFullscreen();
    else if (key === 'm' || key === 'M') toggleMute();
    else if (inControl) handled = false;  // selects and sliders keep their own arrow keys
    else if (key === 'ArrowLeft') seekBy(-SEEK_STEP);
    else if (key === 'ArrowRight') seekBy(SEEK_STEP);
    else if (key === 'ArrowUp') changeVolume(VOLUME_STEP);
    else if (key === 'ArrowDown') changeVolume(-VOLUME_STEP);
    else if (key === 'Home') video.currentTime = 0;
    else if (key === 'End' && duration) video.currentTime = Math.max(duration - 1, 0);
    else handled = false;
    if (handled) event.preventDefault();
  });

  // ---------- resume ----------
  let lastSaved = 0;
  function savePosition(force = false) {
    if (!duration || clock) return;
    const now = Date.now();
    if (!force && now - lastSaved < RESUME_SAVE_MS) return;
    lastSaved = now;
    const position = video.currentTime;
    // Near the start or the end there is nothing to resume.
    if (position < 5 || position > duration - 10) storage(resumeKey, null);
    else storage(resumeKey, { position, duration, src, saved_at: new Date().toISOString() });
  }
  let resumed = false;
  function resume() {
    if (nativeSeek > 0) {
      video.currentTime = nativeSeek;
      nativeSeek = 0;
    }
    if (resumed || clock) return;  // once per player: a reloaded stream goes on where it was
    resumed = true;
    const saved = storage(resumeKey);
    if (!saved || !(saved.position > 0) || saved.position > duration - 5) return;
    video.currentTime = saved.position;
    hint.textContent = `${t('player.resume', { time: formatTime(saved.position) })} ${t('player.keys')}`;
  }

  // ---------- video events ----------
  video.addEventListener('play', () => {
    bigPlay.hidden = true;
    updatePlayButton();
  });
  video.addEventListener('pause', () => {
    updatePlayButton();
    savePosition(true);
  });
  video.addEventListener('playing', () => {
    hideMessage();
    audience?.onPlaying();
  });
  video.addEventListener('seeking', () => audience?.onSeeking());
  video.addEventListener('timeupdate', () => {
    audience?.onTimeUpdate();
    updateTime();
    savePosition();
  });
  video.addEventListener('durationchange', () => {
    duration = Number.isFinite(video.duration) ? video.duration : 0;
    seek.max = String(duration);
    updateTime();
    fillQuality();  // the data costs are for the film's length
  });
  video.addEventListener('loadedmetadata', () => {
    resume();
    loadStoryboard();
  });
  video.addEventListener('ended', () => {
    storage(resumeKey, null);
    audience?.end();
    updatePlayButton();
  });
  video.addEventListener('volumechange', () => {
    if (video.muted === sound.muted && video.volume === sound.volume) return;
    sound.muted = video.muted;
    sound.volume = video.volume;
    applySound();
  });
  video.addEventListener('error', () => {
    if (hls) return;  // hls.js reports its own errors
    showMessage(video.error && video.error.code === 2 ? 'player.error_network' : 'player.error_media', true);
  });
  // Native HLS adds its subtitle tracks one by one: choose once they have all arrived, list every one.
  let tracksSettling = null;
  video.textTracks.addEventListener?.('addtrack', () => {
    if (hls) return;
    clearTimeout(tracksSettling);
    tracksSettling = setTimeout(() => {
      defaultSubtitle();
      fillSubtitles();
    }, 150);
  });

  // Native HLS lists its sound renditions as the video's audio tracks, where the browser has them.
  video.audioTracks?.addEventListener?.('addtrack', () => {
    if (hls) return;
    setTimeout(() => {
      defaultAudio();
      fillAudio();
    }, 150);
  });

  const onPageHide = () => {
    savePosition(true);
    audience?.end();
  };
  window.addEventListener('pagehide', onPageHide);

  const savedVolume = storage('festival.volume');
  if (savedVolume && typeof savedVolume.volume === 'number') {
    sound.volume = Math.min(Math.max(savedVolume.volume, 0), 1);
    sound.muted = Boolean(savedVolume.muted);
    applySound();
  }

  // ---------- loading ----------
  function onHlsError(Hls, data) {
    if (!data.fatal) return;
    const status = data.response && data.response.code;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recoveredMedia) {
      recoveredMedia = true;  // one decoder hiccup may be recovered from; a second is reported
      hls.recoverMediaError();
      return;
    }
    if (status === 403 && report) explainForbidden();
    else if (status === 403 || status === 404 || status === 401) showMessage('player.error_forbidden', true);
    else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) showMessage('player.error_network', true);
    else showMessage('player.error_media', true);
    hls.destroy();
    hls = null;
  }

  // ---------- gated films ----------
  const datesKey = `festival.pass_dates.${filmId}`;
  if (gated) passDates = storage(datesKey);
  /** A gated film's media, asked for with the viewer pass (the first time counts a view). */
  function ensureMedia() {
    if (src) return Promise.resolve(true);
    if (!gated || refused) return Promise.resolve(false);
    accessing ??= requestAccess(filmKey, filmId)
      .then((answer) => {
        const media = answer && answer.media;
        if (!media || !media.master) throw new Error('no media');
        passDates = answer.pass || null;
        storage(datesKey, passDates);
        src = media.master;
        storyboard = media.storyboard || null;
        if (media.poster) video.poster = media.poster;
        tokens?.learn(src);
        updateNote();
        return true;
      })
      .catch((e) => {
        const refusal = refusalOf(e);
        if (refusal) refuse(refusal);
        else showMessage('player.error_network', true);
        return false;
      })
      .finally(() => {
        accessing = null;
      });
    return accessing;
  }

  // A media request refused: the rights may say why (the media route answers 403 rights_country too).
  async function explainForbidden() {
    showMessage('player.error_forbidden', true);
    try {
      if (gated) {
        await requestAccess(filmKey, filmId);
      } else {
        const film = await api(`/api/films/${encodeURIComponent(filmKey)}`);
        if (film && film.access && film.access.refusal) refuse(film.access.refusal);
      }
    } catch (e) {
      const refusal = refusalOf(e);
      if (refusal) refuse(refusal);
    }
  }

  // ---------- loading ----------
  let nextLevel = -1;  // the rung chosen while sound only played, for the stream that replaces it
  let nativeSeek = 0;  // native HLS: where the reloaded stream goes on
  function soundOnlyUrl() {
    let url = chosenAudio && chosenAudio.url ? chosenAudio.url : variants.audioOnly && variants.audioOnly.url;
    if (!url) url = new URL('audio/original/index.m3u8', new URL(src, location.href)).href;
    return tokens ? tokens.rewrite(url) : url;
  }
  /** Sound only and back: the other playlist from the same position, playing if it played. */
  function reload(toSoundOnly, level = -1) {
    resumePlaying = !video.paused;
    if (toSoundOnly && !soundOnly) chosenAudio = soundTracks().find((track) => track.index === chosenSound()) || null;
    if (!toSoundOnly) chosenAudio = null;
    soundOnly = toSoundOnly;
    nextLevel = level;
    audioDefaulted = false;
    element.classList.toggle('player-sound-only', soundOnly);
    fillCap();
    start();
  }

  async function start() {
    if (destroyed || refused) return;
    if (!src && !(await ensureMedia())) return;
    const resumeAt = clock ? clock() : video.currentTime;
    const url = soundOnly ? soundOnlyUrl() : src;
    if (hasMediaSource()) {
      let Hls;
      try {
        Hls = await loadHls();
      } catch {
        showMessage('player.error_network', true);
        return;
      }
      if (destroyed) return;
      if (!Hls.isSupported()) {
        showMessage('player.error_unsupported');
        return;
      }
      hls?.destroy();
      hls = new Hls({
        capLevelToPlayerSize: true,  // no 1080p into a phone-sized player
        subtitleDisplay: false,
        renderTextTracksNatively: true,
        startPosition: resumeAt > 0 ? resumeAt : -1,
        ...hlsTuning({ saveData, capHeight }),
        ...(nextLevel >= 0 ? { startLevel: nextLevel } : {}),
        ...(tokens ? tokens.hlsConfig(Hls) : {}),
      });
      // The audio-only variant is in the master as parsed, not among hls.js's levels.
      hls.on(Hls.Events.MANIFEST_LOADED, (event, data) => {
        if (!soundOnly) variants.audioOnly = variantsOf(data.levels).audioOnly;
      });
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        if (!soundOnly) variants.video = variantsOf(hls.levels).video;
        applyCap();
        if (nextLevel >= 0) hls.currentLevel = nextLevel;
        nextLevel = -1;
        fillQuality();
        fillCap();
        if (resumePlaying) {
          resumePlaying = false;
          video.play().catch(() => {});
        }
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, fillQuality);
      hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, () => setTimeout(defaultAudio, 0));
      hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, fillAudio);
      // hls.js picks its own default track while it parses; ours is applied just after.
      hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => setTimeout(defaultSubtitle, 0));
      hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, fillSubtitles);
      hls.on(Hls.Events.ERROR, (event, data) => onHlsError(Hls, data));
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      nativeSeek = resumeAt;
      video.src = url;  // Safari on iOS before Managed Media Source: the browser plays HLS itself
      video.load();
      fillQuality();
      if (resumePlaying) {
        resumePlaying = false;
        video.play().catch(() => {});
      }
    } else {
      showMessage('player.error_unsupported');
    }
  }

  updateTexts();
  // A gated film asks for its media on the first play, or now when this browser's pass already has it.
  if (src || (gated && storedPass(filmId))) start();

  return {
    element,
    video,
    updateTexts,
    /** For tests and the page: the hls.js instance (null with native HLS). */
    get hls() {
      return hls;
    },
    /** For tests: the newest media tokens this player knows (null for previews). */
    get mediaTokens() {
      return tokens;
    },
    destroy() {
      destroyed = true;
      savePosition(true);
      audience?.end();
      window.removeEventListener('pagehide', onPageHide);
      document.removeEventListener('fullscreenchange', updateFullscreenButton);
      hls?.destroy();
      hls = null;
      video.removeAttribute('src');
      video.load();
    },
  };
}
