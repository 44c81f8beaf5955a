import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTime } from './time.js';

/** What every adapter did before: the builtin, unreadable as null. */
function builtin(text: string): number | null {
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? null : ms;
}

const num = (max: number, width: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'));
/** RFC 3339 times and near misses: out-of-range fields, odd fractions and zones, stray characters. */
const rfc3339ish = fc
  .tuple(
    fc.oneof(num(9999, 4), fc.constantFrom('0099', '0100', '1970', '2026', '+02026', '20260')),
    fc.oneof(num(13, 2), fc.constant('1')),
    fc.oneof(num(32, 2), fc.constant('7')),
    fc.constantFrom('T', 't', ' ', 'X'),
    num(25, 2),
    num(60, 2),
    num(61, 2),
    fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{0,9}$/), fc.constant('.'), fc.constant(',5')),
    fc.oneof(fc.constantFrom('Z', 'z', '', '+00:00', '-00:00', '+01:00', '-05:30', '+24:00', '+23:60', '+0100', '+01', 'Zx'), fc.tuple(fc.constantFrom('+', '-'), num(25, 2), num(61, 2)).map(([s, h, m]) => `${s}${h}:${m}`)),
  )
  .map(([y, mo, d, t, h, mi, s, f, z]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${f}${z}`);

describe('parseTime', () => {
  it('reads every RFC 3339 time, and every near miss, exactly as new Date does', () => {
    fc.assert(
      fc.property(fc.oneof(rfc3339ish, fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), (text) => {
        expect(parseTime(text)?.getTime() ?? null).toBe(text ? builtin(text) : null);
      }),
      { numRuns: 30_000 },
    );
  });

  it('keeps the first three digits of a longer fraction, and applies the offset', () => {
    expect(parseTime('2026-03-01T10:00:02.123789Z')!.toISOString()).toBe('2026-03-01T10:00:02.123Z');
    expect(parseTime('2026-03-01T11:00:02.5+01:00')!.toISOString()).toBe('2026-03-01T10:00:02.500Z');
    expect(parseTime('0001-01-01T00:00:00Z')!.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parseTime('')).toBeNull();
    expect(parseTime(undefined)).toBeNull();
    expect(parseTime('not a date')).toBeNull();
  });
});
