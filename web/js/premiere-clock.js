// The screening clock of a premiere, with no browser in it (unit-tested under Node): the server's time
// from the `now` its answers carry, where the film should be at any instant, the phase, and the rule that
// keeps a player on the clock. The page applies the rule every second to the video.
//
// Rule: while screening, a player more than DRIFT_LIMIT seconds from the clock (a stall, a paused tab, a
// seek) is put back on it; a smaller lag is closed by playing 10 % faster for a few seconds; it is never
// let ahead of the clock; a paused player is left alone and jumps to the clock when it plays again.
export const DRIFT_LIMIT_SECONDS = 2;
// How often the page applies the rule.
export const CHECK_INTERVAL_MS = 1000;
// Under the limit, a lag of more than this is closed by playing a little faster (or slower).
const CATCH_UP_FROM_SECONDS = 0.4;
const CATCH_UP_RATE = 1.1;

/** An instant of the API as unix milliseconds: an ISO text, unix seconds or unix milliseconds. */
export function toUnixMs(value) {
  if (value === null || value === undefined || value === '') return NaN;
  if (typeof value === 'number') return value > 1e11 ? value : value * 1000;
  return Date.parse(value);
}

export class ScreeningClock {
  /**
   * premiere: the premiere JSON ({starts_at, ends_at?, room_closes_at?, duration_seconds, qa_minutes,
   * phase, now?}); localNow: the local clock in unix ms (Date.now, or a test's).
   */
  constructor(premiere, { localNow = () => Date.now() } = {}) {
    this.localNow = localNow;
    this.offsetMs = 0;
    this.closed = false;
    this.update(premiere);
  }

  /** Takes a newer premiere JSON (its times, and its `now` for the offset). */
  update(premiere) {
    this.startsAtMs = toUnixMs(premiere.starts_at);
    this.durationSeconds = Number(premiere.duration_seconds) || 0;
    const ends = toUnixMs(premiere.ends_at);
    this.endsAtMs = Number.isFinite(ends) ? ends : this.startsAtMs + this.durationSeconds * 1000;
    const closes = toUnixMs(premiere.room_closes_at);
    this.roomClosesAtMs = Number.isFinite(closes) ? closes : this.endsAtMs + (Number(premiere.qa_minutes) || 0) * 60_000;
    if (premiere.phase === 'ended') this.closed = true;
    if (premiere.now !== undefined) this.sync(premiere.now);
  }

  /**
   * The server said its time was serverNowMs when its answer left it; the answer took a moment to
   * arrive, so the offset is taken at receipt (half a round trip of error at most, far under the limit).
   */
  sync(serverNowMs, localAtReceiptMs = this.localNow()) {
    const now = toUnixMs(serverNowMs);
    if (Number.isFinite(now)) this.offsetMs = now - localAtReceiptMs;
  }

  /** A clock message of the room: {now, phase}. */
  onClock(message) {
    this.sync(message.now);
    if (message.phase === 'ended') this.closed = true;
  }

  /** The server's time now, in unix ms. */
  serverNow() {
    return this.localNow() + this.offsetMs;
  }

  /** Milliseconds until the screening starts (negative once it has). */
  untilStartMs() {
    return this.startsAtMs - this.serverNow();
  }

  /** "scheduled", "screening", "questions" or "ended", as the server's phase_at would say now. */
  phase() {
    const now = this.serverNow();
    if (this.closed || now >= this.roomClosesAtMs) return 'ended';
    if (now < this.startsAtMs) return 'scheduled';
    if (now < this.endsAtMs) return 'screening';
    return 'questions';
  }

  /** Where the film should be now, in seconds: 0 before the start, the duration after the end. */
  position() {
    const seconds = (this.serverNow() - this.startsAtMs) / 1000;
    return Math.min(Math.max(seconds, 0), this.durationSeconds || Infinity);
  }
}

/**
 * What to do with a player at `current` seconds when the clock says `expected`: null (nothing), {seek}
 * (the position to jump to: more than `limit` seconds off), or {rate} (the playback rate that closes a
 * small lag without a jump: a player that started a second late catches up within seconds, unheard,
 * since browsers keep the pitch). A paused player is not moved (it jumps when it plays again).
 */
export function driftCorrection({ current, expected, paused, rate = 1, limit = DRIFT_LIMIT_SECONDS }) {
  if (paused || !Number.isFinite(current) || !Number.isFinite(expected)) return null;
  const behind = expected - current;
  if (Math.abs(behind) > limit) return { seek: expected };
  const wanted = behind > CATCH_UP_FROM_SECONDS ? CATCH_UP_RATE : behind < -CATCH_UP_FROM_SECONDS ? 1 / CATCH_UP_RATE : 1;
  // Once caught up within a tenth of a second, back to normal speed.
  if (wanted === 1 && rate !== 1 && Math.abs(behind) > 0.1 && Math.sign(behind) === Math.sign(rate - 1)) return null;
  return wanted === rate ? null : { rate: wanted };
}

/** A viewer's own seek that goes ahead of the clock (beyond the decoder's slack) is taken back at once. */
export function seekedAhead({ current, expected, slack = 1 }) {
  return Number.isFinite(current) && Number.isFinite(expected) && current > expected + slack;
}

/** Where a player that starts (or plays again) now should be: the clock, never ahead of it. */
export function positionOnPlay({ current, expected, limit = DRIFT_LIMIT_SECONDS }) {
  if (!Number.isFinite(expected)) return null;
  if (!Number.isFinite(current) || current > expected || expected - current > limit) return expected;
  return null;
}

/** A span of milliseconds as {days, hours, minutes, seconds} (whole, none negative), for countdowns. */
export function countdownParts(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return {
    days: Math.floor(total / 86_400),
    hours: Math.floor((total % 86_400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  };
}
