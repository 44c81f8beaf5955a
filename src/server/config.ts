/**
 * taskgraph.yaml: read, `${ENV}` interpolation, validation. Every error names the field
 * and what was expected, e.g. `backends[1] (vc1).url: an absolute http(s) URL ...`.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import type { BaseBackendConfig } from '../adapters/config.js';
import type { AdapterModule } from '../adapters/contract.js';
import { adapterModule, adapterTypes } from '../adapters/registry.js';
import { LOG_LEVELS } from './plugins/logging.js';
import { DEFAULT_SSE_LIMITS } from './sse-streams.js';
import { parseFederation, type FederationConfig } from '../federation/config.js';
import { authConfigErrors, authSchema, limitsSchema, type AuthConfig, type LimitsConfig } from '../security/config.js';
import { historySchema, type HistoryConfig } from '../history/config.js';
import { telemetrySchema, type TelemetryConfig } from '../telemetry/config.js';

/** The parts of the fast path that have a switch of their own, under `server.fastPath`. */
const FAST_PATH_PARTS = ['knownOperations', 'shareInFlight'] as const;

/** `server.sse` when absent (zod's defaults are outputs, used as they are). */
const SSE_DEFAULTS = { maxStreamsPerPrincipal: DEFAULT_SSE_LIMITS.maxStreamsPerPrincipal, maxOperationsPerStream: DEFAULT_SSE_LIMITS.maxOperationsPerStream };

export const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(4000),
    /**
     * The fast path (src/fast-path): compiled execution, known operations, the direct POST path,
     * shared subscription execution and delivery, in-flight sharing. false: every request goes
     * through Apollo Server's and graphql-ws' own pipelines on graphql-js, and nothing is shared.
     */
    fastPath: z.boolean().default(true),
    /** Queries seen before skip Apollo Server's request pipeline when nothing needs it (src/fast-path/known-operations.ts). Default: server.fastPath. */
    knownOperations: z.boolean().optional(),
    /**
     * Identical work in flight for callers of the same scope is done once (src/fast-path/sharing):
     * upstream GETs, list pages, query and subscription event executions. false: every
     * request does its own work (benchmarks of the engine alone). Default: server.fastPath.
     */
    shareInFlight: z.boolean().optional(),
    /** GraphQL over SSE (src/server/sse.ts): bounds per caller and per single-connection stream (docs/operations.md). */
    sse: z
      .object({
        /** Open distinct-connection streams plus single-connection reservations one principal may hold. */
        maxStreamsPerPrincipal: z.number().int().min(1).default(DEFAULT_SSE_LIMITS.maxStreamsPerPrincipal),
        /** Operations one single-connection stream may carry at once. */
        maxOperationsPerStream: z.number().int().min(1).default(DEFAULT_SSE_LIMITS.maxOperationsPerStream),
      })
      .strict()
      .default(SSE_DEFAULTS),
  })
  .strict()
  .superRefine((server, ctx) => {
    if (server.fastPath) return;
    for (const part of FAST_PATH_PARTS) {
      if (server[part] === true) {
        ctx.addIssue({ code: 'custom', path: [part], message: `a part of the fast path, which server.fastPath: false turns off; remove server.${part} or set server.fastPath: true` });
      }
    }
  })
  // The finer switches as they apply: off whenever the fast path is.
  .transform(({ fastPath, knownOperations, shareInFlight, ...rest }) => ({
    ...rest,
    fastPath,
    knownOperations: fastPath && (knownOperations ?? true),
    shareInFlight: fastPath && (shareInFlight ?? true),
  }))
  .default({ host: '127.0.0.1', port: 4000, fastPath: true, knownOperations: true, shareInFlight: true, sse: SSE_DEFAULTS });

export type ServerConfig = z.infer<typeof serverSchema>;

export const subscriptionsSchema = z
  .object({
    /** Poll interval while watched tasks run. */
    pollFastMs: z.number().int().min(50).max(60_000).default(1000),
    /** Poll interval when nothing runs. */
    pollIdleMs: z.number().int().min(50).max(600_000).default(5000),
    /** Events a slow subscriber may have pending before its subscription is ended. */
    maxPending: z.number().int().min(10).max(1_000_000).default(1000),
  })
  .strict()
  .default({ pollFastMs: 1000, pollIdleMs: 5000, maxPending: 1000 });

