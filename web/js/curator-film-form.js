// Creating and editing a film: every catalog field, the texts in each festival language, the screening
// window (UTC), the rights rules (curator-rights.js) and publication. Saves with POST /api/films or a
// JSON merge patch.
import { api } from '/js/api.js';
import { LANGUAGES, languageName, t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { rightsFields } from '/js/curator-rights.js';

const CATEGORIES = ['documentary', 'short', 'fiction'];
let formCount = 0;

function field(id, label, input, hint) {
  input.id = id;
  const parts = [el('label', { for: id }, label), input];
  if (hint) {
    input.setAttribute('aria-describedby', `${id}-hint`);
    parts.push(el('small', { id: `${id}-hint`, class: 'muted' }, hint));
  }
  return el('div', { class: 'field' }, ...parts);
}

const listText = (values) => (values || []).join(', ');
const parseList = (text, upper = false) => text.split(',').map((s) => s.trim()).filter(Boolean)
  .map((s) => (upper ? s.toUpperCase() : s.toLowerCase()));

// "2026-05-01T00:00:00Z" ↔ the value of an <input type="datetime-local"> read as UTC.
const toLocalInput = (iso) => (iso ? iso.replace(/:\d\dZ$/, '').replace(/Z$/, '') : '');
const fromLocalInput = (value) => (value ? `${value.length === 16 ? `${value}:00` : value}Z` : null);

function numberOrNull(text) {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isInteger(n) ? n : NaN;
}

/** The editor for `film` (null: a new film). onSaved(film) runs after a successful save. */
export function filmEditor(film, { onSaved }) {
  const n = ++formCount;
  const id = (name) => `film-${n}-${name}`;
  const input = (value, attrs = {}) => el('input', { value: value ?? '', ...attrs });
  const area = (value) => { const a = el('textarea', {}); a.value = value ?? ''; return a; };

  const originalTitle = input(film?.original_title, { required: true, autocomplete: 'off' });
  const slug = input(film?.slug, { pattern: '[a-z0-9-]+', autocomplete: 'off' });
  const year = input(film?.year, { type: 'number', min: 1880, max: 2100 });
  const runtime = input(film?.runtime_minutes, { type: 'number', min: 1, max: 1000 });
  const category = el('select', {}, ...CATEGORIES.map((c) => el('option', { value: c, selected: film?.category === c }, t(`category.${c}`))));
  const directors = input(film ? film.directors.join(', ') : '');
  const countries = input(listText(film?.countries));
  const themes = input(listText(film?.themes));
  const spoken = input(listText(film?.spoken_languages));
  const subtitled = input(listText(film?.subtitle_languages));
  const rights = area(film?.rights_note);
  const credits = area(film && Object.keys(film.credits || {}).length ? JSON.stringify(film.credits, null, 2) : '');
  const from = input(toLocalInput(film?.available_from), { type: 'datetime-local', step: 1 });
  const until = input(toLocalInput(film?.available_until), { type: 'datetime-local', step: 1 });
  const published = el('input', { type: 'checkbox', checked: Boolean(film?.published) });
  // The rights rules go through the film's update route: shown once the film exists.
  const rightsRules = film ? rightsFields(film, id, field) : null;
  const texts = {};
  const textFields = LANGUAGES.map((l) => {
    const title = input(film?.texts?.[l]?.title, { lang: l });
    const synopsis = area(film?.texts?.[l]?.synopsis);
    synopsis.setAttribute('lang', l);
    texts[l] = { title, synopsis };
    return el('fieldset', {}, el('legend', {}, languageName(l)),
      field(id(`title-${l}`), t('curator.text_title'), title),
      field(id(`synopsis-${l}`), t('curator.text_synopsis'), synopsis));
  });

  const status = el('p', { role: 'status', id: id('status') });
  const save = el('button', { type: 'submit', class: 'primary', id: film ? 'curator-save' : 'curator-create' },
    film ? t('curator.save') : t('curator.create'));

  function collect() {
    let creditsValue = {};
    if (credits.value.trim()) {
      try {
        creditsValue = JSON.parse(credits.value);
      } catch {
        throw new Error(t('curator.credits_invalid'));
      }
    }
    const body = {
      original_title: originalTitle.value.trim(),
      category: category.value,
      year: numberOrNull(year.value),
      runtime_minutes: numberOrNull(runtime.value),
      directors: directors.value.split(',').map((s) => s.trim()).filter(Boolean),
      countries: parseList(countries.value, true),
      themes: themes.value.split(',').map((s) => s.trim()).filter(Boolean),
      spoken_languages: parseList(spoken.value),
      subtitle_languages: parseList(subtitled.value),
      credits: creditsValue,
      rights_note: rights.value,
      published: published.checked,
      available_from: fromLocalInput(from.value),
      available_until: fromLocalInput(until.value),
      texts: Object.fromEntries(LANGUAGES.map((l) => [l, { title: texts[l].title.value.trim(), synopsis: texts[l].synopsis.value.trim() }])),
    };
    if (Number.isNaN(body.year) || Number.isNaN(body.runtime_minutes)) throw new Error(t('curator.number_invalid'));
    if (slug.value.trim()) body.slug = slug.value.trim();
    const rightsValue = rightsRules?.collect();
    if (rightsValue) body.rights = rightsValue;
    if (!film) for (const key of ['year', 'runtime_minutes', 'available_from', 'available_until']) if (body[key] === null) delete body[key];
    return body;
  }

  async function send(body) {
    status.className = '';
    status.textContent = t('curator.saving');
    save.disabled = true;
    try {
      const saved = film
        ? await api(`/api/films/${film.id}`, { method: 'PATCH', body })
        : await api('/api/films', { method: 'POST', body });
      status.className = 'success';
      status.textContent = t('curator.saved');
      onSaved(saved);
    } catch (e) {
      status.className = 'error';
      status.textContent = e.message;
    } finally {
      save.disabled = false;
    }
  }

  const form = el('form', { class: 'card curator-section', id: film ? 'curator-film-form' : 'curator-new-form', novalidate: true },
    el('h3', {}, film ? t('curator.edit_film') : t('curator.new_film')),
    el('div', { class: 'curator-grid' },
      field(id('original'), t('curator.original_title'), originalTitle),
      field(id('slug'), t('curator.slug'), slug, t('curator.slug_hint')),
      field(id('category'), t('curator.category'), category),
      field(id('year'), t('curator.year'), year),
      field(id('runtime'), t('curator.runtime'), runtime),
      field(id('directors'), t('curator.directors'), directors, t('curator.comma_hint')),
      field(id('countries'), t('curator.countries'), countries, t('curator.countries_hint')),
      field(id('themes'), t('curator.themes'), themes, t('curator.comma_hint')),
      field(id('spoken'), t('curator.spoken_languages'), spoken, t('curator.languages_hint')),
      field(id('subtitled'), t('curator.subtitle_languages'), subtitled, t('curator.languages_hint'))),
    el('div', { class: 'curator-texts' }, ...textFields),
    field(id('rights'), t('curator.rights_note'), rights),
    field(id('credits'), t('curator.credits'), credits, t('curator.credits_hint')),
    el('h4', {}, t('curator.window')),
    el('div', { class: 'curator-grid' },
      field(id('from'), t('curator.available_from'), from, t('curator.utc_hint')),
      field(id('until'), t('curator.available_until'), until, t('curator.utc_hint'))),
    rightsRules?.element,
    el('div', { class: 'field checkbox-field' }, published, el('label', { for: id('published') }, t('curator.published'))),
    el('div', { class: 'curator-actions' }, save, status));
  published.id = id('published');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!originalTitle.value.trim()) {
      status.className = 'error';
      status.textContent = t('curator.title_required');
      originalTitle.focus();
      return;
    }
    let body;
    try {
      body = collect();
    } catch (e) {
      status.className = 'error';
      status.textContent = e.message;
      return;
    }
    send(body);
  });

  if (!film) return form;
  // Publishing is one click, apart from the other edits.
  const toggle = el('button', { type: 'button', class: 'button-secondary', id: 'curator-publish' },
    film.published ? t('curator.unpublish') : t('curator.publish'));
  toggle.addEventListener('click', () => send({ published: !film.published }));
  const summary = el('p', { id: 'curator-publication' },
    film.published ? t('curator.is_published') : t('curator.is_unpublished'), ' · ', t(`screening.${film.screening}`));
  return el('div', {}, el('div', { class: 'curator-actions curator-section' }, summary, toggle), form);
}
