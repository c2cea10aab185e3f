// A film's page (/{lang}/films/{slug}): poster, title and synopsis in the viewer's language, details and
// credits, the player while it screens ("not yet screening" / "screening ended" with the dates
// otherwise), its premieres, and the viewers' ratings and comments (the feedback widget, when the
// festival has it).
import { api, ApiError, getSession } from '/js/api.js';
import { filmCalendarLink } from '/js/film-calendar.js';
import { posterElement, posterOf } from '/js/film-card.js';
import { countryName, formatDate, languageName, pagePath, pick, pickLang, t } from '/js/i18n.js';
import { el, startPage } from '/js/layout.js';
import { premiereListing } from '/js/premiere-listing.js';

const slug = decodeURIComponent(location.pathname.replace(/^\/(?:[a-z]{2}\/)?films\//, '').replace(/\/$/, ''));
let film = null;
let player = null;
let playerBox = null;

function fact(key, value) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return [];
  return [el('dt', {}, t(key)), el('dd', {}, Array.isArray(value) ? value.join(', ') : String(value))];
}

function credits(film) {
  const entries = Object.entries(film.credits || {});
  if (!entries.length) return null;
  const rows = entries.flatMap(([role, who]) => {
    const key = `credit.${role}`;
    const label = t(key) === key ? role : t(key);
    return [el('dt', {}, label), el('dd', {}, Array.isArray(who) ? who.join(', ') : String(who))];
  });
  return el('section', { 'aria-labelledby': 'credits-title' }, el('h2', { id: 'credits-title' }, t('film.credits')), el('dl', { class: 'film-facts' }, rows));
}

function screeningNotice(film) {
  const from = formatDate(film.available_from);
  const until = formatDate(film.available_until);
  if (film.screening === 'upcoming') return el('p', { class: 'notice screening-notice', id: 'screening-state' }, t('film.not_yet', { from, until: until || '…' }));
  if (film.screening === 'ended') return el('p', { class: 'notice screening-notice', id: 'screening-state' }, t('film.ended', { from: from || '…', until }));
  return null;
}

/**
 * Which playlist this visitor may play: the public one while screening (a gated film's through the
 * viewer pass, on the first play; none where the rights refuse this viewer, who is told why), the
 * preview for the festival team.
 */
async function playableSource(film) {
  const access = film.access || {};
  if (film.published && film.screening === 'now') {
    if (access.refusal) return { src: null, report: true, refusal: access.refusal };
    if (access.required) return { src: null, report: true, gated: true };
  }
  if (!film.media) return null;
  if (film.published && film.screening === 'now') return { src: film.media.master, report: true };
  const session = await getSession();
  if (session && film.media.preview) return { src: film.media.preview, report: false };
  return null;
}

async function playerSection(film) {
  const source = await playableSource(film);
  const title = pick(film.texts, 'title') || film.original_title;
  if (!source) {
    if (film.screening === 'now' && !film.media) return el('p', { class: 'notice screening-notice' }, t('film.no_media'));
    return null;
  }
  if (player) {
    // The same player after a language switch: playback goes on, its labels follow the language.
    player.updateTexts();
    playerBox.setAttribute('aria-label', t('player.label', { title }));
    return playerBox;
  }
  const { createPlayer } = await import('/js/player.js');
  playerBox = el('section', { class: 'player-section', 'aria-label': t('player.label', { title }) });
  const media = film.media || {};
  player = createPlayer(playerBox, {
    filmKey: film.slug,
    filmId: film.id,
    src: source.src,
    poster: source.report ? media.poster : null,
    storyboard: source.report ? media.storyboard : null,
    title,
    spokenLanguages: film.spoken_languages || [],
    report: source.report,
    gated: Boolean(source.gated),
    refusal: source.refusal || null,
  });
  // For the browser tests and anyone debugging: the live player.
  window.festivalPlayer = player;
  return playerBox;
}

// Mounted again after a language switch, so the widget speaks the new language too.
async function feedbackSection(film) {
  const section = el('section', { id: 'feedback', 'aria-labelledby': 'feedback-title' }, el('h2', { id: 'feedback-title' }, t('film.feedback')));
  try {
    const widget = await import('/js/feedback-widget.js');
    const box = el('div', { class: 'feedback-box' });
    section.append(box);
    await widget.mountFeedback(box, film, t);
  } catch {
    return null;  // no feedback widget on this server yet: the page goes without it
  }
  return section;
}

async function render(main) {
  if (!film) {
    try {
      film = await api(`/api/films/${encodeURIComponent(slug)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        document.title = t('film.not_found');
        main.replaceChildren(
          el('h1', {}, t('film.not_found')),
          el('p', {}, el('a', { href: pagePath('catalog') }, t('film.back'))),
        );
        return;
      }
      throw e;
    }
  }
  const title = pick(film.texts, 'title') || film.original_title;
  const synopsis = pick(film.texts, 'synopsis');
  document.title = `${title} — ${document.title.split(' — ').pop()}`;
  const facts = [
    ...fact('film.directors', film.directors),
    ...fact('film.year', film.year),
    ...fact('film.runtime', film.runtime_minutes ? t('common.minutes', { n: film.runtime_minutes }) : null),
    ...fact('film.category', t(`category.${film.category}`)),
    ...fact('film.countries', (film.countries || []).map(countryName)),
    ...fact('film.languages', (film.spoken_languages || []).map(languageName)),
    ...fact('film.subtitles', (film.subtitle_languages || []).map(languageName)),
    ...fact('film.themes', (film.themes || []).map((theme) => (t(`theme.${theme}`) === `theme.${theme}` ? theme : t(`theme.${theme}`)))),
  ];
  const until = film.screening === 'now' && film.available_until ? el('p', { class: 'muted' }, t('film.window', { until: formatDate(film.available_until) })) : null;
  const [playerPart, feedbackPart] = await Promise.all([playerSection(film), feedbackSection(film)]);
  const premieres = premiereListing(film, film.now);
  const parts = [
    el('p', {}, el('a', { href: pagePath('catalog') }, `← ${t('film.back')}`)),
    el('h1', { lang: pickLang(film.texts, 'title') }, title),
    title !== film.original_title
      ? el('p', { class: 'muted' }, `${t('film.original_title')} `, el('span', { lang: film.spoken_languages?.[0] || null }, film.original_title))
      : null,
    screeningNotice(film),
    premieres?.element,
    playerPart,
    until,
    // After the player and its dates: the player stays where it was, in view.
    filmCalendarLink(film),
    el(
      'div',
      { class: 'film-layout' },
      // Beside a player, a frame of the film would only repeat the video's own poster.
      playerPart && playerPart.classList?.contains('player-section') && !posterOf(film)?.portrait
        ? null
        : el('div', {}, posterElement(film, 'film-poster')),
      el(
        'div',
        {},
        el('section', { 'aria-labelledby': 'synopsis-title' }, el('h2', { id: 'synopsis-title' }, t('film.synopsis')), el('p', { class: 'synopsis', lang: pickLang(film.texts, 'synopsis') }, synopsis)),
        el('section', { 'aria-labelledby': 'details-title' }, el('h2', { id: 'details-title' }, t('film.details')), el('dl', { class: 'film-facts' }, facts)),
        credits(film),
      ),
    ),
    feedbackPart,
  ];
  main.replaceChildren(...parts.filter(Boolean));
  return () => premieres?.stop();
}

startPage({ page: 'film', title: 'film.title', render });
