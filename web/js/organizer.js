// The organizers' statistics: the live counter (server-sent events), festival totals for a date
// range, views and watch hours per day, the per-film table with feedback counts, a film's retention
// curve, the viewers' countries, and CSV/JSON exports. Definitions: docs/statistics.md.
import { api, getSession } from '/js/api.js';
import { accountsSection } from '/js/organizer-accounts.js';
import { formatNumber, t } from '/js/i18n.js';
import { el, signInNotice, startPage } from '/js/layout.js';
import { concurrencyChart, dailyChart, retentionChart } from '/js/organizer-charts.js';
import { countriesSection } from '/js/organizer-countries.js';
import { premieresSection } from '/js/organizer-premieres.js';
import { reportsSection } from '/js/organizer-reports.js';
import { reachSection } from '/js/organizer-reach.js';
import { filmTable } from '/js/organizer-table.js';

let live = null;  // the EventSource of the live counter, closed when the page is drawn again
const range = { from: '', to: '' };

function query() {
  const q = new URLSearchParams();
  if (range.from) q.set('from', range.from);
  if (range.to) q.set('to', range.to);
  const text = q.toString();
  return text ? `?${text}` : '';
}

function liveCounter(initial) {
  const figure = el('span', { class: 'figure', id: 'stats-live-count' }, formatNumber(initial.total));
  const box = el('section', { class: 'card', 'aria-labelledby': 'stats-live-title' },
    el('h2', { id: 'stats-live-title' }, t('organizer.live_title')),
    el('p', { class: 'stats-live', role: 'status', 'aria-live': 'polite' }, figure, el('span', {}, t('organizer.watching_now'))));
  if (live) live.close();
  live = new EventSource('/api/stats/live');
  live.onmessage = (event) => {
    const counts = JSON.parse(event.data);
    figure.textContent = formatNumber(counts.total);
    for (const row of document.querySelectorAll('#stats-films tbody tr')) {
      const cells = row.querySelectorAll('td');
      const liveCell = cells[6];
      if (liveCell) liveCell.textContent = formatNumber(counts.films[row.dataset.film] || 0);
    }
  };
  return box;
}

function totalsSection(totals) {
  const item = (value, key, options) =>
    el('li', {}, el('span', { class: 'figure' }, formatNumber(Number(value) || 0, options)), el('span', {}, t(key)));
  return el('section', { 'aria-labelledby': 'stats-totals-title' },
    el('h2', { id: 'stats-totals-title' }, t('organizer.totals')),
    el('ul', { class: 'totals', id: 'stats-totals' },
      item(totals.views, 'organizer.views'),
      item(totals.unique_viewers, 'organizer.unique_viewers'),
      item(totals.watch_hours, 'organizer.watch_hours', { maximumFractionDigits: totals.watch_hours < 10 ? 2 : 0 }),
      item(totals.peak_live, 'organizer.peak_live'),
      item(totals.plays, 'organizer.plays'),
      item(totals.completion, 'organizer.completion', { style: 'percent', maximumFractionDigits: 0 })));
}

function rangeForm(main) {
  const input = (name) => el('input', { type: 'date', name, value: range[name] });
  const from = input('from');
  const to = input('to');
  return el('form', {
    class: 'stats-range',
    'aria-label': t('organizer.range'),
    onsubmit: (event) => {
      event.preventDefault();
      range.from = from.value;
      range.to = to.value;
      render(main);
    },
  },
  el('label', {}, t('organizer.from'), from),
  el('label', {}, t('organizer.to'), to),
  el('button', { type: 'submit', class: 'button' }, t('organizer.apply')),
  el('button', { type: 'button', class: 'button-secondary', onclick: () => { range.from = ''; range.to = ''; render(main); } },
    t('organizer.all_days')));
}

