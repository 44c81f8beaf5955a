/**
 * Who is calling, and what they may see and do. A principal comes from an API key entry of the
 * config or from the claims of a verified JWT; `none` mode gives every caller the anonymous
 * principal, which may see and do everything.
 *
 * Scopes fail closed: a dimension that is not granted is empty, and `*` grants all of it.
 */
import { scopeDimensions } from '../adapters/registry.js';

/** What a principal may change; reading is implied by the scope. */
export type Action = 'cancel' | 'create' | 'update';

export const ACTIONS: readonly Action[] = ['cancel', 'create', 'update'];

/** A set of granted names, or every name. */
export type Grant = { readonly all: true } | { readonly all: false; readonly names: ReadonlySet<string> };

export const GRANT_ALL: Grant = { all: true };
export const GRANT_NONE: Grant = { all: false, names: new Set() };

/** A grant from a config or claim list: `*` anywhere in it grants everything. */
export function grantOf(names: readonly string[]): Grant {
  return names.includes('*') ? GRANT_ALL : { all: false, names: new Set(names) };
}

export function granted(grant: Grant, name: string | null): boolean {
  if (grant.all) return true;
  return name !== null && grant.names.has(name);
}

export function isEmptyGrant(grant: Grant): boolean {
  return !grant.all && grant.names.size === 0;
}

export interface Scope {
  /** Configured backend names the principal may see. */
  readonly backends: Grant;
  /**
   * What it may see on each authorization dimension of the backend types (vcdOrgs, prismClusters,
   * ...: AdapterModule.scope), by dimension name; every dimension of the registry is present.
   */
  readonly dimensions: ReadonlyMap<string, Grant>;
  readonly actions: ReadonlySet<Action>;
}

/** The principal's grant on one dimension (none for a name no backend type declares). */
export function grantOn(scope: Scope, dimension: string): Grant {
  return scope.dimensions.get(dimension) ?? GRANT_NONE;
}

export interface Principal {
  /** The API key's name or the JWT subject; safe to log. */
  readonly id: string;
  readonly kind: 'anonymous' | 'api-key' | 'jwt';
  readonly scope: Scope;
  /**
   * When its credentials stop being valid (ms since the epoch, clock skew included): a JWT's
   * `exp`. A graphql-ws connection is closed with 4401 then, and refuses operations after it.
   */
  readonly expiresAt?: number;
}

export const FULL_SCOPE: Scope = {
  backends: GRANT_ALL,
  dimensions: new Map(scopeDimensions().map((d) => [d.name, GRANT_ALL])),
  actions: new Set(ACTIONS),
};

/** The caller of a gateway without authentication (`auth.mode: none`): everything is allowed. */
export const ANONYMOUS: Principal = { id: 'anonymous', kind: 'anonymous', scope: FULL_SCOPE };

/**
 * The wire shape of a scope, as the config and JWT claims give it: `backends`, `actions`, and
 * one list per dimension name (`vcdOrgs: [acme]`).
 */
export interface ScopeLists {
  backends?: readonly string[];
  actions?: readonly string[];
  readonly [dimension: string]: readonly string[] | undefined;
}

/** Builds a scope; absent lists grant nothing, unknown actions and dimensions are ignored. */
export function scopeOf(lists: ScopeLists): Scope {
  const actions = new Set<Action>();
  for (const a of lists.actions ?? []) {
    if (a === '*') ACTIONS.forEach((x) => actions.add(x));
    else if ((ACTIONS as readonly string[]).includes(a)) actions.add(a as Action);
  }
  return {
    backends: grantOf(lists.backends ?? []),
    dimensions: new Map(scopeDimensions().map((d) => [d.name, grantOf(lists[d.name] ?? [])])),
    actions,
  };
}

/** Sees nothing and may do nothing: what a context gets when no principal could be found. */
export const NOBODY: Principal = { id: 'nobody', kind: 'anonymous', scope: scopeOf({}) };
