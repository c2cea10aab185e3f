// One film in a grid (catalog, home): poster, title in the viewer's language, category, year, runtime,
// and its screening dates. Everything from the catalog is set as text, never parsed as HTML.
import { el } from '/js/layout.js';
import { formatDate, pagePath, pick, pickLang, t } from '/js/i18n.js';

/** The poster for a film, or null: one a curator set (a real poster, portrait), else a frame of the film. */
export function posterOf(film) {
  if (typeof film.poster === 'string' && film.poster.startsWith('/')) return { url: film.poster, portrait: true };
  if (film.media && film.media.poster) return { url: film.media.poster, portrait: false };
  return null;
}

/** Poster image, or a drawn placeholder with the title when there is none or it fails to load. */
export function posterElement(film, className) {
  const title = pick(film.texts, 'title') || film.original_title;
  const fallback = () => el('div', { class: `${className}-fallback poster-fallback`, 'aria-hidden': 'true' }, title);
  const poster = posterOf(film);
  if (!poster) return fallback();
  // The title is next to the poster, so the image itself is decorative for screen readers.
  const img = el('img', {
    class: `${className}${poster.portrait ? ' portrait' : ''}`, src: poster.url, alt: '', loading: 'lazy', decoding: 'async',
    width: poster.portrait ? 400 : 640, height: poster.portrait ? 600 : 360,
  });
  img.addEventListener('error', () => img.replaceWith(fallback()), { once: true });
  return img;
}

export function screeningLine(film) {
  if (film.screening === 'upcoming' && film.available_from)
    return t('catalog.from', { date: formatDate(film.available_from, { dateStyle: 'medium' }) });
  if (film.screening === 'now' && film.available_until)
    return t('catalog.until', { date: formatDate(film.available_until, { dateStyle: 'medium' }) });
  return '';
}

export function filmCard(film) {
  const title = pick(film.texts, 'title') || film.original_title;
  const facts = [t(`category.${film.category}`), film.year, film.runtime_minutes ? t('common.minutes', { n: film.runtime_minutes }) : null]
    .filter(Boolean)
    .join(' · ');
  const state = film.screening && film.screening !== 'now' ? t(`screening.${film.screening}`) : null;
  const when = screeningLine(film);
  return el(
    'li',
    { 'data-slug': film.slug },
    el(
      'article',
      { class: 'film-card' },
      posterElement(film, 'poster'),
      el(
        'div',
        { class: 'body' },
        el('h3', { lang: pickLang(film.texts, 'title') }, el('a', { href: pagePath(`films/${encodeURIComponent(film.slug)}`) }, title)),
        el('p', { class: 'meta' }, facts),
        film.directors && film.directors.length ? el('p', { class: 'meta' }, film.directors.join(', ')) : null,
        state ? el('p', { class: 'meta' }, el('span', { class: `tag tag-${film.screening}` }, state)) : null,
        when ? el('p', { class: 'meta' }, when) : null,
      ),
    ),
  );
}
