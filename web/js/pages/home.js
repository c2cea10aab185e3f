// Home: the festival's name, dates and welcome; once it has closed, the closing message and its final
// audience figures; then the films screening now.
import { api } from '/js/api.js';
import { filmCard } from '/js/film-card.js';
import { formatDate, formatNumber, pagePath, pick, pickLang, t } from '/js/i18n.js';
import { el, festivalInfo, startPage } from '/js/layout.js';

function stateLine(festival) {
  const start = formatDate(festival.starts_on);
  const end = formatDate(festival.ends_on);
  if (festival.state === 'upcoming' && festival.starts_on) return t('home.upcoming', { start });
  if (festival.state === 'closed' && festival.ends_on) return t('home.closed', { end });
  if (festival.state === 'open' && festival.ends_on) return t('home.open', { end });
  return '';
}

function totals(festival) {
  const figures = festival.totals || {};
  const item = (value, key, options) =>
    el('li', {}, el('span', { class: 'figure' }, formatNumber(Number(value) || 0, options)), el('span', {}, t(key)));
  return el(
    'section',
    { 'aria-labelledby': 'totals-title' },
    el('h2', { id: 'totals-title' }, t('home.totals_title')),
    el(
      'ul',
      { class: 'totals' },
      item(figures.views, 'home.totals_views'),
      item(figures.unique_viewers, 'home.totals_viewers'),
      item(figures.watch_hours, 'home.totals_hours', { maximumFractionDigits: 0 }),
    ),
  );
}

async function render(main) {
  const festival = (await festivalInfo()) || { name: t('layout.festival'), texts: {} };
  const closed = festival.state === 'closed';
  const message = pick(festival.texts, closed ? 'closing' : 'welcome');
  const hero = el(
    'section',
    { class: 'hero', 'aria-labelledby': 'festival-name' },
    el('h1', { id: 'festival-name' }, festival.name),
    festival.starts_on && festival.ends_on
      ? el('p', { class: 'dates' }, t('home.dates', { start: formatDate(festival.starts_on), end: formatDate(festival.ends_on) }))
      : null,
    message ? el('p', { class: 'welcome', lang: pickLang(festival.texts, closed ? 'closing' : 'welcome') }, message) : null,
    el('p', {}, stateLine(festival)),
    closed ? null : el('p', {}, el('a', { class: 'button', href: pagePath('catalog') }, t('home.browse'))),
  );
  const parts = [hero];
  if (closed) parts.push(totals(festival));
  else {
    const films = await api('/api/films?screening=now&per_page=8').catch(() => ({ items: [] }));
    if (films.items.length) {
      parts.push(
        el(
          'section',
          { 'aria-labelledby': 'now-title' },
          el('h2', { id: 'now-title' }, t('home.now_screening')),
          el('ul', { class: 'film-grid' }, films.items.map(filmCard)),
        ),
      );
    }
  }
  main.replaceChildren(...parts);
}

startPage({ page: 'home', title: null, render });