function exportsSection() {
  const q = query().replace(/^\?/, '&');
  const link = (href, key) => el('a', { class: 'button-secondary', href, download: '' }, t(key));
  return el('section', { 'aria-labelledby': 'stats-exports-title' },
    el('h2', { id: 'stats-exports-title' }, t('organizer.exports')),
    el('p', { class: 'stats-exports' },
      link(`/api/stats/export?format=csv&table=films${q}`, 'organizer.export_films_csv'),
      link(`/api/stats/export?format=csv&table=days${q}`, 'organizer.export_days_csv'),
      link(`/api/stats/export?format=json&table=films${q}`, 'organizer.export_films_json'),
      link(`/api/stats/export?format=json&table=days${q}`, 'organizer.export_days_json'),
      link(`/api/stats/export?format=csv&table=countries${q}`, 'organizer.export_countries_csv'),
      link(`/api/stats/export?format=json&table=countries${q}`, 'organizer.export_countries_json')));
}

function retentionSection(films) {
  const holder = el('div', { id: 'stats-retention' });
  const select = el('select', { id: 'stats-retention-film' },
    films.map((f) => el('option', { value: f.film_id }, f.title || f.slug || `#${f.film_id}`)));
  async function show(filmId) {
    select.value = String(filmId);
    const curve = await api(`/api/stats/films/${filmId}/retention${query()}`);
    holder.replaceChildren(retentionChart(curve));
  }
  select.addEventListener('change', () => show(select.value));
  const section = el('section', { class: 'card', 'aria-labelledby': 'stats-retention-title' },
    el('h2', { id: 'stats-retention-title' }, t('organizer.retention')),
    el('label', { for: 'stats-retention-film' }, t('organizer.film')), ' ', select, holder);
  if (films.length) show(films[0].film_id);
  return { section, show };
}

function concurrencySection(films, days) {
  const holder = el('div', { id: 'stats-concurrency' });
  const lastDay = days.length ? days[days.length - 1].day : new Date().toISOString().slice(0, 10);
  const day = el('input', { type: 'date', id: 'stats-concurrency-day', value: range.to || lastDay });
  const film = el('select', { id: 'stats-concurrency-film' }, el('option', { value: '' }, t('organizer.all_films')),
    films.map((f) => el('option', { value: f.film_id }, f.title || f.slug || `#${f.film_id}`)));
  async function show() {
    const q = new URLSearchParams({ day: day.value });
    if (film.value) q.set('film', film.value);
    holder.replaceChildren(concurrencyChart(await api(`/api/stats/concurrency?${q}`)));
  }
  day.addEventListener('change', show);
  film.addEventListener('change', show);
  show();
  return el('section', { class: 'card', 'aria-labelledby': 'stats-concurrency-title' },
    el('h2', { id: 'stats-concurrency-title' }, t('organizer.concurrency')),
    el('p', { class: 'stats-range' },
      el('label', { for: 'stats-concurrency-day' }, t('organizer.day'), day),
      el('label', { for: 'stats-concurrency-film' }, t('organizer.film'), film)),
    holder);
}

async function render(main) {
  const session = await getSession();
  if (!session || session.user.role !== 'organizer') {
    signInNotice(main, { title: 'organizer.title', message: 'organizer.signin', next: '/organizer' });
    return;
  }
  const stats = await api(`/api/stats${query()}`);
  const retention = retentionSection(stats.films);
  main.replaceChildren(
    el('h1', {}, t('organizer.title')),
    liveCounter(stats.live),
    rangeForm(main),
    totalsSection(stats.totals),
    dailyChart(stats.days),
    concurrencySection(stats.films, stats.days),
    el('section', { class: 'card', 'aria-labelledby': 'stats-films-title' },
      el('h2', { id: 'stats-films-title' }, t('organizer.per_film')),
      filmTable(stats.films, (film) => {
        retention.show(film.film_id);
        document.getElementById('stats-retention-title').scrollIntoView({ behavior: 'smooth' });
      })),
    retention.section,
    countriesSection(stats.countries),
    reachSection(stats, query().replace(/^\?/, '&')),
    premieresSection(),
    reportsSection(),
    accountsSection(),
    exportsSection());
}

startPage({ page: 'organizer', title: 'organizer.title', render });
