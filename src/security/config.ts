/**
 * The `auth:` and `limits:` sections of taskgraph.yaml. Errors name the field, e.g.
 * `auth.apiKeys[0].hash: sha256:<64 hex digits> ...`. Key files are read when the gateway
 * starts (security/options.ts), so a missing file is reported with its field too.
 */
import { z } from 'zod';
import { scopeDimensions } from '../adapters/registry.js';
import { Secret } from '../model/secret.js';

const names = z.array(z.string().min(1)).default([]);

/**
 * What a principal may see and do; every list fails closed (absent = nothing), `*` = all:
 * `backends` (configured backend names), `actions`, and one list per authorization dimension
 * of the backend types (`vcdOrgs`, `prismClusters`, ...: AdapterModule.scope).
 */
const scopeFields = {
  backends: names.describe('configured backend names'),
  ...Object.fromEntries(scopeDimensions().map((d) => [d.name, names.describe(d.description)])),
  actions: z.array(z.enum(['cancel', 'create', 'update', '*'])).default([]),
};

export const apiKeySchema = z
  .object({
    /** Shown in logs as the principal; never the key. */
    name: z.string().regex(/^[\w.@:-]{1,64}$/, 'use 1-64 letters, digits or . _ @ : -'),
    hash: z
      .string()
      .regex(/^sha256:[0-9a-fA-F]{64}$/, 'expected sha256:<64 hex digits>, the SHA-256 of the key (printf %s "$KEY" | sha256sum); never the key itself'),
    ...scopeFields,
  })
  .strict();

export const claimNamesSchema = z
  .object({
    subject: z.string().min(1).default('sub'),
    backends: z.string().min(1).default('taskgraph_backends'),
    // One claim per authorization dimension, named by default as its backend type declares.
    ...Object.fromEntries(scopeDimensions().map((d) => [d.name, z.string().min(1).default(d.claim)])),
    actions: z.string().min(1).default('taskgraph_actions'),
  })
  .strict();

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const jwtSchema = z
  .object({
    /** Accepted `alg` values; anything else (and `none`) is refused. */
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1, 'list at least one of HS256, RS256, ES256'),
    /** HS256 shared secret, at least 32 bytes (RFC 7518 §3.2). */
    secret: z
      .string()
      .min(32, 'at least 32 characters (RFC 7518 §3.2: a key as long as the hash)')
      .transform((v) => new Secret(v))
      .optional(),
    secretFile: z.string().min(1).optional(),
    /** PEM public key (RSA for RS256, P-256 for ES256). */
    publicKeyFile: z.string().min(1).optional(),
    /** A JWKS document ({"keys": [...]}) on disk; keys are picked by `kid`. */
    jwksFile: z.string().min(1).optional(),
    /** The identity provider's JWKS over HTTPS (cached 10 minutes, fetched again for an unknown `kid` at most every 30 s). */
    jwksUrl: z
      .url('an absolute https URL such as https://login.example.com/.well-known/jwks.json')
      .refine((u) => u.startsWith('https://'), 'https only: keys fetched over plain HTTP could be forged on the way')
      .optional(),
    /** PEM file of a private CA that signed the JWKS server's certificate. */
    jwksCaFile: z.string().min(1).optional(),
    /** Required `iss`. */
    issuer: z.string().min(1),
    /** Required `aud` (a token may list several; one must match). */
    audience: z.string().min(1),
    /** Allowed clock difference for exp, nbf and iat. */
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /** Claim names the scope is read from. */
    claims: claimNamesSchema.prefault({}),
  })
  .strict()
  .superRefine((jwt, ctx) => {
    const sources = [jwt.secret, jwt.secretFile, jwt.publicKeyFile, jwt.jwksFile, jwt.jwksUrl].filter((s) => s !== undefined).length;
    if (sources === 0) ctx.addIssue({ code: 'custom', message: 'set one of secret, secretFile, publicKeyFile, jwksFile or jwksUrl' });
    const keySets = [jwt.publicKeyFile, jwt.jwksFile, jwt.jwksUrl].filter((s) => s !== undefined).length;
    if (keySets > 1) ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: 'set one of publicKeyFile, jwksFile or jwksUrl' });
    if (jwt.jwksCaFile !== undefined && jwt.jwksUrl === undefined) ctx.addIssue({ code: 'custom', path: ['jwksCaFile'], message: 'only with jwksUrl' });
    const hmac = jwt.secret !== undefined || jwt.secretFile !== undefined;
    if (jwt.secret !== undefined && jwt.secretFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['secretFile'], message: 'set secret or secretFile, not both' });
    }
    const jwks = jwt.jwksFile !== undefined || jwt.jwksUrl !== undefined;
    if (jwt.algorithms.includes('HS256') && !hmac && !jwks) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'HS256 needs secret, secretFile or a JWKS (jwksFile, jwksUrl) with an "oct" key' });
    }
    const asymmetric = jwt.algorithms.filter((a) => a !== 'HS256');
    if (asymmetric.length && jwt.publicKeyFile === undefined && !jwks) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: `${asymmetric.join(', ')} needs publicKeyFile, jwksFile or jwksUrl` });
    }
    if (hmac && !jwt.algorithms.includes('HS256')) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'a secret is set: add HS256, or remove the secret' });
    }
  });

