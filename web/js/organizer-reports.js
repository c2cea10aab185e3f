// Filmmakers' reports on the organizers' page: for a chosen film, make a private report link in one
// of the festival's languages (shown once, with a copy button: only its hash is kept), list the
// film's links (label, language, made, revoked) and revoke one. docs/reports.md.
import { api } from '/js/api.js';
import { formatDate, languageName, LANGUAGES, pick, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

function errorText(error) {
  const key = `report.error.${error.code}`;
  const text = t(key);
  return text === key ? error.message : text;
}

const when = (iso) => formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' });

// The new link, once: a read-only field to select and a button that copies it.
function shownOnce(url, say) {
  const field = el('input', { type: 'text', readonly: true, value: url, id: 'report-link-url', class: 'report-link-url' });
  const copy = el('button', {
    type: 'button',
    class: 'button-secondary',
    id: 'report-link-copy',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(url);
      } catch {
        field.select();
        document.execCommand('copy');  // where the clipboard API is refused (no secure context)
      }
      say(t('report.copied'));
    },
  }, t('report.copy'));
  return el('div', { class: 'report-link-once' },
    el('label', { for: 'report-link-url' }, t('report.link_once')), ' ', field, ' ', copy);
}

function linksTable(links, { onChange, say }) {
  if (!links.length) return el('p', { id: 'report-links-none' }, t('report.no_links'));
  const row = (link) => el('tr', { 'data-link': link.id },
    el('th', { scope: 'row' }, link.label || t('report.no_label')),
    el('td', {}, languageName(link.language)),
    el('td', {}, el('time', { datetime: link.created_at }, when(link.created_at))),
    el('td', {}, link.revoked_at
      ? el('span', { class: 'muted' }, t('report.revoked_at', { time: when(link.revoked_at) }))
      : el('button', {
        type: 'button',
        class: 'button-secondary',
        'aria-label': t('report.revoke_named', { label: link.label || t('report.no_label') }),
        onclick: async () => {
          if (!window.confirm(t('report.revoke_confirm'))) return;
          try {
            await api(`/api/report-links/${link.id}`, { method: 'DELETE' });
            say(t('report.revoked'));
            onChange();
          } catch (e) {
            say(errorText(e));
          }
        },
      }, t('report.revoke'))));
  return el('div', { class: 'stats-table-wrap' }, el('table', { class: 'stats-table', id: 'report-links' },
    el('caption', { class: 'visually-hidden' }, t('report.links')),
    el('thead', {}, el('tr', {}, ['report.label', 'report.language', 'report.created', 'report.state']
      .map((key) => el('th', { scope: 'col' }, t(key))))),
    el('tbody', {}, links.map(row))));
}

/** The filmmakers' reports card: the form, the new link once, the chosen film's links. */
export function reportsSection() {
  const status = el('p', { id: 'reports-status', role: 'status', 'aria-live': 'polite' });
  const say = (text) => { status.textContent = text; };
  const film = el('select', { id: 'report-film', name: 'film', required: true });
  const language = el('select', { id: 'report-language', name: 'language' },
    LANGUAGES.map((l) => el('option', { value: l }, languageName(l))));
  const label = el('input', { id: 'report-label', name: 'label', type: 'text', maxlength: 200 });
  const once = el('div', { id: 'report-link-new' });
  const list = el('div', { id: 'report-links-list' });
  const context = { onChange: () => showLinks(), say };

  async function showLinks() {
    if (!film.value) return;
    try {
      const { links } = await api(`/api/films/${encodeURIComponent(film.value)}/report-links`);
      list.replaceChildren(linksTable(links, context));
    } catch (e) {
      say(errorText(e));
    }
  }
  film.addEventListener('change', () => {
    once.replaceChildren();
    showLinks();
  });

  const form = el('form', {
    id: 'report-form',
    'aria-labelledby': 'report-form-title',
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        const made = await api(`/api/films/${encodeURIComponent(film.value)}/report-links`, {
          method: 'POST', body: { language: language.value, label: label.value },
        });
        once.replaceChildren(shownOnce(new URL(made.url, window.location.origin).href, say));
        say(t('report.link_made'));
        label.value = '';
        document.getElementById('report-link-url')?.select();
        showLinks();
      } catch (e) {
        say(errorText(e));
      }
    },
  },
  el('h3', { id: 'report-form-title' }, t('report.make')),
  el('p', { class: 'stats-range' },
    el('label', { for: 'report-film' }, t('organizer.film'), film),
    el('label', { for: 'report-language' }, t('report.language'), language),
    el('label', { for: 'report-label' }, t('report.label'), label)),
  el('button', { type: 'submit', class: 'button' }, t('report.make_button')));

  api('/api/films?include=unpublished&per_page=100')
    .then(({ items }) => {
      film.replaceChildren(...items.map((f) => el('option', { value: f.slug }, pick(f.texts, 'title') || f.original_title)));
      showLinks();
    })
    .catch((e) => say(errorText(e)));

  return el('section', { class: 'card', id: 'reports', 'aria-labelledby': 'reports-title' },
    el('h2', { id: 'reports-title' }, t('report.section')),
    el('p', { class: 'muted' }, t('report.section_hint')),
    status, form, once, el('h3', {}, t('report.links')), list);
}
