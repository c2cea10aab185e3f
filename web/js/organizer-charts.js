// The statistics page's charts (Chart.js from /vendor/chart.umd.js): views and watch hours per day,
// and a film's retention curve. Each chart also has its figures as a table for screen readers.
import { formatDate, formatNumber, t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { scrollingTable } from '/js/organizer-table.js';

const charts = new Map();  // canvas id → Chart, destroyed before redrawing

function draw(canvas, config) {
  if (charts.has(canvas.id)) charts.get(canvas.id).destroy();
  if (!window.Chart) return;  // the vendor file did not load: the tables still carry the figures
  charts.set(canvas.id, new window.Chart(canvas, config));
}

function accent(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Views (bars) and watch hours (line) per day. */
export function dailyChart(days) {
  const canvas = el('canvas', { id: 'stats-daily-chart', role: 'img', 'aria-label': t('organizer.daily_chart') });
  const table = el('table', { class: 'stats-table' },
    el('caption', { class: 'visually-hidden' }, t('organizer.daily_chart')),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('organizer.day')),
      el('th', { scope: 'col' }, t('organizer.views')), el('th', { scope: 'col' }, t('organizer.watch_hours')),
      el('th', { scope: 'col' }, t('organizer.unique_viewers')), el('th', { scope: 'col' }, t('organizer.peak_live')))),
    el('tbody', {}, days.map((d) => el('tr', {}, el('td', {}, formatDate(d.day)), el('td', {}, formatNumber(d.views)),
      el('td', {}, formatNumber(d.watch_hours, { maximumFractionDigits: 2 })), el('td', {}, formatNumber(d.unique_viewers)),
      el('td', {}, formatNumber(d.peak_live))))));
  const section = el('section', { class: 'card', 'aria-labelledby': 'stats-daily-title' },
    el('h2', { id: 'stats-daily-title' }, t('organizer.per_day')),
    days.length ? el('div', { class: 'stats-chart' }, canvas) : el('p', {}, t('organizer.no_data')),
    days.length ? el('details', {}, el('summary', {}, t('organizer.show_figures')), scrollingTable(t('organizer.daily_chart'), table)) : null);
  if (days.length) {
    queueMicrotask(() => draw(canvas, {
      type: 'bar',
      data: {
        labels: days.map((d) => formatDate(d.day, { dateStyle: 'medium' })),
        datasets: [
          { label: t('organizer.views'), data: days.map((d) => d.views), backgroundColor: accent('--accent', '#8a2be2'), yAxisID: 'views' },
          { label: t('organizer.watch_hours'), data: days.map((d) => d.watch_hours), type: 'line', borderColor: '#e07a00',
            backgroundColor: '#e07a00', yAxisID: 'hours' },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          views: { beginAtZero: true, position: 'left', title: { display: true, text: t('organizer.views') } },
          hours: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false },
            title: { display: true, text: t('organizer.watch_hours') } },
        },
      },
    }));
  }
  return section;
}

/** A film's retention: the share of plays that watched each percent of it. */
export function retentionChart(curve) {
  const canvas = el('canvas', { id: 'stats-retention-chart', role: 'img', 'aria-label': t('organizer.retention') });
  const at = (p) => formatNumber(curve.share[Math.min(99, p)] || 0, { style: 'percent', maximumFractionDigits: 0 });
  const summary = el('p', {}, t('organizer.retention_summary', {
    plays: formatNumber(curve.measured_plays), q1: at(0), q2: at(25), q3: at(50), q4: at(75), q5: at(99),
  }));
  const box = el('div', {}, summary, curve.measured_plays ? el('div', { class: 'stats-chart' }, canvas) : null);
  if (curve.measured_plays) {
    queueMicrotask(() => draw(canvas, {
      type: 'line',
      data: {
        labels: curve.share.map((_, i) => `${i}%`),
        datasets: [{ label: t('organizer.retention'), data: curve.share.map((s) => s * 100), fill: true, pointRadius: 0,
          borderColor: accent('--accent', '#8a2be2') }],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: 100, title: { display: true, text: t('organizer.share_of_plays') } },
          x: { title: { display: true, text: t('organizer.position_in_film') } } },
      },
    }));
  }
  return box;
}

/** Peak live viewers per minute over one day (minutes without a sample had nobody live). */
export function concurrencyChart(data) {
  const perMinute = new Array(1440).fill(0);
  for (const { minute, live } of data.minutes) perMinute[minute] = live;
  const label = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const canvas = el('canvas', { id: 'stats-concurrency-chart', role: 'img', 'aria-label': t('organizer.concurrency') });
  const peak = Math.max(0, ...perMinute);
  const hourTable = el('table', { class: 'stats-table' },
    el('caption', { class: 'visually-hidden' }, t('organizer.by_hour')),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('organizer.hour')),
      el('th', { scope: 'col' }, t('organizer.plays')), el('th', { scope: 'col' }, t('organizer.views')),
      el('th', { scope: 'col' }, t('organizer.watch_hours')), el('th', { scope: 'col' }, t('organizer.peak_live')))),
    el('tbody', {}, (data.hours || []).map((h) => el('tr', {}, el('td', {}, `${label(h.hour * 60)}–${label(h.hour * 60 + 59)}`),
      el('td', {}, formatNumber(h.plays)), el('td', {}, formatNumber(h.views)),
      el('td', {}, formatNumber(h.watch_hours, { maximumFractionDigits: 2 })), el('td', {}, formatNumber(h.peak_live))))));
  const box = el('div', {}, el('p', {}, t('organizer.concurrency_summary', {
    day: formatDate(data.day), peak: formatNumber(peak),
  })), peak ? el('div', { class: 'stats-chart' }, canvas) : null,
  (data.hours || []).length
    ? el('details', {}, el('summary', {}, t('organizer.by_hour')), scrollingTable(t('organizer.by_hour'), hourTable))
    : null);
  if (peak) {
    queueMicrotask(() => draw(canvas, {
      type: 'line',
      data: {
        labels: perMinute.map((_, m) => label(m)),
        datasets: [{ label: t('organizer.concurrency'), data: perMinute, pointRadius: 0, stepped: true,
          borderColor: accent('--accent', '#8a2be2') }],
      },
      options: { maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 24 } } } },
    }));
  }
  return box;
}
