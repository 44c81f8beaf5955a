/**
 * The sharing key of a principal's scope: two principals whose keys are equal see exactly the
 * same tasks and may do the same things, so work done for one (an execution, a list page) may
 * be handed to the other. Every sharing of work between requests keys on it (src/fast-path/sharing/keys.ts).
 *
 * The encoding is JSON of every part of `Scope` (the backends, each authorization dimension of
 * the registry in name order, the actions), each `"*"` or a sorted, de-duplicated
 * array of names: JSON quotes and escapes every name, so no name can imitate a separator or
 * another dimension (a vCD org called `acme,globex` is not the two orgs acme and globex).
 */
import { scopeDimensions } from '../adapters/registry.js';
import { ACTIONS, grantOn, type Grant, type Principal, type Scope } from './principal.js';

function grantKey(grant: Grant): '*' | string[] {
  // Default sort compares UTF-16 code units: the same order for the same names, whatever the locale.
  return grant.all ? '*' : [...grant.names].sort();
}

/** The key of a scope (not memoized; scopeKey memoizes per principal). */
export function encodeScope(scope: Scope): string {
  const actions = ACTIONS.every((a) => scope.actions.has(a)) ? '*' : [...scope.actions].sort();
  // Every dimension of the registry, in name order (each is in the scope: principal.ts).
  const dimensions = scopeDimensions().map((d) => [d.name, grantKey(grantOn(scope, d.name))]);
  return JSON.stringify({ backends: grantKey(scope.backends), dimensions, actions });
}

const keys = new WeakMap<Principal, string>();

/**
 * The collision-free sharing key of the principal's whole scope, computed once per principal
 * object (API key principals live as long as the config; a JWT principal per verified token).
 */
export function scopeKey(principal: Principal): string {
  let key = keys.get(principal);
  if (key === undefined) keys.set(principal, (key = encodeScope(principal.scope)));
  return key;
}
