// The viewers' countries on the statistics page: plays, views and hours watched per country (the
// viewer's when the play started, named in the page's language; "unknown" without a geo database or
// for addresses it does not know), most views first as the API sends them, with each one's share of
// the hours watched.
import { countryName, formatNumber, t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { scrollingTable } from '/js/organizer-table.js';

/** countries: the `countries` rows of GET /api/stats. */
export function countriesSection(countries) {
  const totalHours = countries.reduce((sum, c) => sum + c.watch_hours, 0);
  const name = (code) => (code ? countryName(code) : t('organizer.country_unknown'));
  const rows = countries.map((c) => {
    const share = totalHours > 0 ? c.watch_hours / totalHours : 0;
    const bar = el('span');
    bar.style.width = `${(share * 100).toFixed(1)}%`;  // through CSSOM: the pages' CSP refuses style attributes
    return el('tr', { 'data-country': c.country || 'unknown' },
      el('th', { scope: 'row' }, name(c.country), c.country ? el('span', { class: 'muted' }, ` (${c.country})`) : ''),
      el('td', {}, formatNumber(c.views)),
      el('td', {}, formatNumber(c.watch_hours, { maximumFractionDigits: 2 })),
      el('td', {}, formatNumber(c.plays)),
      el('td', {},
        el('span', { class: 'stats-share', 'aria-hidden': 'true' }, bar),
        formatNumber(share, { style: 'percent', maximumFractionDigits: 0 })));
  });
  const body = countries.length
    ? scrollingTable(t('organizer.countries'), el('table', { class: 'stats-table', id: 'stats-countries' },
      el('caption', { class: 'visually-hidden' }, t('organizer.countries')),
      el('thead', {}, el('tr', {},
        ['organizer.country', 'organizer.views', 'organizer.watch_hours', 'organizer.plays', 'organizer.country_share']
          .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, rows)))
    : el('p', { id: 'stats-countries-none' }, t('organizer.countries_none'));
  return el('section', { class: 'card', 'aria-labelledby': 'stats-countries-title' },
    el('h2', { id: 'stats-countries-title' }, t('organizer.countries')),
    el('p', { class: 'muted' }, t('organizer.countries_hint')),
    body);
}
