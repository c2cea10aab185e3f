// The film page's "add to calendar" link: the film's screening window as a calendar file
// (GET /api/films/{key}/calendar.ics, docs/feeds.md) in the page's language, offered while the window
// is to come or open and only when it has an opening date (a window with no end is a one-hour reminder).
import { lang, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

/** The link's paragraph for film (the film JSON), or null when there is no window to remember. */
export function filmCalendarLink(film) {
  if (!film || !film.published || !film.available_from) return null;
  if (film.screening !== 'upcoming' && film.screening !== 'now') return null;
  const href = `/api/films/${encodeURIComponent(film.slug)}/calendar.ics?lang=${encodeURIComponent(lang())}`;
  return el('p', { class: 'film-calendar' },
    el('a', { class: 'button-secondary', href, download: `${film.slug}.ics` }, t('feeds.add_window_to_calendar')));
}
