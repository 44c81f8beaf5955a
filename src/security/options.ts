/**
 * The security of one gateway, from its config: the authenticator (key files read now), the
 * query limits, and the facts authorization needs about the backends.
 */
import { adapterModule } from '../adapters/registry.js';
import { ConfigError } from '../server/config.js';
import { createAuthenticator, type Authenticator } from './authenticate.js';
import type { AccessPolicy } from './access.js';
import { DEFAULT_LIMITS, type AuthConfig, type LimitsConfig } from './config.js';
import { KeyConfigError } from './jwt-keys.js';

export interface ServerSecurity {
  authenticator: Authenticator;
  limits: LimitsConfig;
  accessPolicy: AccessPolicy;
}

/** No authentication and the default limits: what a server started without a config gets. */
export function defaultSecurity(): ServerSecurity {
  return { authenticator: createAuthenticator({ mode: 'none' }), limits: DEFAULT_LIMITS, accessPolicy: {} };
}

interface SecurityConfig {
  auth?: AuthConfig;
  limits?: LimitsConfig;
  backends: ReadonlyArray<{ config: { name: string; type: string } & Record<string, unknown> }>;
}

/** Throws ConfigError naming the field when a key file is missing or unusable. */
export function securityFromConfig(config: SecurityConfig, now?: () => number): ServerSecurity {
  let authenticator: Authenticator;
  try {
    authenticator = createAuthenticator(config.auth ?? { mode: 'none' }, now);
  } catch (err) {
    if (err instanceof KeyConfigError) throw new ConfigError(err.message);
    throw err;
  }
  // Where each backend creates external tasks (vCD: the org its account logs in to).
  const homeScopes = new Map<string, Readonly<Record<string, string>>>();
  for (const { config: b } of config.backends) {
    const home = adapterModule(b.type)?.homeScope?.(b);
    if (home) homeScopes.set(b.name, home);
  }
  return { authenticator, limits: config.limits ?? DEFAULT_LIMITS, accessPolicy: { homeScopes } };
}
