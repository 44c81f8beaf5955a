/**
 * Static API keys. The config holds only `sha256:<hex>` of each key: a leaked config file
 * gives no usable key. Keys are long random strings, so one fast hash is enough (no salt or
 * slow KDF is needed for 256 bits of entropy).
 *
 * Lookup hashes the presented key and compares it with every configured hash in constant
 * time, without stopping at the first match, so timing tells nothing about which key or how
 * much of it matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from './config.js';
import { scopeOf, type Principal, type ScopeLists } from './principal.js';

/** `sha256:<hex>` of a key, as the config stores it. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** Shortest key accepted: anything shorter is a password, not a key. */
export const MIN_KEY_LENGTH = 16;
/** Longest key read; longer ones are refused before hashing. */
const MAX_KEY_LENGTH = 512;

interface Entry {
  digest: Buffer;
  principal: Principal;
}

export interface ApiKeyStore {
  /** The principal of a key, or null when no configured key matches. */
  lookup(key: string): Principal | null;
}

/** An API-key entry's scope lists (`backends`, `actions`, one per dimension): all but its name and hash. */
function scopeListsOf(entry: ApiKeyConfig): ScopeLists {
  const { name: _name, hash: _hash, ...lists } = entry;
  return lists as ScopeLists;
}

export function createApiKeyStore(keys: readonly ApiKeyConfig[]): ApiKeyStore {
  const entries: Entry[] = keys.map((k) => ({
    digest: Buffer.from(k.hash.slice('sha256:'.length).toLowerCase(), 'hex'),
    principal: { id: k.name, kind: 'api-key', scope: scopeOf(scopeListsOf(k)) },
  }));
  return {
    lookup(key) {
      if (key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) return null;
      const digest = createHash('sha256').update(key, 'utf8').digest();
      let found: Principal | null = null;
      for (const entry of entries) {
        if (timingSafeEqual(digest, entry.digest) && found === null) found = entry.principal;
      }
      return found;
    },
  };
}
