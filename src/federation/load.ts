/**
 * Reads what the subgraph schema depends on from a config file: the `federation` section and
 * the backend names its rules refer to. For `taskgraph schema --federation --config FILE` in
 * composition pipelines, which have no backend secrets: nothing else is validated or
 * interpolated (`serve` validates the whole file).
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ConfigError } from '../server/config.js';
import { parseFederation, type FederationConfig } from './config.js';

export function loadFederationConfig(path: string): FederationConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code ? `cannot read config file ${path}: ${code}` : `${path}: not valid YAML: ${(err as Error).message}`);
  }
  const tree = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const backends = Array.isArray(tree.backends) ? tree.backends : [];
  const names = backends.flatMap((b: unknown) => (b && typeof b === 'object' && typeof (b as { name?: unknown }).name === 'string' ? [(b as { name: string }).name] : []));
  const result = parseFederation(tree.federation, names);
  if (!result.ok) throw new ConfigError(`${path}:\n${result.errors.join('\n')}`);
  return result.value;
}
