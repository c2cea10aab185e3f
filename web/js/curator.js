// The curator's workspace: every film (published or not), its editor, the master upload with resumable
// progress, live transcode progress, subtitles, poster and audio tracks. The selected film lives in the address
// (#film=ID or #new) so a reload comes back to it, and to its unfinished upload.
import { api, getSession } from '/js/api.js';
import { pick, t } from '/js/i18n.js';
import { el, signInNotice, startPage } from '/js/layout.js';
import { assetsSection } from '/js/curator-assets.js';
import { audioSection } from '/js/curator-audio.js';
import { embedSection } from '/js/curator-embed.js';
import { filmEditor } from '/js/curator-film-form.js';
import { jobSection } from '/js/curator-jobs.js';
import { curatorsSection, readOnlyNotice } from '/js/curator-owners.js';
import { uploadSection } from '/js/curator-upload.js';
import { pendingSection } from '/js/curator-versions.js';

function selectedFromHash() {
  const match = /^#film=(\d+)$/.exec(location.hash);
  if (match) return Number(match[1]);
  return location.hash === '#new' ? 'new' : null;
}

function filmLabel(film) {
  return pick(film.texts, 'title') || film.original_title;
}

async function render(main) {
  const session = await getSession();
  if (!session || !session.user) {
    signInNotice(main, { title: 'curator.heading', message: 'curator.sign_in_first', next: '/curator' });
    return null;
  }
  const cleanups = [];
  const list = el('ul', { class: 'curator-films', id: 'curator-films' });
  const editorColumn = el('div', { id: 'curator-editor' });
  const newButton = el('button', { type: 'button', class: 'primary', id: 'curator-new' }, t('curator.new_film'));
  newButton.addEventListener('click', () => { location.hash = '#new'; });

  // Screening state, media version, and the newest transcode when it has not simply succeeded.
  function filmMeta(film) {
    const parts = [t(`screening.${film.screening}`),
      film.media ? t('curator.has_media', { version: film.media.version }) : t('curator.no_media')];
    const newest = film.latest_job;
    if (newest && newest.status !== 'done')
      parts.push(t('curator.job_state', { id: newest.id, status: t(`curator.job_${newest.status}`) }));
    if (film.can_edit === false) parts.push(t('curator.read_only'));
    return parts.join(' · ');
  }

  async function refreshList(selected) {
    const films = await api('/api/films?include=unpublished&per_page=100');
    list.replaceChildren(...films.items.map((film) => el('li', {},
      el('button', {
        type: 'button',
        'data-film': film.id,
        'data-can-edit': String(film.can_edit !== false),
        'aria-current': String(film.id === selected),
        onclick: () => { location.hash = `#film=${film.id}`; },
      },
      filmLabel(film),
      el('span', { class: 'meta' }, filmMeta(film))))));
    if (films.items.length === 0) list.append(el('li', { class: 'muted' }, t('curator.no_films')));
  }

  async function showSelected() {
    while (cleanups.length) cleanups.pop()();
    const selected = selectedFromHash();
    await refreshList(selected);
    if (selected === null) {
      editorColumn.replaceChildren(el('p', { class: 'muted' }, t('curator.pick_film')));
      return;
    }
    if (selected === 'new') {
      editorColumn.replaceChildren(filmEditor(null, {
        onSaved: (film) => { location.hash = `#film=${film.id}`; },
      }));
      return;
    }
    let film;
    try {
      film = await api(`/api/films/${selected}`);
    } catch (e) {
      editorColumn.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message));
      return;
    }
    const organizer = session.user.role === 'organizer';
    const owners = organizer ? curatorsSection(film, { onChanged: () => showSelected() }) : null;
    // Someone else's film: what it is and who curates it, without controls the server would refuse.
    if (film.can_edit === false) {
      editorColumn.replaceChildren(el('h2', { id: 'curator-film-title' }, filmLabel(film)), readOnlyNotice(film));
      return;
    }
    const jobs = jobSection(film, { onDone: () => refreshList(film.id) });
    cleanups.push(jobs.stop);
    const upload = uploadSection(film, { onQueued: (jobId) => jobs.follow(jobId) });
    cleanups.push(upload.stop);
    const pending = pendingSection(film, { onPublished: () => showSelected() });
    if (pending) cleanups.push(pending.stop);
    editorColumn.replaceChildren(
      el('h2', { id: 'curator-film-title' }, filmLabel(film)),
      ...(owners ? [owners] : []),
      filmEditor(film, { onSaved: () => showSelected() }),
      ...(pending ? [pending.node] : []),
      upload.node,
      jobs.node,
      assetsSection(film, { onChanged: () => showSelected(), onQueued: (jobId) => jobs.follow(jobId) }),
      audioSection(film, { onQueued: (jobId) => jobs.follow(jobId) }),
      embedSection(film),
    );
  }

  const onHash = () => { showSelected(); };
  window.addEventListener('hashchange', onHash);
  main.replaceChildren(
    el('h1', {}, t('curator.heading')),
    el('div', { class: 'curator-layout' },
      el('section', { 'aria-labelledby': 'curator-films-heading' },
        el('h2', { id: 'curator-films-heading' }, t('curator.films')), newButton, el('p'), list),
      editorColumn),
  );
  await showSelected();
  return () => {
    window.removeEventListener('hashchange', onHash);
    while (cleanups.length) cleanups.pop()();
  };
}

startPage({ page: 'curator', title: 'curator.title', render });
