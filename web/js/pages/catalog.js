// Catalog: every published film as a poster grid, grouped into "now screening", "coming soon" and
// "screening ended"; filters (category, country, language, theme, accessibility) and search as you type (full text,
// accent-insensitive, on the server). The filters live in the address so a search can be shared.
import { api } from '/js/api.js';
import { filmCard } from '/js/film-card.js';
import { countryName, languageName, t } from '/js/i18n.js';
import { el, startPage } from '/js/layout.js';

const FILTERS = ['category', 'country', 'language', 'tag', 'access'];
const SECTIONS = [
  ['now', 'catalog.now'],
  ['upcoming', 'catalog.upcoming'],
  ['ended', 'catalog.ended'],
];
const PER_PAGE = 100;

/** Every film matching params, page after page (a festival has tens of films, not thousands). */
async function allFilms(params, signal) {
  const items = [];
  for (let page = 1; page <= 20; ++page) {
    const query = new URLSearchParams(params);
    query.set('per_page', String(PER_PAGE));
    query.set('page', String(page));
    const result = await api(`/api/films?${query}`, { signal });
    items.push(...result.items);
    if (items.length >= result.total || result.items.length === 0) break;
  }
  return items;
}

function stateFromAddress() {
  const query = new URLSearchParams(location.search);
  const state = { q: query.get('q') || '' };
  for (const name of FILTERS) state[name] = query.get(name) || '';
  return state;
}

function saveToAddress(state) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(state)) if (value) query.set(name, value);
  const search = query.toString();
  history.replaceState(null, '', search ? `?${search}` : location.pathname);
}

function select(id, labelKey, options, value) {
  const control = el('select', { id, name: id.replace('filter-', '') }, el('option', { value: '' }, t('catalog.any')));
  for (const [optionValue, label] of options) control.append(el('option', { value: optionValue }, label));
  control.value = value;
  return el('div', { class: 'field' }, el('label', { for: id }, t(labelKey)), control);
}

function sortedOptions(values, label) {
  return [...new Set(values)].map((v) => [v, label(v)]).sort((a, b) => a[1].localeCompare(b[1]));
}

async function render(main) {
  const state = stateFromAddress();
  const everything = await allFilms({});
  const countries = sortedOptions(everything.flatMap((f) => f.countries || []), countryName);
  const languages = sortedOptions(everything.flatMap((f) => f.spoken_languages || []), languageName);
  const themes = sortedOptions(everything.flatMap((f) => f.themes || []), (theme) => {
    const key = `theme.${theme}`;
    const label = t(key);
    return label === key ? theme : label;
  });
  const categories = ['documentary', 'short', 'fiction'].map((c) => [c, t(`category.${c}`)]);
  const access = ['audio_description', 'subtitles', 'both'].map((a) => [a, t(`catalog.access_${a}`)]);

  const search = el('input', {
    id: 'catalog-search', type: 'search', name: 'q', autocomplete: 'off', spellcheck: 'false',
    placeholder: t('catalog.search_hint'), 'aria-describedby': 'catalog-count', 'aria-controls': 'catalog-results',
  });
  search.value = state.q;
  const reset = el('button', { type: 'reset', class: 'button-secondary' }, t('catalog.reset'));
  const form = el(
    'form',
    { class: 'catalog-controls', role: 'search', 'aria-label': t('catalog.filters') },
    el('div', { class: 'field search-field' }, el('label', { for: 'catalog-search' }, t('catalog.search')), search),
    select('filter-category', 'catalog.category', categories, state.category),
    select('filter-country', 'catalog.country', countries, state.country),
    select('filter-language', 'catalog.language', languages, state.language),
    select('filter-tag', 'catalog.theme', themes, state.tag),
    select('filter-access', 'catalog.access', access, state.access),
    el('div', { class: 'field reset-field' }, reset),
  );
  const count = el('p', { id: 'catalog-count', class: 'results-count', role: 'status', 'aria-live': 'polite' });
  const results = el('div', { id: 'catalog-results' });
  main.replaceChildren(el('h1', {}, t('catalog.heading')), form, count, results);

  let controller = null;
  let generation = 0;
  const show = async () => {
    const params = {};
    if (state.q.trim()) params.q = state.q.trim();
    for (const name of FILTERS) if (state[name]) params[name] = state[name];
    saveToAddress(params);
    controller?.abort();
    controller = new AbortController();
    const mine = ++generation;
    let films;
    try {
      films = Object.keys(params).length ? await allFilms(params, controller.signal) : everything;
    } catch (e) {
      if (e.name === 'AbortError') return;
      count.textContent = t('common.load_error', { message: e.message });
      return;
    }
    if (mine !== generation) return;  // a newer search has answered
    count.textContent = films.length === 1 ? t('catalog.results_one') : t('catalog.results', { n: films.length });
    const sections = [];
    for (const [screening, titleKey] of SECTIONS) {
      const these = films.filter((f) => f.screening === screening);
      if (!these.length) continue;
      const id = `section-${screening}`;
      sections.push(
        el(
          'section',
          { 'aria-labelledby': id, class: `catalog-section catalog-${screening}` },
          el('h2', { id }, titleKey ? t(titleKey) : ''),
          el('ul', { class: 'film-grid' }, these.map(filmCard)),
        ),
      );
    }
    results.replaceChildren(...(sections.length ? sections : [el('p', { class: 'muted' }, t('catalog.no_results'))]));
  };

  let typing = null;
  search.addEventListener('input', () => {
    state.q = search.value;
    clearTimeout(typing);
    typing = setTimeout(show, 180);
  });
  form.addEventListener('change', (event) => {
    if (event.target === search) return;
    state[event.target.name] = event.target.value;
    show();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(typing);
    state.q = search.value;
    show();
  });
  form.addEventListener('reset', () => {
    // After the browser has cleared the fields.
    setTimeout(() => {
      state.q = '';
      for (const name of FILTERS) state[name] = '';
      show();
      search.focus();
    });
  });
  await show();
  return () => {
    clearTimeout(typing);
    controller?.abort();
  };
}

startPage({ page: 'catalog', title: 'catalog.title', render });
