// About: what the festival is, accessibility and privacy, in the viewer's language.
import { t } from '/js/i18n.js';
import { el, startPage } from '/js/layout.js';

startPage({
  page: 'about',
  title: 'about.title',
  render: (main) => {
    main.replaceChildren(
      el('h1', {}, t('about.heading')),
      el('p', {}, t('about.p1')),
      el('p', {}, t('about.p2')),
      el('p', {}, t('about.p3')),
      el('h2', {}, t('about.accessibility')),
      el('p', {}, t('about.p4')),
      el('h2', {}, t('about.privacy')),
      el('p', {}, t('about.p5')),
    );
  },
});
