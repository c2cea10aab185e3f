// Editor for the festival feedback form's questions (GET/PUT /api/feedback/form).
// Choices are edited as lines "value = label fr | label en | label es".
import { api } from '/js/api.js';
import { LANGUAGES, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

const KINDS = ['choice', 'film', 'text'];

function optionsToText(options) {
  return (options || [])
    .map((o) => `${o.value} = ${LANGUAGES.map((l) => (o.label && o.label[l]) || '').join(' | ')}`)
    .join('\n');
}

function textToOptions(text) {
  const options = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    const value = (eq < 0 ? line : line.slice(0, eq)).trim();
    const labels = eq < 0 ? [value] : line.slice(eq + 1).split('|').map((s) => s.trim());
    const label = {};
    LANGUAGES.forEach((l, i) => { if (labels[i]) label[l] = labels[i]; });
    if (!Object.keys(label).length) label[LANGUAGES[0]] = value;
    options.push({ value, label });
  }
  return options;
}

export async function formSection() {
  let questions = (await api('/api/feedback/form')).questions;
  let fresh = 0;
  const list = el('div', { id: 'mod-questions' });
  const message = el('p', { class: 'fb-status', role: 'status' });

  function card(q, index) {
    const uid = `mod-q${q.id || `new${q.fresh}`}`;
    const kind = el('select', { id: `${uid}-kind`, disabled: Boolean(q.id) },
      KINDS.map((k) => el('option', { value: k, selected: k === q.kind }, t(`moderation.kind_${k}`))));
    kind.addEventListener('change', () => { q.kind = kind.value; render(); });
    const required = el('input', { type: 'checkbox', id: `${uid}-required` });
    required.checked = Boolean(q.required);
    required.addEventListener('change', () => { q.required = required.checked; });
    const labels = LANGUAGES.map((l) => {
      const input = el('input', { type: 'text', id: `${uid}-label-${l}`, lang: l, maxlength: 300, value: (q.label && q.label[l]) || '' });
      input.addEventListener('input', () => { q.label = { ...(q.label || {}), [l]: input.value }; });
      return el('div', { class: 'field' }, el('label', { for: input.id }, t('moderation.label', { lang: l })), input);
    });
    const parts = [
      el('div', { class: 'fb-row' },
        el('div', { class: 'field' }, el('label', { for: kind.id }, t('moderation.kind')), kind),
        el('p', { class: 'ff-choice' }, required, el('label', { for: required.id }, t('moderation.required')))),
      el('div', { class: 'fb-row' }, labels),
    ];
    if (q.kind === 'choice') {
      const options = el('textarea', { id: `${uid}-options`, rows: 4 });
      options.value = optionsToText(q.options);
      options.addEventListener('input', () => { q.options = textToOptions(options.value); });
      parts.push(el('div', { class: 'field' }, el('label', { for: options.id }, t('moderation.options')), options));
    }
    const up = el('button', { type: 'button', class: 'button-secondary', disabled: index === 0 }, t('moderation.move_up'));
    up.addEventListener('click', () => { [questions[index - 1], questions[index]] = [questions[index], questions[index - 1]]; render(); });
    const remove = el('button', { type: 'button', class: 'button-secondary' }, t('moderation.remove_question'));
    remove.addEventListener('click', () => { questions.splice(index, 1); render(); });
    parts.push(el('p', { class: 'mod-toolbar' }, up, remove));
    return el('fieldset', { class: 'ff-question mod-question' }, el('legend', {}, `${index + 1}.`), parts);
  }

  function render() {
    list.replaceChildren(...questions.map(card));
  }

  const add = el('button', { type: 'button', class: 'button-secondary' }, t('moderation.add_question'));
  add.addEventListener('click', () => {
    questions.push({ kind: 'text', required: false, label: {}, fresh: ++fresh });
    render();
  });
  const save = el('button', { type: 'button', class: 'primary' }, t('moderation.save_form'));
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      const body = questions.map(({ fresh: _, ...q }) => {
        const label = Object.fromEntries(Object.entries(q.label || {}).filter(([, v]) => v.trim()));
        return q.kind === 'choice' ? { ...q, label } : { id: q.id, kind: q.kind, required: q.required, label };
      });
      questions = (await api('/api/feedback/form', { method: 'PUT', body: { questions: body } })).questions;
      render();
      message.className = 'fb-status success';
      message.textContent = t('moderation.saved');
    } catch (e) {
      message.className = 'fb-status error';
      message.textContent = t('moderation.error', { message: e.message });
    } finally {
      save.disabled = false;
    }
  });

  render();
  return el('section', { class: 'mod-section', 'aria-labelledby': 'mod-form' },
    el('h2', { id: 'mod-form' }, t('moderation.form')),
    el('p', { class: 'muted' }, t('moderation.form_help')),
    list, el('p', { class: 'mod-toolbar' }, add, save), message);
}
