// A premiere's page (/{lang}/premieres/N): the film everyone watches at one time and its room. Before
// the start a countdown; during the screening the player follows the screening clock (late-comers start
// at the current position, a player that drifts more than 2 s is put back, nobody runs ahead); after it
// the questions to the director come first, and the film page for watching on demand. The room (chat,
// questions, moderation) is beside it throughout. A guest moderator's link carries its token in the
// address's fragment (#moderator=…): it is kept for this tab and taken off the address bar at once.
import { api, ApiError } from '/js/api.js';
import { lang, pagePath, pick, pickLang, t } from '/js/i18n.js';
import { el, startPage } from '/js/layout.js';
import { CHECK_INTERVAL_MS, driftCorrection, positionOnPlay, ScreeningClock, seekedAhead } from '/js/premiere-clock.js';
import { countdownText, premiereCalendarUrl, premiereStartWithZone } from '/js/premiere-times.js';
import { RoomClient } from '/js/room-client.js';
import { RoomView, storedName } from '/js/room-view.js';

const premiereId = /\/premieres\/([^/]+)\/?$/.exec(location.pathname)?.[1] || new URLSearchParams(location.search).get('id') || '';
const moderatorToken = takeModeratorToken();

let premiere = null;
let film = null;
let clock = null;
let room = null;  // {client, view}
let shownPhase = null;
let player = null;
let playerBox = null;
let timer = null;
const stage = el('div', { class: 'premiere-stage' });
// A lag the first frames may have before the player jumps it (see showPlayer).
const START_LAG_SECONDS = 0.5;
const countdown = el('p', { class: 'premiere-countdown-big' });

