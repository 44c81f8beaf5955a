/**
 * The sharing key of a scope (src/security/scope-key.ts): two different scopes never share a
 * key, whatever their names hold (separators, quotes, backslashes, NUL, unicode, `*` mixed in),
 * and equal scopes always do, whatever the order or repetition of their names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scopeDimensions } from '../../src/adapters/registry.js';
import { grantOn, scopeOf, type Grant, type Principal, type Scope, type ScopeLists } from '../../src/security/principal.js';
import { encodeScope, scopeKey } from '../../src/security/scope-key.js';

/** Names an attacker would pick to imitate a separator or another dimension. */
const tricky = fc.constantFrom('', '*', ',', '"', '\\', '\u0000', '\n', ':', 'acme', 'globex', 'acme,globex', '["acme"]', '","', 'é', '\ud83d\ude00', '\uffff');
const name = fc.oneof(tricky, fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 3 }), fc.array(tricky, { maxLength: 3 }).map((parts) => parts.join('')));
const names = fc.option(fc.array(name, { maxLength: 5 }), { nil: undefined });
const actionNames = fc.option(fc.array(fc.constantFrom('cancel', 'create', 'update', '*', 'delete'), { maxLength: 4 }), { nil: undefined });
/** Lists for the backends, the actions and every authorization dimension of the registry. */
const DIMENSIONS = scopeDimensions().map((d) => d.name);
const lists: fc.Arbitrary<ScopeLists> = fc.record({ backends: names, actions: actionNames, ...Object.fromEntries(DIMENSIONS.map((d) => [d, names])) });

function sameGrant(a: Grant, b: Grant): boolean {
  if (a.all || b.all) return a.all && b.all;
  return a.names.size === b.names.size && [...a.names].every((n) => b.names.has(n));
}

/** What the scope lets a principal see and do, compared dimension by dimension. */
function sameScope(a: Scope, b: Scope): boolean {
  return (
    sameGrant(a.backends, b.backends) &&
    DIMENSIONS.every((d) => sameGrant(grantOn(a, d), grantOn(b, d))) &&
    a.actions.size === b.actions.size &&
    [...a.actions].every((x) => b.actions.has(x))
  );
}

const principal = (scope: Scope, id = 'p'): Principal => ({ id, kind: 'api-key', scope });

/** The same lists shuffled and with repeats: the same scope. */
function reshuffled(l: ScopeLists, seed: number): ScopeLists {
  const mix = (xs: readonly string[] | undefined) => {
    if (!xs) return xs;
    const out = [...xs, ...xs.slice(0, seed % (xs.length + 1))];
    for (let i = out.length - 1; i > 0; i--) {
      const j = (seed * 31 + i * 17) % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return { backends: mix(l.backends), actions: mix(l.actions), ...Object.fromEntries(DIMENSIONS.map((d) => [d, mix(l[d])])) };
}

describe('scopeKey', () => {
  it('gives two scopes the same key exactly when they grant the same', () => {
    fc.assert(
      fc.property(lists, lists, (x, y) => {
        const a = scopeOf(x);
        const b = scopeOf(y);
        expect(encodeScope(a) === encodeScope(b)).toBe(sameScope(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives scopes that differ in one name of one dimension different keys', () => {
    const dimension = fc.constantFrom('backends', 'vcdOrgs', 'prismClusters') as fc.Arbitrary<'backends' | 'vcdOrgs' | 'prismClusters'>;
    fc.assert(
      fc.property(lists, dimension, fc.array(name, { minLength: 1, maxLength: 4 }), (base, dim, extra) => {
        const a = scopeOf(base);
        const b = scopeOf({ ...base, [dim]: [...(base[dim] ?? []), ...extra] });
        if (sameScope(a, b)) return; // every extra name was granted already (or `*`)
        expect(scopeKey(principal(a))).not.toBe(scopeKey(principal(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives equal scopes the same key, whatever the order and repetition of names', () => {
    fc.assert(
      fc.property(lists, fc.nat(1000), (l, seed) => {
        expect(scopeKey(principal(scopeOf(reshuffled(l, seed)), 'b'))).toBe(scopeKey(principal(scopeOf(l), 'a')));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a name holding a separator apart from the names it seems to join (the reported leak)', () => {
    const joined = scopeKey(principal(scopeOf({ backends: ['*'], vcdOrgs: ['acme,globex'] })));
    const two = scopeKey(principal(scopeOf({ backends: ['*'], vcdOrgs: ['acme', 'globex'] })));
    expect(joined).not.toBe(two);
    for (const separator of ['\u0000', '\n', '","', '|', ';', ' ']) {
      expect(scopeKey(principal(scopeOf({ vcdOrgs: [`acme${separator}globex`] })))).not.toBe(scopeKey(principal(scopeOf({ vcdOrgs: ['acme', 'globex'] }))));
    }
    // A name in one dimension never reads as another dimension's grant.
    expect(scopeKey(principal(scopeOf({ vcdOrgs: ['x'] })))).not.toBe(scopeKey(principal(scopeOf({ prismClusters: ['x'] }))));
    // Nor does `*` as part of a name grant everything.
    expect(scopeKey(principal(scopeOf({ vcdOrgs: ['*,acme'] })))).not.toBe(scopeKey(principal(scopeOf({ vcdOrgs: ['*'] }))));
  });

  it('is computed once per principal object', () => {
    const p = principal(scopeOf({ backends: ['a'] }));
    expect(scopeKey(p)).toBe(scopeKey(p));
    expect(scopeKey(p)).toBe(encodeScope(p.scope));
  });
});
