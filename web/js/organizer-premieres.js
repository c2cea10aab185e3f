// Premieres on the organizers' page: every premiere with its film, its time in the organizer's own
// time zone, where it stands, its attendance (peak and total), the room's exports, a guest moderator
// link (shown once) and cancelling; and a form to schedule one (the datetime-local field is read in
// the browser's time zone and sent as an ISO instant with that offset).
import { api } from '/js/api.js';
import { formatNumber, lang, pick, t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { premierePageUrl } from '/js/premiere-times.js';

/** "2026-12-01T20:00" typed in the browser's zone → "2026-12-01T20:00:00+01:00" (that day's offset). */
export function localInputToInstant(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const date = new Date(value);  // a date-time without zone is read as local time
  if (Number.isNaN(date.getTime())) return null;
  const east = -date.getTimezoneOffset();
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const seconds = value.length === 16 ? ':00' : '';
  return `${value}${seconds}${east < 0 ? '-' : '+'}${pad(east / 60)}:${pad(east % 60)}`;
}

function localTime(iso) {
  // dateStyle and timeStyle refuse timeZoneName: the fields one by one.
  return new Intl.DateTimeFormat(lang(), {
    weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
  }).format(new Date(iso));
}

function errorText(error) {
  const key = `organizer.premieres.error.${error.code}`;
  const text = t(key);
  return text === key ? error.message : text;
}

function premiereRow(premiere, { onChange, say }) {
  const id = premiere.id;
  const linkOut = el('p', { class: 'premiere-guest-link', hidden: true });
  const guest = el('button', {
    type: 'button',
    class: 'button-secondary',
    onclick: async () => {
      try {
        const created = await api(`/api/premieres/${id}/moderator-links`, {
          method: 'POST', body: { label: `${t('organizer.premieres.guest')} — ${premiere.title || premiere.film}` },
        });
        const url = new URL(created.url, window.location.origin).href;
        const field = el('input', { type: 'text', readonly: true, value: url, id: `premiere-guest-url-${id}`, class: 'premiere-guest-url' });
        linkOut.replaceChildren(
          el('label', { for: `premiere-guest-url-${id}` }, t('organizer.premieres.guest_link_once')), ' ', field);
        linkOut.hidden = false;
        field.select();
      } catch (e) {
        say(errorText(e));
      }
    },
  }, t('organizer.premieres.guest_button'));
  const cancel = el('button', {
    type: 'button',
    class: 'button-secondary',
    onclick: async () => {
      if (!window.confirm(t('organizer.premieres.cancel_confirm', { film: premiere.title || premiere.film }))) return;
      try {
        await api(`/api/premieres/${id}`, { method: 'DELETE' });
        say(t('organizer.premieres.cancelled'));
        onChange();
      } catch (e) {
        say(errorText(e));
      }
    },
  }, t('organizer.premieres.cancel'));
  const attendance = premiere.attendance || { peak: 0, total: 0 };
  return el('tr', { 'data-premiere': id },
    el('th', { scope: 'row' }, el('a', { href: premierePageUrl(id) }, premiere.title || premiere.film)),
    el('td', {}, el('time', { datetime: premiere.starts_at }, localTime(premiere.starts_at))),
    el('td', { 'data-phase': premiere.phase }, t(`organizer.premieres.phase.${premiere.phase}`)),
    el('td', {}, formatNumber(attendance.peak)),
    el('td', {}, formatNumber(attendance.total)),
    el('td', { class: 'premiere-actions' },
      el('a', { href: `/api/premieres/${id}/room.csv`, download: '' }, t('organizer.premieres.export_csv')), ' ',
      el('a', { href: `/api/premieres/${id}/room.json`, download: '' }, t('organizer.premieres.export_json')), ' ',
      guest, ' ', cancel, linkOut));
}

function scheduleForm(films, { onChange, say }) {
  const film = el('select', { id: 'premiere-film', name: 'film', required: true },
    films.map((f) => el('option', { value: f.slug }, pick(f.texts, 'title') || f.original_title)));
  const starts = el('input', { id: 'premiere-starts', name: 'starts', type: 'datetime-local', required: true });
  const qa = el('input', { id: 'premiere-qa', name: 'qa_minutes', type: 'number', min: 0, max: 1440, step: 1, value: 60, required: true });
  const note = el('textarea', { id: 'premiere-note', name: 'note', rows: 2, maxlength: 500 });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return el('form', {
    id: 'premiere-form',
    class: 'premiere-form',
    'aria-labelledby': 'premiere-form-title',
    onsubmit: async (event) => {
      event.preventDefault();
      const instant = localInputToInstant(starts.value);
      if (!instant) {
        say(t('organizer.premieres.error.invalid_time'));
        return;
      }
      try {
        await api(`/api/films/${encodeURIComponent(film.value)}/premieres`, {
          method: 'POST', body: { starts_at: instant, qa_minutes: Number(qa.value), note: note.value },
        });
        say(t('organizer.premieres.scheduled'));
        note.value = '';
        onChange();
      } catch (e) {
        say(errorText(e));
      }
    },
  },
  el('h3', { id: 'premiere-form-title' }, t('organizer.premieres.schedule')),
  el('p', { class: 'stats-range' },
    el('label', { for: 'premiere-film' }, t('organizer.film'), film),
    el('label', { for: 'premiere-starts' }, t('organizer.premieres.starts', { zone }), starts),
    el('label', { for: 'premiere-qa' }, t('organizer.premieres.qa_minutes'), qa)),
  el('p', {}, el('label', { for: 'premiere-note' }, t('organizer.premieres.note'), note)),
  el('button', { type: 'submit', class: 'button' }, t('organizer.premieres.schedule_button')));
}

/** The premieres card: the list drawn again after each change, the form kept as typed. */
export function premieresSection() {
  const status = el('p', { id: 'premieres-status', role: 'status', 'aria-live': 'polite' });
  const say = (text) => { status.textContent = text; };
  const list = el('div', { id: 'premieres-list' });
  const section = el('section', { class: 'card', id: 'premieres', 'aria-labelledby': 'premieres-title' },
    el('h2', { id: 'premieres-title' }, t('organizer.premieres.title')), status, list);
  const context = { onChange: () => showList(), say };
  async function showList() {
    try {
      const premieres = await api('/api/premieres');
      list.replaceChildren(premieres.items.length
        ? el('div', { class: 'stats-table-wrap' }, el('table', { class: 'stats-table', id: 'premieres-table' },
          el('caption', { class: 'visually-hidden' }, t('organizer.premieres.title')),
          el('thead', {}, el('tr', {},
            ['organizer.film', 'organizer.premieres.when', 'organizer.premieres.phase', 'organizer.premieres.peak',
              'organizer.premieres.total', 'organizer.premieres.actions'].map((key) => el('th', { scope: 'col' }, t(key))))),
          el('tbody', {}, premieres.items.map((p) => premiereRow(p, context)))))
        : el('p', { id: 'premieres-none' }, t('organizer.premieres.none')));
    } catch (e) {
      say(errorText(e));
    }
  }
  showList();
  api('/api/films?include=unpublished&per_page=100')
    .then((films) => section.append(scheduleForm(films.items, context)))
    .catch((e) => say(errorText(e)));
  return section;
}