export const loggingSchema = z
  .object({
    /** pino level; `--log-level` overrides it. */
    level: z.enum(LOG_LEVELS).default('info'),
  })
  .strict()
  .default({ level: 'info' });

export interface BackendEntry {
  module: AdapterModule;
  /** Validated by the adapter's own schema. */
  config: Pick<BaseBackendConfig, 'name' | 'knownAs' | 'timeoutMs' | 'retry' | 'circuit' | 'bulkhead'> & { type: string } & Record<string, unknown>;
}

export const redisSchema = z
  .object({
    /** redis://[:password@]host:port[/db]; enables multi-replica fan-out and watcher leases. */
    url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
    keyPrefix: z.string().min(1).default('taskgraph:'),
    /** A dead replica's backends are taken over within this time. */
    leaseTtlMs: z.number().int().min(200).max(120_000).default(5000),
  })
  .strict();

export interface Config {
  server: ServerConfig;
  redis?: z.infer<typeof redisSchema>;
  subscriptions: z.infer<typeof subscriptionsSchema>;
  logging: z.infer<typeof loggingSchema>;
  backends: BackendEntry[];
  /** Foreign entity types taskgraph contributes `tasks` to (docs/federation.md). */
  federation: FederationConfig;
  /** Who may call, and what they may see (docs/security.md). */
  auth: AuthConfig;
  /** Query limits (docs/security.md). */
  limits: LimitsConfig;
  /** Task history (docs/history.md); absent: off. */
  history?: HistoryConfig;
  /** OpenTelemetry traces (docs/operations.md); off by default. */
  telemetry: TelemetryConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Replaces `${VAR}` and `${VAR:-default}` in every string of the tree. */
function interpolate(value: unknown, path: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`${path}: environment variable ${name} is not set (set it, or write \${${name}:-default})`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${path}[${i}]`, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, path ? `${path}.${k}` : k, env)]));
  }
  return value;
}

function describeIssues(prefix: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\./, '');
      return `${field || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

/** Validates an already-parsed config object. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const tree = interpolate(raw ?? {}, '', env);
  const top = z
    .object({ server: serverSchema, subscriptions: subscriptionsSchema, redis: redisSchema.optional(), federation: z.unknown().optional(), auth: authSchema, limits: limitsSchema, history: historySchema.optional(), telemetry: telemetrySchema, backends: z.array(z.record(z.string(), z.unknown())).min(1, 'list at least one backend') })
    .extend({ logging: loggingSchema })
    .strict()
    .safeParse(tree);
  if (!top.success) throw new ConfigError(describeIssues('', top.error));

  const backends: BackendEntry[] = [];
  const errors: string[] = [];
  const names = new Set<string>();
  top.data.backends.forEach((entry, i) => {
    const label = `backends[${i}]${typeof entry.name === 'string' ? ` (${entry.name})` : ''}`;
    const module = typeof entry.type === 'string' ? adapterModule(entry.type) : undefined;
    if (!module) {
      errors.push(`${label}.type: expected one of ${adapterTypes().join(', ')}, got ${JSON.stringify(entry.type)}`);
      return;
    }
    const parsed = module.configSchema.safeParse(entry);
    if (!parsed.success) {
      errors.push(describeIssues(label, parsed.error as z.ZodError));
      return;
    }
    const config = parsed.data as BackendEntry['config'];
    if (names.has(config.name)) errors.push(`${label}.name: "${config.name}" is used twice; names must be unique`);
    names.add(config.name);
    backends.push({ module, config });
  });
  const federation = parseFederation(top.data.federation, [...names]);
  if (!federation.ok) errors.push(...federation.errors);
  errors.push(...authConfigErrors(top.data.auth, [...names]));
  if (errors.length || !federation.ok) throw new ConfigError(errors.join('\n'));
  return { server: top.data.server, subscriptions: top.data.subscriptions, redis: top.data.redis, backends, federation: federation.value, logging: top.data.logging, auth: top.data.auth, limits: top.data.limits, history: top.data.history, telemetry: top.data.telemetry };
}

/** Reads and validates a YAML config file. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  try {
    return parseConfig(raw, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${path}:\n${err.message}`);
    throw err;
  }
}
