/**
 * The UPID codec against the test cases of Proxmox's own decoder (pve-common upid-test.pl)
 * and of a production client (bpg/terraform-provider-proxmox), and property tests: every
 * UPID encodes back to itself, every string either decodes to parts that encode and decode
 * to the same parts or is refused, never thrown on.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUpid, encodeUpid, splitTokenUser, type Upid } from './upid.js';

interface Cases {
  valid: Array<{ in: string; out: Upid }>;
  invalid: string[];
}

const fixture = (name: string): Cases => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as Cases;

describe.each(['pve-common-upid-test-cases.json', 'bpg-terraform-task-id-test-cases.json'])('UPID cases of %s', (name) => {
  const cases = fixture(name);

  it.each(cases.valid.map((c) => [c.in, c] as const))('decodes %s and encodes it back', (_, c) => {
    expect(decodeUpid(c.in)).toEqual(c.out);
    expect(encodeUpid(c.out)).toBe(c.in);
  });

  it.each(cases.invalid)('refuses %s', (text) => {
    expect(decodeUpid(text)).toBeNull();
  });
});

const HOST = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const part = (min: number) => fc.string({ minLength: min, maxLength: 12 }).filter((s) => !/[:\s/]/.test(s));
const upidParts: fc.Arbitrary<Upid> = fc.record({
  node: fc.stringMatching(HOST).filter((s) => s.length <= 63),
  pid: fc.integer({ min: 0, max: 0xffffffff }),
  pstart: fc.integer({ min: 0, max: 0xfffffffff }),
  starttime: fc.integer({ min: 0, max: 0xffffffff }),
  type: part(1),
  id: part(0),
  user: part(1),
});

describe('UPID codec properties', () => {
  it('decodes whatever it encodes to the same parts', () => {
    fc.assert(
      fc.property(upidParts, (parts) => {
        expect(decodeUpid(encodeUpid(parts))).toEqual(parts);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws, and what it decodes encodes to a UPID that decodes alike', () => {
    const near = fc.tuple(upidParts, fc.nat(), fc.string({ maxLength: 3 })).map(([p, at, text]) => {
      const s = encodeUpid(p);
      const i = at % (s.length + 1);
      return s.slice(0, i) + text + s.slice(i + 1);
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), near), (text) => {
        const parts = decodeUpid(text);
        if (parts) expect(decodeUpid(encodeUpid(parts))).toEqual(parts);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads lowercase hex as PVE does, and writes uppercase', () => {
    const parts = decodeUpid('UPID:pve:000cfffa:03e8ef53:619480ba:vzdump:103:root@pam:');
    expect(parts).toMatchObject({ pid: 0xcfffa, pstart: 0x3e8ef53, starttime: 1637122234 });
    expect(encodeUpid(parts!)).toBe('UPID:pve:000CFFFA:03E8EF53:619480BA:vzdump:103:root@pam:');
  });
});

describe('token users', () => {
  it('splits user@realm!token as Tasks.pm does, and leaves plain users whole', () => {
    expect(splitTokenUser('91a1da29-a47d-11f0-84e0-fafbfc944d00@pam!some-token')).toEqual({ userid: '91a1da29-a47d-11f0-84e0-fafbfc944d00@pam', tokenName: 'some-token' });
    expect(splitTokenUser('root@pam')).toEqual({ userid: 'root@pam', tokenName: null });
    expect(splitTokenUser('odd!name@pve')).toEqual({ userid: 'odd!name@pve', tokenName: null });
  });
});
