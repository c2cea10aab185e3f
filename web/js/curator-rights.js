// The film's rights rules in the curator's form: the countries where it may be shown (ISO 3166 codes,
// their names shown in the page's language), a cap on total views, and each viewer's window to start
// and to finish watching (hours). Empty means no limit. Saved as "rights" in the film's update.
import { countryName, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

const parseCodes = (text) => text.split(/[\s,;]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);

function wholeOrNull(text) {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 ? n : NaN;
}

const sameRights = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The rights fields for `film`, laid out with the form's `field(id, label, input, hint)`.
 * Returns {element, collect()}: collect() gives the rights to save, undefined when they did not
 * change, and throws an Error with a message to show when a value is invalid.
 */
export function rightsFields(film, id, field) {
  const saved = film?.rights || { countries: [], max_views: null, start_hours: null, watch_hours: null };
  const input = (value, attrs = {}) => el('input', { value: value ?? '', ...attrs });
  const countries = input((saved.countries || []).join(', '), { autocomplete: 'off', spellcheck: 'false' });
  const maxViews = input(saved.max_views, { type: 'number', min: 1, step: 1 });
  const startHours = input(saved.start_hours, { type: 'number', min: 1, step: 1 });
  const watchHours = input(saved.watch_hours, { type: 'number', min: 1, step: 1 });
  // The names of the codes typed so far, read out politely as they change.
  const names = el('p', { id: id('rights-country-names'), class: 'muted', 'aria-live': 'polite' });
  function showNames() {
    const codes = parseCodes(countries.value);
    names.textContent = codes.length
      ? t('curator.rights_shown_in', { names: codes.map((c) => (/^[A-Z]{2}$/.test(c) ? countryName(c) : `${c} ?`)).join(', ') })
      : t('curator.rights_everywhere');
  }
  countries.addEventListener('input', showNames);
  showNames();

  const element = el('section', { class: 'curator-rights', 'aria-labelledby': id('rights-title') },
    el('h4', { id: id('rights-title') }, t('curator.rights')),
    el('p', { class: 'muted' }, t('curator.rights_intro')),
    field(id('rights-countries'), t('curator.rights_countries'), countries, t('curator.rights_countries_hint')),
    names,
    el('div', { class: 'curator-grid' },
      field(id('rights-max-views'), t('curator.rights_max_views'), maxViews),
      field(id('rights-start-hours'), t('curator.rights_start_hours'), startHours, t('curator.rights_start_hint')),
      field(id('rights-watch-hours'), t('curator.rights_watch_hours'), watchHours, t('curator.rights_watch_hint'))));

  function collect() {
    const codes = [...new Set(parseCodes(countries.value))];
    if (codes.some((c) => !/^[A-Z]{2}$/.test(c))) throw new Error(t('curator.rights_countries_invalid'));
    const rights = {
      countries: codes,
      max_views: wholeOrNull(maxViews.value),
      start_hours: wholeOrNull(startHours.value),
      watch_hours: wholeOrNull(watchHours.value),
    };
    if ([rights.max_views, rights.start_hours, rights.watch_hours].some(Number.isNaN)) {
      throw new Error(t('curator.rights_number_invalid'));
    }
    const before = { countries: saved.countries || [], max_views: saved.max_views ?? null,
      start_hours: saved.start_hours ?? null, watch_hours: saved.watch_hours ?? null };
    return film?.rights && sameRights(rights, before) ? undefined : rights;
  }
  return { element, collect };
}
