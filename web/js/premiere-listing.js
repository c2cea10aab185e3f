// The film page's "Premieres" block: each upcoming or current premiere of the film with its start in
// the viewer's own time zone, a countdown, its calendar file and the way in to its room.
import { t } from '/js/i18n.js';
import { el } from '/js/layout.js';
import { ScreeningClock } from '/js/premiere-clock.js';
import { countdownText, premiereCalendarUrl, premierePageUrl, premiereStartWithZone } from '/js/premiere-times.js';

/**
 * The block for film (its `premieres`, from the film JSON whose `now` sets the clock), or null when it
 * has none. Returns {element, stop()}: stop() ends the countdowns' timer.
 */
export function premiereListing(film, serverNow) {
  const premieres = (film.premieres || []).filter((p) => p && p.phase !== 'ended');
  if (!premieres.length) return null;
  const rows = premieres.map((premiere) => {
    const clock = new ScreeningClock({ now: serverNow, ...premiere });
    const countdown = el('span', { class: 'premiere-countdown' });
    const item = el('li', { class: 'premiere-item card', 'data-premiere': String(premiere.id) },
      el('p', { class: 'premiere-when' }, el('time', { datetime: String(premiere.starts_at) }, premiereStartWithZone(premiere.starts_at))),
      countdown,
      premiere.note ? el('p', { class: 'premiere-note' }, premiere.note) : null,
      el('p', { class: 'premiere-links' },
        el('a', { class: 'button', href: premierePageUrl(premiere.id) }, t('premiere.join')),
        el('a', { class: 'button-secondary', href: premiereCalendarUrl(premiere.id), download: `premiere-${premiere.id}.ics` }, t('premiere.add_to_calendar'))));
    return { clock, countdown, item };
  });
  const tick = () => {
    for (const { clock, countdown } of rows) {
      const phase = clock.phase();
      countdown.textContent = phase === 'scheduled' ? countdownText(clock.untilStartMs())
        : phase === 'screening' ? t('premiere.now_screening') : t('premiere.now_questions');
    }
  };
  tick();
  const timer = setInterval(tick, 1000);
  const element = el('section', { class: 'premieres', id: 'premieres', 'aria-labelledby': 'premieres-title' },
    el('h2', { id: 'premieres-title' }, t('premiere.list_title')),
    el('ul', { class: 'premiere-list' }, rows.map((r) => r.item)));
  return { element, stop: () => clearInterval(timer) };
}
