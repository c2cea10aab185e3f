// The premiere's screening clock (web/js/premiere-clock.js) under Node, with a clock of the test's:
// the server's offset from `now`, the position and phase at each instant, and the drift rule.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  countdownParts, driftCorrection, positionOnPlay, ScreeningClock, seekedAhead, toUnixMs,
} from '../../web/js/premiere-clock.js';

const STARTS = Date.parse('2026-12-01T19:00:00Z');

function premiere(extra = {}) {
  return { starts_at: '2026-12-01T20:00:00+01:00', duration_seconds: 600, qa_minutes: 30, phase: 'scheduled', ...extra };
}

// A local clock the test moves by hand.
function localClock(start) {
  const clock = { ms: start };
  clock.now = () => clock.ms;
  return clock;
}

describe('the screening clock', () => {
  test('instants are read from ISO texts with offsets, unix seconds and unix milliseconds', () => {
    assert.equal(toUnixMs('2026-12-01T20:00:00+01:00'), STARTS);
    assert.equal(toUnixMs('2026-12-01T19:00:00Z'), STARTS);
    assert.equal(toUnixMs(STARTS / 1000), STARTS);
    assert.equal(toUnixMs(STARTS), STARTS);
    assert.ok(Number.isNaN(toUnixMs(null)));
  });

  test('the position follows the server\'s clock, not the viewer\'s, whose clock is 90 s fast', () => {
    const local = localClock(STARTS + 90_000 - 5_000);  // the server says 5 s before the start
    const clock = new ScreeningClock(premiere({ now: STARTS - 5_000 }), { localNow: local.now });
    assert.equal(clock.phase(), 'scheduled');
    assert.equal(clock.untilStartMs(), 5_000);
    assert.equal(clock.position(), 0);
    local.ms += 65_000;  // one minute into the film
    assert.equal(clock.phase(), 'screening');
    assert.equal(clock.position(), 60);
    // A clock message re-synchronises: the server is now 1 s ahead of what the offset assumed.
    clock.onClock({ now: STARTS + 61_000, phase: 'screening' });
    assert.equal(clock.position(), 61);
  });

  test('phases: scheduled, screening, questions after the film for qa_minutes, then ended (or when closed)', () => {
    const local = localClock(STARTS - 1);
    const clock = new ScreeningClock(premiere({ now: STARTS - 1 }), { localNow: local.now });
    assert.equal(clock.phase(), 'scheduled');
    local.ms = STARTS;
    assert.equal(clock.phase(), 'screening');
    local.ms = STARTS + 600_000;
    assert.equal(clock.phase(), 'questions');
    assert.equal(clock.position(), 600, 'the position stops at the film\'s end');
    local.ms = STARTS + 600_000 + 30 * 60_000;
    assert.equal(clock.phase(), 'ended');
    // The server's own end times win over the computed ones; a closed room is ended at once.
    const early = new ScreeningClock(premiere({ now: STARTS + 700_000, room_closes_at: '2026-12-01T19:11:00Z' }), { localNow: () => STARTS + 700_000 });
    assert.equal(early.phase(), 'ended');
    const open = new ScreeningClock(premiere({ now: STARTS + 700_000 }), { localNow: () => STARTS + 700_000 });
    assert.equal(open.phase(), 'questions');
    open.onClock({ now: STARTS + 700_000, phase: 'ended' });
    assert.equal(open.phase(), 'ended');
  });

  test('the drift rule: more than 2 s either way while playing is a jump; a paused player is left alone', () => {
    assert.deepEqual(driftCorrection({ current: 100, expected: 102.5, paused: false }), { seek: 102.5 }, 'a stall');
    assert.deepEqual(driftCorrection({ current: 110, expected: 102.5, paused: false }), { seek: 102.5 }, 'ahead');
    assert.equal(driftCorrection({ current: 10, expected: 102.5, paused: true }), null, 'paused');
    assert.equal(driftCorrection({ current: NaN, expected: 102.5, paused: false }), null, 'no media yet');
  });

  test('under 2 s a lag is closed by playing a little faster, and normal speed comes back once caught up', () => {
    assert.equal(driftCorrection({ current: 100, expected: 100.2, paused: false }), null, 'on time');
    const faster = driftCorrection({ current: 100, expected: 101.9, paused: false });
    assert.ok(faster.rate > 1 && faster.rate <= 1.25, `rate ${faster.rate}`);
    assert.equal(driftCorrection({ current: 100, expected: 101.9, paused: false, rate: faster.rate }), null, 'already catching up');
    assert.equal(driftCorrection({ current: 100, expected: 100.3, paused: false, rate: faster.rate }), null, 'not yet caught up');
    assert.deepEqual(driftCorrection({ current: 100, expected: 100.05, paused: false, rate: faster.rate }), { rate: 1 }, 'caught up');
    const slower = driftCorrection({ current: 101.5, expected: 100, paused: false });
    assert.ok(slower.rate < 1, `a little ahead: rate ${slower.rate}`);
    assert.deepEqual(driftCorrection({ current: 100, expected: 100, paused: false, rate: slower.rate }), { rate: 1 });
  });

  test('playing again jumps to the clock; a viewer\'s seek ahead of it is taken back', () => {
    assert.equal(positionOnPlay({ current: 10, expected: 40 }), 40, 'after a pause');
    assert.equal(positionOnPlay({ current: 39, expected: 40 }), null, 'close enough behind');
    assert.equal(positionOnPlay({ current: 40.5, expected: 40 }), 40, 'never ahead');
    assert.equal(seekedAhead({ current: 45, expected: 40 }), true);
    assert.equal(seekedAhead({ current: 40.8, expected: 40 }), false);
    assert.equal(seekedAhead({ current: 20, expected: 40 }), false, 'seeking back is the viewer\'s own business until the next check');
  });

  test('countdowns are whole days, hours, minutes and seconds, rounded up', () => {
    assert.deepEqual(countdownParts(((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1000 - 300), { days: 2, hours: 3, minutes: 4, seconds: 5 });
    assert.deepEqual(countdownParts(-5), { days: 0, hours: 0, minutes: 0, seconds: 0 });
  });
});