export const authSchema = z
  .discriminatedUnion('mode', [
    /** No authentication: development only; the server warns when bound beyond loopback. */
    z.object({ mode: z.literal('none') }).strict(),
    z.object({ mode: z.literal('apiKey'), apiKeys: z.array(apiKeySchema).min(1, 'list at least one key') }).strict(),
    z.object({ mode: z.literal('jwt'), jwt: jwtSchema }).strict(),
  ])
  .default({ mode: 'none' });

/** An API-key entry: name, hash, `backends`, `actions` and one list per authorization dimension. */
export type ApiKeyConfig = z.infer<typeof apiKeySchema> & { readonly [dimension: string]: unknown };
export type JwtConfig = z.infer<typeof jwtSchema>;
/** The `auth:` section (the dimension lists of API keys typed by name: they come from the registry). */
export type AuthConfig = { mode: 'none' } | { mode: 'apiKey'; apiKeys: ApiKeyConfig[] } | { mode: 'jwt'; jwt: JwtConfig };

export const limitsSchema = z
  .object({
    /** Deepest field nesting of an operation. */
    maxDepth: z.number().int().min(2).max(100).default(12),
    /** Aliased fields per operation. */
    maxAliases: z.number().int().min(0).max(1000).default(30),
    /** Directives per operation (`@include`, `@skip`, ...). */
    maxDirectives: z.number().int().min(0).max(1000).default(50),
    /** Lexical tokens per document. */
    maxTokens: z.number().int().min(100).max(1_000_000).default(5000),
    /** Fields times the page sizes of the lists around them (`first`/`last`, default 50). */
    maxCost: z.number().int().min(1).max(100_000_000).default(150_000),
    /** Largest `first` / `last` of a list (the resolvers refuse more than 1000 in any case). */
    maxFirst: z.number().int().min(1).max(1000).default(1000),
    /**
     * Tasks one request reads by id from one backend (`task`, `node`, `_entities`, `parent`,
     * `root`, related tasks): a vCD read by id is one GET per task.
     */
    maxReadsPerBackend: z.number().int().min(1).max(100_000).default(200),
    /** Operations per HTTP request; 1 turns batching off. */
    maxBatch: z.number().int().min(1).max(100).default(1),
    /** Schema introspection (`__schema`, `__type`); turn off in production. */
    introspection: z.boolean().default(true),
    /**
     * `_service { sdl }` (Apollo Federation) while introspection is off: only for a router that
     * composes the supergraph from this server at run time. Always answered with introspection on.
     */
    federationSdl: z.boolean().default(false),
  })
  .strict()
  .prefault({});

export type LimitsConfig = z.infer<typeof limitsSchema>;

/** The limits with every default, for servers started without a config file. */
export const DEFAULT_LIMITS: LimitsConfig = limitsSchema.parse(undefined);

/** Cross-checks the auth section against the configured backends: each error names its field. */
export function authConfigErrors(auth: AuthConfig, backendNames: readonly string[]): string[] {
  if (auth.mode !== 'apiKey') return [];
  const errors: string[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  auth.apiKeys.forEach((key, i) => {
    const field = `auth.apiKeys[${i}] (${key.name})`;
    if (names.has(key.name)) errors.push(`${field}.name: "${key.name}" is used twice; names must be unique`);
    names.add(key.name);
    const hash = key.hash.toLowerCase();
    if (hashes.has(hash)) errors.push(`${field}.hash: the same key is configured twice`);
    hashes.add(hash);
    const unknown = key.backends.filter((b) => b !== '*' && !backendNames.includes(b));
    if (unknown.length) errors.push(`${field}.backends: unknown backend ${unknown.join(', ')}; configured: ${backendNames.join(', ')}`);
  });
  return errors;
}
