/**
 * The security of one gateway, from its config: the authenticator (key files read now), the
 * query limits, and the facts authorization needs about the backends.
 */
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
  // vCD external tasks are created in the org the backend's account logs in to.
  const homeTenants = new Map<string, string>();
  for (const { config: b } of config.backends) if (b.type === 'vcd' && typeof b.org === 'string') homeTenants.set(b.name, b.org);
  return { authenticator, limits: config.limits ?? DEFAULT_LIMITS, accessPolicy: { homeTenants } };
}
