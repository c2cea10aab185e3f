// The organizers' feedback page: the comment moderation queue, the audience award, the festival
// feedback form's questions and the exports. Comment texts are shown as text, never as HTML.
import { getSession } from '/js/api.js';
import { lang, t } from '/js/i18n.js';
import { el, signInNotice, startPage } from '/js/layout.js';
import { awardSection } from '/js/moderation-award.js';
import { formSection } from '/js/moderation-form.js';
import { queueSection } from '/js/moderation-queue.js';

function exportsSection() {
  const link = (href, key) => el('a', { class: 'button-secondary', href, download: '' }, t(key));
  return el('section', { class: 'mod-section', 'aria-labelledby': 'mod-exports' },
    el('h2', { id: 'mod-exports' }, t('moderation.exports')),
    el('p', { class: 'mod-exports' },
      link('/api/moderation/export.csv?kind=comments', 'moderation.export_comments'),
      link('/api/moderation/export.csv?kind=ratings', 'moderation.export_ratings'),
      link(`/api/moderation/export.csv?kind=answers&lang=${lang()}`, 'moderation.export_answers'),
      link('/api/moderation/export.json', 'moderation.export_json')));
}

startPage({
  page: 'moderation',
  title: 'moderation.title',
  render: async (main) => {
    const session = await getSession();
    if (!session || session.user.role !== 'organizer') {
      signInNotice(main, { title: 'moderation.title', message: 'moderation.signin', next: '/moderation' });
      return;
    }
    const [queue, award, form] = await Promise.all([queueSection(), awardSection(), formSection()]);
    main.replaceChildren(el('h1', {}, t('moderation.title')), queue, award, form, exportsSection());
  },
});
