// The comment moderation queue: filter by status, select many, approve / reject / delete at once.
import { api } from '/js/api.js';
import { formatDate, pagePath, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

const PER_PAGE = 50;
const STATUSES = ['pending', 'approved', 'rejected', 'all'];

export async function queueSection() {
  let status = 'pending';
  let page = 1;
  let shown = [];
  const selected = new Set();

  const statusSelect = el('select', { id: 'mod-status' },
    STATUSES.map((s) => el('option', { value: s }, t(`moderation.status_${s}`))));
  const selectAll = el('input', { type: 'checkbox', id: 'mod-select-all' });
  const count = el('span', { class: 'muted', 'aria-live': 'polite' });
  const message = el('p', { class: 'fb-status', role: 'status' });
  const buttons = {
    approve: el('button', { type: 'button', class: 'primary', 'data-action': 'approve' }, t('moderation.approve')),
    reject: el('button', { type: 'button', class: 'button-secondary', 'data-action': 'reject' }, t('moderation.reject')),
    delete: el('button', { type: 'button', class: 'button-secondary', 'data-action': 'delete' }, t('moderation.delete')),
  };
  const body = el('tbody');
  const table = el('table', { class: 'mod-table' },
    el('thead', {}, el('tr', {},
      el('th', { class: 'mod-check', scope: 'col' }, el('label', { class: 'visually-hidden', for: 'mod-select-all' }, t('moderation.select_all')), selectAll),
      el('th', { scope: 'col' }, t('moderation.film')),
      el('th', { scope: 'col' }, t('moderation.author')),
      el('th', { scope: 'col' }, t('moderation.text')),
      el('th', { scope: 'col' }, t('moderation.date')),
      el('th', { scope: 'col' }, t('moderation.state')))),
    body);
  const empty = el('p', { class: 'muted', hidden: true }, t('moderation.empty'));
  const pageInfo = el('span', { class: 'muted' });
  const previous = el('button', { type: 'button', class: 'button-secondary' }, t('moderation.previous'));
  const next = el('button', { type: 'button', class: 'button-secondary' }, t('moderation.next'));
  const pager = el('p', { class: 'fb-pager' }, previous, pageInfo, next);

  function refreshSelection() {
    count.textContent = t('moderation.selected', { n: selected.size });
    for (const b of Object.values(buttons)) b.disabled = selected.size === 0;
    selectAll.checked = shown.length > 0 && shown.every((c) => selected.has(c.id));
  }

  function row(c) {
    const box = el('input', { type: 'checkbox', id: `mod-c-${c.id}`, 'data-comment-id': c.id });
    box.checked = selected.has(c.id);
    box.addEventListener('change', () => {
      if (box.checked) selected.add(c.id);
      else selected.delete(c.id);
      refreshSelection();
    });
    const text = el('td', { class: 'mod-text' }, c.text);
    if (c.lang) text.setAttribute('lang', c.lang);
    const author = el('td', {}, c.name || t('feedback.anonymous'), c.lang ? el('span', { class: 'muted' }, ` (${c.lang})`) : null);
    const state = el('td', {}, t(`moderation.status_${c.status}`),
      c.submissions > 1 ? el('span', { class: 'muted' }, ` · ${t('moderation.submissions', { n: c.submissions })}`) : null);
    return el('tr', { 'data-comment-id': c.id },
      el('td', { class: 'mod-check' }, el('label', { class: 'visually-hidden', for: box.id }, t('moderation.select', { id: c.id })), box),
      el('td', {}, el('a', { href: pagePath(`films/${encodeURIComponent(c.film.slug)}`) }, c.film.original_title)),
      author, text,
      el('td', {}, el('time', { datetime: c.created_at }, formatDate(c.created_at, { dateStyle: 'short', timeStyle: 'short' }))),
      state);
  }

  async function load() {
    const result = await api(`/api/moderation/comments?status=${status}&page=${page}&per_page=${PER_PAGE}`);
    shown = result.comments;
    body.replaceChildren(...shown.map(row));
    const pages = Math.max(1, Math.ceil(result.total / PER_PAGE));
    empty.hidden = result.total > 0;
    table.hidden = result.total === 0;
    pager.hidden = pages <= 1;
    pageInfo.textContent = t('moderation.page', { page, pages });
    previous.disabled = page <= 1;
    next.disabled = page >= pages;
    refreshSelection();
  }

  async function act(action) {
    const ids = [...selected];
    if (!ids.length) return;
    if (action === 'delete' && !window.confirm(t('moderation.confirm_delete', { n: ids.length }))) return;
    message.className = 'fb-status';
    try {
      const result = await api('/api/moderation/comments', { method: 'POST', body: { ids, action } });
      selected.clear();
      message.className = 'fb-status success';
      message.textContent = t('moderation.changed', { n: result.changed });
      await load();
    } catch (e) {
      message.className = 'fb-status error';
      message.textContent = t('moderation.error', { message: e.message });
    }
  }

  for (const [action, button] of Object.entries(buttons)) button.addEventListener('click', () => act(action));
  selectAll.addEventListener('change', () => {
    for (const c of shown) {
      if (selectAll.checked) selected.add(c.id);
      else selected.delete(c.id);
    }
    for (const box of body.querySelectorAll('input[type=checkbox]')) box.checked = selectAll.checked;
    refreshSelection();
  });
  statusSelect.addEventListener('change', () => {
    status = statusSelect.value;
    page = 1;
    selected.clear();
    load().catch((e) => { message.textContent = t('moderation.error', { message: e.message }); });
  });
  previous.addEventListener('click', () => { page -= 1; load(); });
  next.addEventListener('click', () => { page += 1; load(); });

  await load();
  return el('section', { class: 'mod-section', 'aria-labelledby': 'mod-queue' },
    el('h2', { id: 'mod-queue' }, t('moderation.queue')),
    el('div', { class: 'mod-toolbar' },
      el('label', { for: 'mod-status' }, t('moderation.status')), statusSelect,
      buttons.approve, buttons.reject, buttons.delete, count),
    message, empty, table, pager);
}