function takeModeratorToken() {
  const key = `festival.moderator.${premiereId}`;
  const found = /(?:^#|&)moderator=([^&]+)/.exec(location.hash);
  if (found) {
    const token = decodeURIComponent(found[1]);
    try {
      sessionStorage.setItem(key, token);
    } catch {
      // storage blocked: the token serves this page only
    }
    // Out of the address bar (and so out of history, bookmarks and screenshots of the page).
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    return token;
  }
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function filmKeyOf(p) {
  const f = p.film;
  if (f && typeof f === 'object') return f.slug || f.id;
  return f ?? p.film_slug ?? p.film_id;
}

function filmTitle() {
  return film ? pick(film.texts, 'title') || film.original_title : '';
}

/** Which playlist the screening plays: as on the film page, the public one (a gated film's by its pass). */
function playableSource() {
  const access = film.access || {};
  if (access.refusal) return { src: null, refusal: access.refusal };
  if (access.required) return { src: null, gated: true };
  if (film.media && film.media.master) return { src: film.media.master };
  return null;
}

// ---------- the stage: countdown, player, after the film ----------
async function showPlayer() {
  if (player) {
    stage.replaceChildren(el('p', { class: 'premiere-live muted' }, t('premiere.live_note')), playerBox);
    return;
  }
  const source = playableSource();
  if (!source) {
    stage.replaceChildren(el('p', { class: 'notice' }, t('premiere.no_media')));
    return;
  }
  const { createPlayer } = await import('/js/player.js');
  if (player || clock.phase() !== 'screening') return;
  playerBox = el('section', { class: 'player-section', 'aria-label': t('player.label', { title: filmTitle() }) });
  const media = film.media || {};
  player = createPlayer(playerBox, {
    filmKey: film.slug,
    filmId: film.id,
    src: source.src,
    poster: media.poster || null,
    storyboard: null,
    title: filmTitle(),
    spokenLanguages: film.spoken_languages || [],
    gated: Boolean(source.gated),
    refusal: source.refusal || null,
    clock: () => clock.position(),
    autoplay: true,
  });
  window.festivalPlayer = player;  // for the browser tests
  const video = player.video;
  // Loading took a moment, so the first frames come a little behind the clock: once they play, the
  // player jumps the lag (within what it has buffered, at once) rather than catching up slowly. Once
  // per start, so that a slow seek cannot chase itself.
  let settling = true;
  // Playing again after a pause (or a first play the browser held back) starts at the clock.
  video.addEventListener('play', () => {
    settling = true;
    const to = positionOnPlay({ current: video.currentTime, expected: clock.position() });
    if (to !== null) video.currentTime = to;
  });
  video.addEventListener('playing', () => {
    if (!settling) return;
    settling = false;
    const to = positionOnPlay({ current: video.currentTime, expected: clock.position(), limit: START_LAG_SECONDS });
    if (to !== null) video.currentTime = to;
  });
  // Nobody runs ahead of the screening.
  video.addEventListener('seeking', () => {
    const expected = clock.position();
    if (seekedAhead({ current: video.currentTime, expected })) video.currentTime = expected;
  });
  stage.replaceChildren(el('p', { class: 'premiere-live muted' }, t('premiere.live_note')), playerBox);
}

function stopPlayer() {
  player?.destroy();
  player = null;
  playerBox = null;
  if (window.festivalPlayer) window.festivalPlayer = null;
}

function keepOnClock() {
  if (!player || clock.phase() !== 'screening') return;
  const video = player.video;
  if (video.readyState < 1) return;  // nothing loaded yet: the stream starts at the clock anyway
  const correction = driftCorrection({ current: video.currentTime, expected: clock.position(), paused: video.paused, rate: video.playbackRate });
  if (correction && correction.seek !== undefined) {
    video.playbackRate = 1;
    video.currentTime = correction.seek;
  } else if (correction) {
    video.playbackRate = correction.rate;
  }
}

function afterFilm() {
  const parts = [el('p', { class: 'notice' }, t(clock.phase() === 'ended' ? 'premiere.room_ended' : 'premiere.after_film'))];
  if (film && film.screening === 'now') {
    parts.push(el('p', {}, el('a', { class: 'button-secondary', href: pagePath(`films/${encodeURIComponent(film.slug)}`) }, t('premiere.on_demand'))));
  }
  return parts;
}

function drawStage() {
  const phase = clock.phase();
  if (phase === shownPhase && phase !== 'screening') return;
  const changed = phase !== shownPhase;
  shownPhase = phase;
  room?.view.setAfterFilm(phase === 'questions' || phase === 'ended');
  if (phase === 'scheduled') {
    stopPlayer();
    stage.replaceChildren(el('div', { class: 'premiere-waiting card' }, el('p', {}, t('premiere.starts_in')), countdown));
  } else if (phase === 'screening') {
    if (changed) showPlayer();
  } else {
    stopPlayer();
    stage.replaceChildren(...afterFilm());
  }
}

function tick() {
  if (!clock) return;
  drawStage();
  if (clock.phase() === 'scheduled') countdown.textContent = countdownText(clock.untilStartMs());
  keepOnClock();
}

// ---------- the room ----------
function startRoom() {
  let view = null;
  const client = new RoomClient(premiereId, {
    hello: () => ({ name: (view && view.name()) || storedName() || undefined, moderator: moderatorToken || undefined, language: lang() }),
    onMessage: (message) => {
      if (message.type === 'welcome') {
        if (message.premiere) clock.update({ ...message.premiere, now: message.now });
        else if (message.now) clock.sync(message.now);
      } else if (message.type === 'clock') {
        clock.onClock(message);
      }
      view.receive(message);
      tick();
    },
    onState: (state) => view?.setConnection(state),
  });
  view = new RoomView({ send: (message) => client.send(message) });
  room = { client, view };
  client.start();
  // For the browser tests: how the room is reached ("websocket" or "events").
  window.festivalRoom = client;
}

// ---------- the page ----------
async function load(main) {
  try {
    premiere = await api(`/api/premieres/${encodeURIComponent(premiereId)}`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
      main.replaceChildren(el('h1', {}, t('premiere.not_found')), el('p', {}, el('a', { href: pagePath('catalog') }, t('film.back'))));
      return false;
    }
    throw e;
  }
  clock = new ScreeningClock(premiere);
  film = await api(`/api/films/${encodeURIComponent(filmKeyOf(premiere))}`);
  startRoom();
  timer = setInterval(tick, CHECK_INTERVAL_MS);
  return true;
}

async function render(main) {
  if (!premiere && !(await load(main))) return;
  const title = filmTitle();
  document.title = `${t('premiere.title_of', { title })} — ${document.title.split(' — ').pop()}`;
  room.view.updateTexts();
  player?.updateTexts();
  playerBox?.setAttribute('aria-label', t('player.label', { title }));
  shownPhase = null;  // the stage's texts again in the new language (a playing player is kept)
  drawStage();
  tick();
  main.replaceChildren(
    el('p', {}, el('a', { href: pagePath(`films/${encodeURIComponent(film.slug)}`) }, `← ${title}`)),
    el('h1', {}, el('span', { class: 'premiere-kicker' }, t('premiere.kicker')), ' ', el('span', { lang: film.texts ? pickLang(film.texts, 'title') : null }, title)),
    el('p', { class: 'premiere-when' }, el('time', { datetime: String(premiere.starts_at) }, premiereStartWithZone(premiere.starts_at)), ' · ',
      el('a', { href: premiereCalendarUrl(premiere.id ?? premiereId), download: `premiere-${premiere.id ?? premiereId}.ics` }, t('premiere.add_to_calendar'))),
    premiere.note ? el('p', { class: 'premiere-note' }, premiere.note) : null,
    el('div', { class: 'premiere-layout' }, stage, room.view.element),
  );
}

window.addEventListener('pagehide', () => {
  clearInterval(timer);
  room?.client.stop();
});

startPage({ page: 'premiere', title: 'premiere.title', render });
