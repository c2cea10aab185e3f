// The festival's reach on the statistics page: how many people watched over the whole run (HyperLogLog
// estimates of distinct viewer tokens that earned a view, for the festival and per film, beside the
// range's viewer-film-days, which stay as they are), and plays per embedding site in the range.
// Definitions: docs/statistics.md, "People over the whole run" and "Sites".
import { formatNumber, t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { scrollingTable } from '/js/organizer-table.js';

const hoursOptions = { maximumFractionDigits: 2 };

function filmName(films, id) {
  const film = films.find((f) => f.film_id === id);
  return film ? film.title || film.slug || `#${id}` : `#${id}`;
}

function wholeRunCard(stats) {
  const run = stats.whole_run || { unique_viewers: 0, relative_error: 0, films: [] };
  const error = formatNumber(run.relative_error, { style: 'percent', maximumFractionDigits: 1 });
  const people = new Map(run.films.map((f) => [f.id, f.unique_viewers]));
  const rows = stats.films.map((f) => el('tr', { 'data-film': f.film_id },
    el('th', { scope: 'row' }, f.title || f.slug || `#${f.film_id}`),
    el('td', {}, formatNumber(f.unique_viewers)),
    el('td', { class: 'whole-run-people' }, people.get(f.film_id) ? `~${formatNumber(people.get(f.film_id))}` : '0')));
  return el('section', { class: 'card', 'aria-labelledby': 'whole-run-title' },
    el('h2', { id: 'whole-run-title' }, t('whole_run.title')),
    el('p', { class: 'stats-whole-run', id: 'whole-run-festival' },
      t('whole_run.festival', { count: formatNumber(run.unique_viewers), error })),
    el('p', { class: 'muted' }, t('whole_run.hint', { error })),
    rows.length
      ? scrollingTable(t('whole_run.per_film'), el('table', { class: 'stats-table', id: 'whole-run-films' },
        el('caption', { class: 'visually-hidden' }, t('whole_run.per_film')),
        el('thead', {}, el('tr', {},
          ['organizer.film', 'whole_run.daily', 'whole_run.people'].map((key) => el('th', { scope: 'col' }, t(key))))),
        el('tbody', {}, rows)))
      : '');
}

function sitesCard(stats, query) {
  const rows = (stats.sites || []).map((s) => el('tr', { 'data-site': s.site },
    el('th', { scope: 'row' }, s.site || t('whole_run.own_pages')),
    el('td', {}, filmName(stats.films, s.film)),
    el('td', {}, formatNumber(s.plays)),
    el('td', {}, formatNumber(s.views)),
    el('td', {}, formatNumber(s.watch_hours, hoursOptions))));
  const link = (format, key) => el('a', {
    class: 'button-secondary', href: `/api/stats/export?format=${format}&table=sites${query}`, download: '',
  }, t(key));
  return el('section', { class: 'card', 'aria-labelledby': 'whole-run-sites-title' },
    el('h2', { id: 'whole-run-sites-title' }, t('whole_run.sites_title')),
    el('p', { class: 'muted' }, t('whole_run.sites_hint')),
    rows.length
      ? scrollingTable(t('whole_run.sites_title'), el('table', { class: 'stats-table', id: 'whole-run-sites' },
        el('caption', { class: 'visually-hidden' }, t('whole_run.sites_title')),
        el('thead', {}, el('tr', {},
          ['whole_run.site', 'organizer.film', 'organizer.plays', 'organizer.views', 'organizer.watch_hours']
            .map((key) => el('th', { scope: 'col' }, t(key))))),
        el('tbody', {}, rows)))
      : el('p', { id: 'whole-run-sites-none' }, t('whole_run.sites_none')),
    el('p', { class: 'stats-exports' }, link('csv', 'whole_run.export_sites_csv'), link('json', 'whole_run.export_sites_json')));
}

/** stats: GET /api/stats; query: its range as "&from=…&to=…" (or ""), for the sites' exports. */
export function reachSection(stats, query = '') {
  return el('div', { class: 'stats-reach' }, wholeRunCard(stats), sitesCard(stats, query));
}
