// The embed page (/embed/{film}): the festival's player alone, inside a frame on a site the film's
// curators allow. Above it, the film's title links to its page at the festival (a new tab); the poster
// shows before play; refusals (rights, a screening window not open) are told in the player. The play
// start carries the embedding page's origin as "site", which the server keeps only for allowed sites.
// The language is the server's choice (?lang=, else Accept-Language), written in <html lang>.
import { api, ApiError } from '/js/api.js';
import { formatDate, initI18n, lang, pick, pickLang, t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { createPlayer } from '/js/player.js';

const slug = decodeURIComponent(location.pathname.replace(/^\/embed\//, '').replace(/\/$/, ''));

function chosenLanguage() {
  return new URLSearchParams(location.search).get('lang') || document.documentElement.lang;
}

/**
 * The origin of the page that frames this one: location.ancestorOrigins (Chromium, Safari), else the
 * referrer's origin (Firefox; the snippet asks for it with its referrerpolicy). "" when not framed.
 */
function embeddingSite() {
  if (window.parent === window) return '';
  let site = '';
  try {
    if (location.ancestorOrigins && location.ancestorOrigins.length) site = location.ancestorOrigins[0];
    else if (document.referrer) site = new URL(document.referrer).origin;
  } catch {
    site = '';
  }
  return site && site !== 'null' && site !== location.origin ? site : '';
}

// What this anonymous viewer may play, as the film page decides it: the player shows any refusal.
function playback(film) {
  const access = film.access || {};
  if (film.screening === 'upcoming' || film.screening === 'ended') {
    const from = formatDate(film.available_from) || '…';
    const until = formatDate(film.available_until) || '…';
    const message = t(film.screening === 'upcoming' ? 'film.not_yet' : 'film.ended', { from, until });
    return { src: null, refusal: { code: `screening_${film.screening}`, message } };
  }
  if (access.refusal) return { src: null, refusal: access.refusal };
  if (access.required) return { src: null, gated: true };
  if (film.media && film.media.master) return { src: film.media.master };
  return null;
}

function titleBar(film, title, festival) {
  const name = (festival && festival.name) || t('layout.festival');
  return el('div', { class: 'embed-bar' },
    el('h1', { class: 'embed-title', lang: pickLang(film.texts, 'title') },
      el('a', { href: `/${lang()}/films/${encodeURIComponent(film.slug)}`, target: '_blank', rel: 'noopener' },
        title, el('span', { class: 'visually-hidden' }, ` ${t('embed.new_tab')}`))),
    el('p', { class: 'embed-festival' }, name));
}

async function render(main) {
  let film;
  try {
    film = await api(`/api/films/${encodeURIComponent(slug)}`);
  } catch (e) {
    const key = e instanceof ApiError && e.status === 404 ? 'film.not_found' : null;
    main.replaceChildren(el('p', { class: 'embed-notice', role: 'alert' }, key ? t(key) : t('common.load_error', { message: e.message })));
    return;
  }
  const festival = await api('/api/festival').catch(() => null);
  const title = pick(film.texts, 'title') || film.original_title;
  document.title = `${title} — ${(festival && festival.name) || t('layout.festival')}`;
  const source = playback(film);
  const box = el('section', { class: 'embed-player player-section', 'aria-label': t('player.label', { title }) });
  main.replaceChildren(titleBar(film, title, festival), box);
  if (!source) {
    box.append(el('p', { class: 'embed-notice' }, t('film.no_media')));
    return;
  }
  const site = embeddingSite();
  // For the browser tests and anyone debugging: the live player.
  window.festivalPlayer = createPlayer(box, {
    filmKey: film.slug,
    filmId: film.id,
    src: source.src,
    poster: film.media ? film.media.poster : null,
    storyboard: film.media ? film.media.storyboard : null,
    title,
    spokenLanguages: film.spoken_languages || [],
    gated: Boolean(source.gated),
    refusal: source.refusal || null,
    startFields: site ? { site } : {},
  });
}

const main = document.getElementById('main');
await initI18n(chosenLanguage());
try {
  await render(main);
} catch (e) {
  main.replaceChildren(el('p', { class: 'embed-notice', role: 'alert' }, t('common.load_error', { message: e.message })));
}
main.removeAttribute('aria-busy');
