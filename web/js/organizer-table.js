// The per-film table of the statistics page, sortable by each measure (buttons in the headers,
// aria-sort tells the current order).
import { formatNumber, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

/** A table that may scroll sideways on a phone: the region takes the keyboard's focus so it can be scrolled. */
export function scrollingTable(label, table) {
  return el('div', { class: 'stats-table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, table);
}

const COLUMNS = [
  { key: 'title', label: 'organizer.film', text: true },
  { key: 'views', label: 'organizer.views' },
  { key: 'unique_viewers', label: 'organizer.unique_viewers' },
  { key: 'watch_hours', label: 'organizer.watch_hours', options: { maximumFractionDigits: 2 } },
  { key: 'completion', label: 'organizer.completion', options: { style: 'percent', maximumFractionDigits: 0 } },
  { key: 'peak_live', label: 'organizer.peak_live' },
  { key: 'live', label: 'organizer.live' },
  { key: 'ratings', label: 'organizer.ratings' },
  { key: 'average_rating', label: 'organizer.average_rating', options: { maximumFractionDigits: 1 } },
  { key: 'comments', label: 'organizer.comments' },
];

/** films: rows of GET /api/stats; onPick(film) shows that film's retention. */
export function filmTable(films, onPick) {
  let sortKey = 'views';
  let descending = true;
  const tbody = el('tbody');
  const head = el('tr');
  const table = el('table', { class: 'stats-table', id: 'stats-films' },
    el('caption', { class: 'visually-hidden' }, t('organizer.per_film')), el('thead', {}, head), tbody);

  function cell(row, column) {
    if (column.text) {
      return el('td', {}, el('button', { type: 'button', class: 'stats-film-link', onclick: () => onPick(row) }, row.title || row.slug || `#${row.film_id}`));
    }
    const value = row[column.key];
    return el('td', {}, value === null || value === undefined ? '—' : formatNumber(value, column.options));
  }

  function render() {
    const sorted = [...films].sort((a, b) => {
      const x = a[sortKey] ?? -1;
      const y = b[sortKey] ?? -1;
      const order = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return descending ? -order : order;
    });
    head.replaceChildren(...COLUMNS.map((c) => el('th', {
      scope: 'col', 'aria-sort': c.key === sortKey ? (descending ? 'descending' : 'ascending') : 'none',
    }, el('button', {
      type: 'button',
      'data-sort': c.key,
      onclick: () => {
        descending = c.key === sortKey ? !descending : !c.text;
        sortKey = c.key;
        render();
        head.querySelector(`button[data-sort="${c.key}"]`).focus();
      },
    }, t(c.label)))));
    tbody.replaceChildren(...sorted.map((row) => el('tr', { 'data-film': row.film_id }, COLUMNS.map((c) => cell(row, c)))));
  }
  render();
  return el('div', { class: 'stats-table-wrap' }, table);
}
