// How a premiere's times read for the viewer: the start in their own time zone (named, so nobody
// wonders whose eight o'clock it is) and the countdown to it, in their language.
import { lang, pagePath, t } from '/js/i18n.js';
import { countdownParts, toUnixMs } from '/js/premiere-clock.js';

/** The viewer's time zone as the browser knows it ("Europe/Paris"), or "". */
export function viewerTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return '';
  }
}

/** "Tuesday, December 1, 2026 at 8:00 PM CET" in the viewer's language and time zone. */
export function premiereStart(startsAt) {
  const date = new Date(toUnixMs(startsAt));
  if (Number.isNaN(date.getTime())) return String(startsAt || '');
  return new Intl.DateTimeFormat(lang(), {
    weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
  }).format(date);
}

/** The same, followed by the time zone it is given in: "… (your time zone: Europe/Paris)". */
export function premiereStartWithZone(startsAt) {
  const zone = viewerTimeZone();
  return zone ? `${premiereStart(startsAt)} ${t('premiere.your_zone', { zone })}` : premiereStart(startsAt);
}

/** "in 2 days, 03:04:05" / "in 03:04:05" until a start ms from now. */
export function countdownText(ms) {
  const { days, hours, minutes, seconds } = countdownParts(ms);
  const pad = (n) => String(n).padStart(2, '0');
  const time = `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  return days ? t('premiere.countdown_days', { days, time }) : t('premiere.countdown', { time });
}

/** The premiere page of a premiere. */
export function premierePageUrl(id) {
  return pagePath(`premieres/${encodeURIComponent(id)}`);
}

/** Its calendar file (RFC 5545), for "add to calendar". */
export function premiereCalendarUrl(id) {
  return `/api/premieres/${encodeURIComponent(id)}/calendar.ics`;
}
