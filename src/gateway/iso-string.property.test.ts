import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isoString } from './schema.js';

describe('isoString (DateTime serialization)', () => {
  it('writes exactly what Date#toISOString writes, for every valid Date', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (d) => {
        expect(isoString(d)).toBe(d.toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('pads every field, and hands years outside 1000-9999 to the builtin', () => {
    for (const text of ['2026-01-02T03:04:05.006Z', '1000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '0999-12-31T23:59:59.999Z', '+010000-01-01T00:00:00.000Z', '-000001-06-15T12:00:00.000Z']) {
      expect(isoString(new Date(text))).toBe(text);
    }
  });
});
