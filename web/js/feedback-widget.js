// Viewers' feedback on a film page: a 1–5 star rating, a comment form (optional name and language)
// and the approved comments, newest first, a page at a time.
//
//   import { mountFeedback } from '/js/feedback-widget.js';
//   await mountFeedback(container, film, t);
//
// Everything viewers wrote is put on the page with textContent / DOM nodes, never as HTML, so a
// comment reading "<script>…" shows those characters and runs nothing.
import { api, ApiError } from '/js/api.js';
import { formatDate, formatNumber, lang, languageName, LANGUAGES, pagePath } from '/js/i18n.js';
import { el } from '/js/layout.js';

const PER_PAGE = 10;
const MAX_COMMENT = 2000;

let ids = 0;

function useStylesheet() {
  if (document.querySelector('link[data-feedback-css]')) return;
  const link = el('link', { rel: 'stylesheet', href: '/css/feedback.css', 'data-feedback-css': true });
  document.head.append(link);
}

/** The play id the player got for this film (audience counting), so a play rates a film once. */
function currentPlayId(film) {
  try {
    return sessionStorage.getItem(`festival.play.${film.slug}`) || undefined;
  } catch {
    return undefined;
  }
}

function errorText(t, e) {
  if (e instanceof ApiError) {
    if (e.status === 429) return t('feedback.rate_limited');
    if (e.code === 'play_not_viewed') return t('feedback.watch_more');
    if (e.code === 'play_required' || e.code === 'play_not_found') return t('feedback.watch_first');
    if (e.code === 'too_long') return t('feedback.too_long', { max: MAX_COMMENT });
    if (e.code === 'empty') return t('feedback.empty');
    return t('feedback.error', { message: e.message });
  }
  return t('feedback.error', { message: String(e && e.message ? e.message : e) });
}

function charCount(text) {
  return [...text].length;  // code points, as the server counts
}

/**
 * The plays that may prove this viewer watched the film ({id, token}, newest first, kept by the
 * player in this tab): a rating counts only from a play that reached a view (docs/statistics.md).
 */
function watchedPlays(film) {
  try {
    const plays = JSON.parse(sessionStorage.getItem(`festival.plays.${film.slug}`) || '[]');
    return Array.isArray(plays) ? plays.filter((p) => p && p.id && p.token) : [];
  } catch {
    return [];
  }
}

function ratingPart(film, t) {
  const key = encodeURIComponent(film.slug);
  const uid = `fb${++ids}`;
  const summary = el('p', { class: 'fb-summary' });
  const status = el('p', { class: 'fb-status', role: 'status' });
  const fieldset = el('fieldset', { class: 'fb-stars' }, el('legend', {}, t('feedback.rating_legend')));
  let remembered = null;
  try {
    remembered = localStorage.getItem(`festival.rated.${film.slug}`);
  } catch {
    // storage blocked: nothing remembered
  }
  for (let n = 1; n <= 5; n++) {
    const input = el('input', { type: 'radio', name: `${uid}-stars`, id: `${uid}-star-${n}`, value: n });
    if (remembered === String(n)) input.checked = true;
    const words = n === 1 ? t('feedback.star_one') : t('feedback.stars', { n });
    const label = el('label', { for: input.id, title: words },
      el('span', { 'aria-hidden': 'true' }, '★'), el('span', { class: 'visually-hidden' }, words));
    fieldset.append(input, label);
  }
  // Choosing stars (arrow keys move through them) sends nothing; the button does, once.
  const send = el('button', { type: 'submit', class: 'button-secondary' }, t('feedback.rate'));
  const form = el('form', { class: 'fb-rate', novalidate: true }, fieldset, send);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = fieldset.querySelector('input:checked');
    if (!chosen) {
      status.className = 'fb-status error';
      status.textContent = t('feedback.choose_stars');
      return;
    }
    const stars = Number(chosen.value);
    const plays = watchedPlays(film);
    if (!plays.length) {
      status.className = 'fb-status error';
      status.textContent = t('feedback.watch_first');
      return;
    }
    send.disabled = true;
    status.className = 'fb-status';
    status.textContent = t('feedback.sending');
    try {
      // The newest play first; one that has not reached a view yet gives way to an older one.
      let result = null;
      let firstError = null;
      for (const play of plays) {
        try {
          result = await api(`/api/films/${key}/ratings`, { method: 'POST', body: { stars, play_id: play.id, play_token: play.token } });
          break;
        } catch (e) {
          firstError ??= e;
          if (!(e instanceof ApiError && ['play_not_viewed', 'play_not_found'].includes(e.code))) throw e;
        }
      }
      if (!result) throw firstError;
      showSummary(result);
      status.className = 'fb-status success';
      status.textContent = t('feedback.rated');
      try {
        localStorage.setItem(`festival.rated.${film.slug}`, String(stars));
      } catch {
        // storage blocked: fine
      }
    } catch (e) {
      status.className = 'fb-status error';
      status.textContent = errorText(t, e);
    } finally {
      send.disabled = false;
    }
  });
  function showSummary(s) {
    summary.textContent = s && s.count > 0
      ? t(s.count === 1 ? 'feedback.average_one' : 'feedback.average', { average: formatNumber(s.average, { maximumFractionDigits: 1 }), count: formatNumber(s.count) })
      : t('feedback.no_ratings');
  }
  const load = api(`/api/films/${key}/ratings`).then(showSummary).catch(() => showSummary(null));
  return { element: el('div', { class: 'fb-rating' }, form, summary, status), ready: load };
}

