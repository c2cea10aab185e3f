// A filmmaker's report (/{lang}/report/{token}): the film's audience over the festival's whole run,
// in the language the link was made for, printable and downloadable as CSV. The figures are the
// organizers' own (GET /api/reports/{token}); the charts and tables are the statistics page's. The page
// has no navigation to the festival's private pages: whoever holds the address is not signed in.
import { ApiError, api } from '/js/api.js';
import { addressLanguage, formatDate, formatNumber, initI18n, lang, languageName, t } from '/js/i18n.js';
import { el, festivalInfo } from '/js/layout.js';
import { dailyChart, retentionChart } from '/js/organizer-charts.js';
import { countriesSection } from '/js/organizer-countries.js';

const token = decodeURIComponent((/^\/[a-z]{2}\/report\/([^/]+)$/.exec(location.pathname) || [])[1] || '');

const percent = (n) => formatNumber(n, { style: 'percent', maximumFractionDigits: 0 });
const hours = (n) => formatNumber(n, { maximumFractionDigits: n < 10 ? 2 : 0 });

function header(festival) {
  const name = (festival && festival.name) || t('layout.festival');
  return el('header', { class: 'site-header' },
    el('a', { class: 'skip-link', href: '#main' }, t('layout.skip')),
    el('div', { class: 'site-header-inner' }, el('a', { class: 'brand', href: `/${lang()}/` }, name)));
}

function filmSection(report) {
  const { film } = report;
  const facts = [film.directors.join(', '), film.year].filter(Boolean).join(' · ');
  return el('div', { class: 'report-film' },
    film.poster ? el('img', { src: film.poster, alt: t('report.poster', { title: film.title }), width: 128 }) : null,
    el('div', {},
      el('p', { class: 'report-kicker' }, t('report.kicker')),
      el('h1', { id: 'report-title', lang: film.title_language || null }, film.title),
      facts ? el('p', {}, facts) : null,
      el('p', { id: 'report-period' }, report.range.from
        ? t('report.period', { from: formatDate(report.range.from), to: formatDate(report.range.to) })
        : t('report.no_audience')),
      el('p', { class: 'muted' }, t('report.as_of', { time: formatDate(report.generated_at, { dateStyle: 'long', timeStyle: 'short' }) }))));
}

function actions() {
  return el('div', { class: 'report-actions' },
    el('button', { type: 'button', class: 'button', id: 'report-print', onclick: () => window.print() }, t('report.print')),
    el('a', { class: 'button-secondary', id: 'report-csv', href: `/api/reports/${encodeURIComponent(token)}/report.csv`, download: '' },
      t('report.download_csv')));
}

function figuresSection(report) {
  const { totals, whole_run: wholeRun } = report;
  const item = (name, value, text, label, note) => el('li', { 'data-figure': name },
    el('span', { class: 'figure', 'data-value': value }, text), el('span', {}, label),
    note ? el('span', { class: 'figure-note' }, note) : null);
  return el('section', { class: 'report-section', 'aria-labelledby': 'report-figures-title' },
    el('h2', { id: 'report-figures-title' }, t('report.figures')),
    el('ul', { class: 'totals', id: 'report-figures' },
      item('views', totals.views, formatNumber(totals.views), t('organizer.views')),
      item('unique_viewers', totals.unique_viewers, formatNumber(totals.unique_viewers), t('organizer.unique_viewers'),
        t('report.unique_viewers_note')),
      item('people', wholeRun.unique_viewers, formatNumber(wholeRun.unique_viewers), t('report.people'),
        t('report.people_note', { error: formatNumber(wholeRun.relative_error, { style: 'percent', maximumFractionDigits: 1 }) })),
      item('watch_hours', totals.watch_hours, hours(totals.watch_hours), t('organizer.watch_hours')),
      item('completion', totals.completion, percent(totals.completion), t('organizer.completion')),
      item('peak_live', totals.peak_live, formatNumber(totals.peak_live), t('organizer.peak_live')),
      item('plays', totals.plays, formatNumber(totals.plays), t('organizer.plays'))),
    el('p', { class: 'muted' }, t('report.definitions')));
}

function retentionSection(retention) {
  const table = el('table', { class: 'stats-table', id: 'report-retention-table' },
    el('caption', { class: 'visually-hidden' }, t('organizer.retention')),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('organizer.position_in_film')),
      el('th', { scope: 'col' }, t('organizer.share_of_plays')))),
    el('tbody', {}, retention.share.map((share, i) =>
      el('tr', {}, el('td', {}, percent(i / 100)), el('td', {}, percent(share))))));
  return el('section', { class: 'card report-section', 'aria-labelledby': 'report-retention-title' },
    el('h2', { id: 'report-retention-title' }, t('organizer.retention')),
    retentionChart(retention),
    retention.measured_plays
      ? el('details', {}, el('summary', {}, t('organizer.show_figures')), el('div', { class: 'stats-table-wrap' }, table))
      : null);
}

