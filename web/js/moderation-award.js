// The audience award as organizers see it: the Bayesian ranking and the "show publicly" switch.
import { api } from '/js/api.js';
import { formatNumber, pagePath, pick, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

export async function awardSection() {
  const toggle = el('input', { type: 'checkbox', id: 'mod-award-public' });
  const message = el('p', { class: 'fb-status', role: 'status' });
  const help = el('p', { class: 'muted' });
  const body = el('tbody');
  const table = el('table', { class: 'mod-table', id: 'mod-award-table' },
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, t('moderation.rank')),
      el('th', { scope: 'col' }, t('moderation.film')),
      el('th', { scope: 'col' }, t('moderation.ratings')),
      el('th', { scope: 'col' }, t('moderation.average')),
      el('th', { scope: 'col' }, t('moderation.score')))),
    body);
  const empty = el('p', { class: 'muted', hidden: true }, t('moderation.award_empty'));
  const number = (n) => formatNumber(n, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function show(award) {
    toggle.checked = award.public;
    help.textContent = t('moderation.award_help', {
      mean: award.festival_mean === null ? '—' : number(award.festival_mean),
      weight: formatNumber(award.prior_weight),
    });
    body.replaceChildren(...award.ranking.map((e) => {
      const titles = Object.fromEntries(Object.entries(e.film.titles || {}).map(([l, title]) => [l, { title }]));
      return el('tr', { 'data-slug': e.film.slug },
        el('td', {}, String(e.rank)),
        el('td', {}, el('a', { href: pagePath(`films/${encodeURIComponent(e.film.slug)}`) }, pick(titles, 'title') || e.film.original_title)),
        el('td', {}, formatNumber(e.count)),
        el('td', {}, number(e.average)),
        el('td', {}, number(e.score)));
    }));
    table.hidden = award.ranking.length === 0;
    empty.hidden = award.ranking.length > 0;
  }

  toggle.addEventListener('change', async () => {
    toggle.disabled = true;
    try {
      show(await api('/api/award', { method: 'PUT', body: { public: toggle.checked } }));
      message.className = 'fb-status success';
      message.textContent = t('moderation.saved');
    } catch (e) {
      toggle.checked = !toggle.checked;
      message.className = 'fb-status error';
      message.textContent = t('moderation.error', { message: e.message });
    } finally {
      toggle.disabled = false;
    }
  });

  show(await api('/api/award'));
  return el('section', { class: 'mod-section', 'aria-labelledby': 'mod-award' },
    el('h2', { id: 'mod-award' }, t('moderation.award')),
    help,
    el('p', { class: 'ff-choice' }, toggle, el('label', { for: toggle.id }, t('moderation.award_public'))),
    message, empty, table);
}