function commentForm(film, t) {
  const key = encodeURIComponent(film.slug);
  const uid = `fb${++ids}`;
  const text = el('textarea', { id: `${uid}-text`, name: 'text', rows: 5, maxlength: MAX_COMMENT, required: true, 'aria-describedby': `${uid}-count` });
  const count = el('p', { id: `${uid}-count`, class: 'muted fb-count' }, t('feedback.chars_left', { n: MAX_COMMENT }));
  text.addEventListener('input', () => {
    count.textContent = t('feedback.chars_left', { n: Math.max(0, MAX_COMMENT - charCount(text.value)) });
  });
  const name = el('input', { id: `${uid}-name`, name: 'name', type: 'text', maxlength: 80, autocomplete: 'nickname' });
  const language = el('select', { id: `${uid}-lang`, name: 'lang' });
  for (const l of LANGUAGES) language.append(el('option', { value: l, selected: l === lang() }, languageName(l)));
  language.append(el('option', { value: '' }, t('feedback.language_other')));
  // The honeypot: hidden from people (off-screen, out of the tab order, hidden from screen readers).
  const website = el('input', { id: `${uid}-website`, name: 'website', type: 'text', tabindex: '-1', autocomplete: 'off' });
  const trap = el('div', { class: 'fb-trap', 'aria-hidden': 'true' }, el('label', { for: `${uid}-website` }, t('feedback.website')), website);
  const submit = el('button', { type: 'submit', class: 'primary' }, t('feedback.submit'));
  const status = el('p', { class: 'fb-status', role: 'status' });
  const form = el('form', { class: 'fb-form', novalidate: true },
    el('h3', {}, t('feedback.comment_heading')),
    el('div', { class: 'field' }, el('label', { for: text.id }, t('feedback.comment')), text, count),
    el('div', { class: 'fb-row' },
      el('div', { class: 'field' }, el('label', { for: name.id }, t('feedback.name')), name),
      el('div', { class: 'field' }, el('label', { for: language.id }, t('feedback.language')), language)),
    trap, submit, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.className = 'fb-status';
    if (!text.value.trim()) {
      status.className = 'fb-status error';
      status.textContent = t('feedback.empty');
      text.focus();
      return;
    }
    if (charCount(text.value) > MAX_COMMENT) {
      status.className = 'fb-status error';
      status.textContent = t('feedback.too_long', { max: MAX_COMMENT });
      return;
    }
    submit.disabled = true;
    status.textContent = t('feedback.sending');
    try {
      const body = { text: text.value, name: name.value.trim(), lang: language.value, website: website.value };
      const playId = currentPlayId(film);
      if (playId) body.play_id = playId;
      await api(`/api/films/${key}/comments`, { method: 'POST', body });
      text.value = '';
      count.textContent = t('feedback.chars_left', { n: MAX_COMMENT });
      status.className = 'fb-status success';
      status.textContent = t('feedback.sent');
    } catch (e) {
      status.className = 'fb-status error';
      status.textContent = errorText(t, e);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function commentList(film, t) {
  const key = encodeURIComponent(film.slug);
  const list = el('ol', { class: 'fb-comments' });
  const empty = el('p', { class: 'muted', hidden: true }, t('feedback.no_comments'));
  const pageInfo = el('span', { class: 'muted' });
  const newer = el('button', { type: 'button', class: 'button-secondary' }, t('feedback.newer'));
  const older = el('button', { type: 'button', class: 'button-secondary' }, t('feedback.older'));
  const pager = el('nav', { class: 'fb-pager', 'aria-label': t('feedback.pages'), hidden: true }, newer, pageInfo, older);
  const heading = el('h3', {}, t('feedback.comments'));
  let page = 1;

  async function show(p) {
    const result = await api(`/api/films/${key}/comments?page=${p}&per_page=${PER_PAGE}`);
    page = p;
    const pages = Math.max(1, Math.ceil(result.total / PER_PAGE));
    list.replaceChildren(...result.comments.map((c) => {
      const text = el('p', { class: 'fb-text' }, c.text);
      if (c.lang) text.setAttribute('lang', c.lang);
      const time = el('time', { datetime: c.created_at }, formatDate(c.created_at, { dateStyle: 'medium' }));
      return el('li', { class: 'fb-comment', 'data-comment-id': c.id },
        el('p', { class: 'fb-meta' }, el('span', { class: 'fb-name' }, c.name || t('feedback.anonymous')), ' · ', time),
        text);
    }));
    empty.hidden = result.total > 0;
    pager.hidden = pages <= 1;
    pageInfo.textContent = t('feedback.page', { page, pages });
    newer.disabled = page <= 1;
    older.disabled = page >= pages;
  }
  newer.addEventListener('click', () => show(page - 1).catch(() => {}));
  older.addEventListener('click', () => show(page + 1).catch(() => {}));
  const element = el('div', { class: 'fb-list' }, heading, empty, list, pager);
  return { element, ready: show(1).catch((e) => { empty.hidden = false; empty.textContent = errorText(t, e); }) };
}

/**
 * Renders the feedback widget for `film` (an /api/films object) into `container`, replacing what was
 * there; `t` is the i18n lookup. Resolves once ratings and the first page of comments are shown.
 */
export async function mountFeedback(container, film, t) {
  useStylesheet();
  const rating = ratingPart(film, t);
  const list = commentList(film, t);
  const festivalForm = el('p', { class: 'fb-festival-link' }, el('a', { href: pagePath('feedback') }, t('feedback.form_link')));
  container.replaceChildren(el('div', { class: 'fb' }, rating.element, commentForm(film, t), list.element, festivalForm));
  await Promise.all([rating.ready, list.ready]);
}
