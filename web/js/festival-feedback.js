// The public festival feedback form (/feedback): the organizers' questions, answered without an
// account; and the audience award's ranking once the organizers publish it.
import { api, ApiError } from '/js/api.js';
import { formatNumber, lang, pagePath, pick, t } from '/js/i18n.js';
import { el, startPage } from '/js/layout.js';

function labelOf(label) {
  return (label && (label[lang()] || label.en || label.fr || Object.values(label)[0])) || '';
}

function questionField(q, films) {
  const uid = `ff-q${q.id}`;
  const legend = el('legend', {}, labelOf(q.label), q.required ? ` ${t('feedback.form_required')}` : '');
  if (q.kind === 'choice') {
    const choices = q.options.map((o) => el('p', { class: 'ff-choice' },
      el('input', { type: 'radio', name: uid, id: `${uid}-${o.value}`, value: o.value, required: q.required }),
      el('label', { for: `${uid}-${o.value}` }, labelOf(o.label))));
    return { element: el('fieldset', { class: 'ff-question' }, legend, choices),
      value: () => (document.querySelector(`input[name="${uid}"]:checked`) || {}).value || '' };
  }
  if (q.kind === 'film') {
    const select = el('select', { id: uid, 'aria-label': labelOf(q.label) },
      el('option', { value: '' }, t('feedback.form_choose_film')),
      films.map((f) => el('option', { value: f.slug }, pick(f.texts, 'title') || f.original_title)));
    return { element: el('fieldset', { class: 'ff-question' }, legend, select), value: () => select.value };
  }
  const area = el('textarea', { id: uid, rows: 4, maxlength: 2000, 'aria-label': labelOf(q.label) });
  return { element: el('fieldset', { class: 'ff-question' }, legend, area), value: () => area.value };
}

async function awardPart() {
  let award;
  try {
    award = await api('/api/award');
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;  // not published
    throw e;
  }
  if (!award.public || !award.ranking.length) return null;
  const rows = award.ranking.slice(0, 10).map((e) => {
    const titles = Object.fromEntries(Object.entries(e.film.titles || {}).map(([l, title]) => [l, { title }]));
    return el('li', {}, el('a', { href: pagePath(`films/${encodeURIComponent(e.film.slug)}`) }, pick(titles, 'title') || e.film.original_title),
      el('span', { class: 'muted' }, ` — ${t(e.count === 1 ? 'feedback.average_one' : 'feedback.average', {
        average: formatNumber(e.average, { maximumFractionDigits: 1 }), count: formatNumber(e.count) })}`));
  });
  return el('section', { class: 'mod-section', 'aria-labelledby': 'ff-award' },
    el('h2', { id: 'ff-award' }, t('feedback.award_title')),
    el('p', { class: 'muted' }, t('feedback.award_intro')),
    el('ol', { id: 'ff-award-list' }, rows));
}

startPage({
  page: 'feedback',
  title: 'feedback.form_title',
  render: async (main) => {
    const [form, films, award] = await Promise.all([
      api('/api/feedback/form'),
      api('/api/films?per_page=100').catch(() => ({ items: [] })),
      awardPart().catch(() => null),
    ]);
    const heading = el('h1', {}, t('feedback.form_title'));
    if (!form.questions.length) {
      main.replaceChildren(...[heading, el('p', { class: 'notice' }, t('feedback.form_no_questions')), award].filter(Boolean));
      return;
    }
    const fields = form.questions.map((q) => ({ q, ...questionField(q, films.items) }));
    const website = el('input', { id: 'ff-website', name: 'website', type: 'text', tabindex: '-1', autocomplete: 'off' });
    const status = el('p', { class: 'fb-status', role: 'status' });
    const submit = el('button', { type: 'submit', class: 'primary' }, t('feedback.form_submit'));
    const formElement = el('form', { id: 'ff-form', novalidate: true },
      fields.map((f) => f.element),
      el('div', { class: 'fb-trap', 'aria-hidden': 'true' }, el('label', { for: website.id }, t('feedback.website')), website),
      submit, status);
    formElement.addEventListener('submit', async (event) => {
      event.preventDefault();
      const answers = {};
      for (const f of fields) {
        const v = f.value();
        if (v && v.trim()) answers[f.q.id] = v;
      }
      status.className = 'fb-status';
      if (!Object.keys(answers).length) {
        status.className = 'fb-status error';
        status.textContent = t('feedback.form_empty');
        return;
      }
      submit.disabled = true;
      status.textContent = t('feedback.sending');
      try {
        await api('/api/feedback', { method: 'POST', body: { answers, lang: lang(), website: website.value } });
        formElement.reset();
        status.className = 'fb-status success';
        status.textContent = t('feedback.form_sent');
      } catch (e) {
        status.className = 'fb-status error';
        status.textContent = e instanceof ApiError && e.status === 429 ? t('feedback.rate_limited') : t('feedback.error', { message: e.message });
      } finally {
        submit.disabled = false;
      }
    });
    main.replaceChildren(...[heading, el('p', {}, t('feedback.form_intro')), formElement, award].filter(Boolean));
  },
});