function ratingsSection(ratings) {
  const most = Math.max(1, ...ratings.distribution);
  const rows = ratings.distribution.map((count, i) => {
    const bar = el('span');
    bar.style.width = `${((count / most) * 100).toFixed(1)}%`;  // through CSSOM: the CSP refuses style attributes
    return el('tr', { 'data-stars': i + 1 },
      el('th', { scope: 'row' }, t('report.stars', { n: i + 1 })),
      el('td', {}, el('span', { class: 'stats-share', 'aria-hidden': 'true' }, bar), formatNumber(count)));
  }).reverse();
  return el('section', { class: 'card report-section', 'aria-labelledby': 'report-ratings-title' },
    el('h2', { id: 'report-ratings-title' }, t('organizer.ratings')),
    el('p', { id: 'report-ratings-summary' }, ratings.count
      ? t(ratings.count === 1 ? 'report.ratings_one' : 'report.ratings_summary', {
        count: formatNumber(ratings.count), average: formatNumber(ratings.average, { maximumFractionDigits: 1 }),
      })
      : t('report.no_ratings')),
    ratings.count
      ? el('table', { class: 'stats-table report-stars' },
        el('caption', { class: 'visually-hidden' }, t('organizer.ratings')),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('report.rating')), el('th', { scope: 'col' }, t('report.count')))),
        el('tbody', {}, rows))
      : null);
}

function commentsSection(comments, total) {
  return el('section', { class: 'card report-section', 'aria-labelledby': 'report-comments-title' },
    el('h2', { id: 'report-comments-title' }, t('organizer.comments')),
    comments.length
      ? el('ul', { class: 'report-comments', id: 'report-comments' }, comments.map((c) => el('li', {},
        el('blockquote', { lang: c.language || null }, c.text),
        el('p', { class: 'muted' }, formatDate(c.created_at), c.language ? ` · ${languageName(c.language)}` : ''))))
      : el('p', {}, t('report.no_comments')),
    total > comments.length ? el('p', { class: 'muted' }, t('report.comments_more', { shown: formatNumber(comments.length), total: formatNumber(total) })) : null);
}

function notFound(main) {
  document.title = t('report.not_found');
  main.replaceChildren(el('h1', {}, t('report.not_found')), el('p', { id: 'report-not-found' }, t('report.not_found_text')));
}

// A table wider than a phone scrolls sideways in its wrapper: a named region the keyboard can reach and scroll.
function keyboardScrollable(main) {
  for (const wrap of main.querySelectorAll('.stats-table-wrap')) {
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', wrap.querySelector('caption')?.textContent || '');
  }
}

// Details (the tables behind the charts) open for printing, and close again after.
function printDetailsOpen() {
  let opened = [];
  window.addEventListener('beforeprint', () => {
    opened = [...document.querySelectorAll('details:not([open])')];
    for (const d of opened) d.open = true;
  });
  window.addEventListener('afterprint', () => {
    for (const d of opened) d.open = false;
  });
}

async function start() {
  await initI18n();
  const main = document.getElementById('main');
  const festival = await festivalInfo();
  main.before(header(festival));
  let report = null;
  try {
    report = token ? await api(`/api/reports/${encodeURIComponent(token)}`) : null;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) {
      main.replaceChildren(el('p', { class: 'error', role: 'alert' }, t('common.load_error', { message: e.message })));
      main.removeAttribute('aria-busy');
      return;
    }
  }
  if (!report) {
    notFound(main);
  } else if (report.language !== addressLanguage()) {
    location.replace(`/${report.language}/report/${encodeURIComponent(token)}`);  // the link's language, always
    return;
  } else {
    const name = (festival && festival.name) || t('layout.festival');
    document.title = `${t('report.title', { title: report.film.title })} — ${name}`;
    main.replaceChildren(
      filmSection(report),
      actions(),
      figuresSection(report),
      dailyChart(report.days),
      retentionSection(report.retention),
      countriesSection(report.countries),
      ratingsSection(report.ratings),
      commentsSection(report.comments, report.comments_total),
      el('p', { class: 'report-footer muted' }, t('report.private')));
    keyboardScrollable(main);
    printDetailsOpen();
  }
  main.removeAttribute('aria-busy');
}

start();
