// The frame around every page: skip link, header with the festival's name, navigation and the language
// switcher, and the footer. A page calls startPage() once; its render(main) runs again after a language
// switch so everything it shows follows the new language.
//
//   import { startPage } from '/js/layout.js';
//   startPage({ page: 'catalog', title: 'catalog.title', render: async (main) => { ... } });
//
// Each page's HTML has <main id="main" tabindex="-1"> and loads its module; no inline code (CSP).
import { api, getSession, signOut } from '/js/api.js';
import { addressIn, addressLanguage, initI18n, lang, LANGUAGES, onLangChange, pagePath, setLang, t } from '/js/i18n.js';

const NATIVE_NAMES = { fr: 'Français', en: 'English', es: 'Español' };

let festivalPromise = null;

/** GET /api/festival, fetched once per page. */
export function festivalInfo() {
  if (!festivalPromise) festivalPromise = api('/api/festival').catch(() => null);
  return festivalPromise;
}

/** Creates an element: el('a', {href: '/', class: 'x'}, 'text', child…). Text is set as text, never HTML. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** What a visitor who may not see a page gets: its heading and a notice with a sign-in link back to next. */
export function signInNotice(main, { title, message, next }) {
  main.replaceChildren(
    el('h1', {}, t(title)),
    el('p', { class: 'notice' }, t(message), ' ', el('a', { href: `${pagePath('login')}?next=${pagePath(next)}` }, t('nav.login'))));
}

function navLink(href, key, page, current) {
  return el('li', {}, el('a', { href, 'aria-current': page === current ? 'page' : null }, t(key)));
}

function languageSwitcher() {
  const group = el('div', { class: 'lang-switcher', role: 'group', 'aria-label': t('layout.language') });
  for (const l of LANGUAGES) {
    group.append(
      el(
        'button',
        {
          type: 'button',
          lang: l,
          'aria-pressed': String(l === lang()),
          'data-lang': l,
          onclick: async () => {
            // The same page in another language is another address: it goes into the history, and the
            // page is drawn again in place (an upload or a film in progress goes on).
            if (addressLanguage() && l !== lang()) history.pushState(history.state, '', addressIn(l));
            await setLang(l);
            const again = document.querySelector(`.lang-switcher button[data-lang="${l}"]`);
            if (again) again.focus();
          },
        },
        NATIVE_NAMES[l],
      ),
    );
  }
  return group;
}

async function buildHeader(page) {
  const [festival, session] = await Promise.all([festivalInfo(), getSession()]);
  const name = (festival && festival.name) || t('layout.festival');
  const links = [
    navLink(pagePath(), 'nav.home', 'home', page),
    navLink(pagePath('catalog'), 'nav.catalog', 'catalog', page),
    navLink(pagePath('about'), 'nav.about', 'about', page),
  ];
  if (session && session.user) {
    links.push(navLink(pagePath('curator'), 'nav.curator', 'curator', page));
    links.push(navLink(pagePath('account'), 'accounts.nav', 'account', page));
    if (session.user.role === 'organizer') {
      links.push(navLink(pagePath('organizer'), 'nav.organizer', 'organizer', page));
      links.push(navLink(pagePath('moderation'), 'nav.moderation', 'moderation', page));
    }
    links.push(
      el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: 'link-button',
            onclick: async () => {
              await signOut().catch(() => {});
              location.assign(pagePath());
            },
          },
          t('nav.logout'),
        ),
      ),
    );
  } else {
    links.push(navLink(pagePath('login'), 'nav.login', 'login', page));
  }
  return el(
    'header',
    { class: 'site-header' },
    el('a', { class: 'skip-link', href: '#main' }, t('layout.skip')),
    el(
      'div',
      { class: 'site-header-inner' },
      el('a', { class: 'brand', href: pagePath() }, name),
      el('nav', { 'aria-label': t('layout.nav') }, el('ul', { class: 'nav-list' }, links)),
      languageSwitcher(),
    ),
  );
}

async function buildFooter() {
  const festival = await festivalInfo();
  const name = (festival && festival.name) || t('layout.festival');
  return el(
    'footer',
    { class: 'site-footer' },
    el('p', {}, t('layout.footer', { name })),
    el('p', {}, el('a', { href: pagePath('about') }, t('nav.about'))),
  );
}

async function drawFrame(page) {
  const main = document.getElementById('main');
  const [header, footer] = await Promise.all([buildHeader(page), buildFooter()]);
  document.querySelector('body > header.site-header')?.remove();
  document.querySelector('body > footer.site-footer')?.remove();
  main.before(header);
  main.after(footer);
}

function setTitle(title) {
  return festivalInfo().then((festival) => {
    const name = (festival && festival.name) || t('layout.festival');
    const own = typeof title === 'function' ? title() : title ? t(title) : '';
    document.title = own ? `${own} — ${name}` : name;
  });
}

/**
 * Starts a page: chooses the language, draws header and footer, then render(main). After a language
 * switch the frame is redrawn and render(main) runs again. title: an i18n key or a function returning text.
 * render may return a function to call before it runs again (to stop timers, players…).
 */
export async function startPage({ page, title, render }) {
  await initI18n();
  const main = document.getElementById('main');
  let cleanup = null;
  const draw = async () => {
    if (typeof cleanup === 'function') cleanup();
    main.setAttribute('aria-busy', 'true');
    await Promise.all([drawFrame(page), setTitle(title)]);
    try {
      cleanup = render ? await render(main) : null;
    } catch (e) {
      main.replaceChildren(el('p', { class: 'error', role: 'alert' }, t('common.load_error', { message: e.message })));
    }
    main.removeAttribute('aria-busy');
  };
  onLangChange(draw);
  await draw();
}
