/**
 * The configuration every backend shares. Each adapter extends `baseBackendSchema` with its
 * own fields; unknown fields are errors, so a typo is named instead of silently ignored.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BACKEND_NAME_PATTERN } from '../model/global-id.js';
import { Secret } from '../model/secret.js';

export const tlsSchema = z
  .object({
    insecure: z.boolean().default(false).describe('skip certificate verification (labs only)'),
    caFile: z.string().min(1).optional().describe('PEM file of the CA that signed the backend certificate'),
  })
  .strict()
  .default({ insecure: false });

const secretValue = z
  .string()
  .min(1)
  .transform((value) => new Secret(value));

export const baseBackendSchema = z
  .object({
    name: z
      .string()
      .regex(BACKEND_NAME_PATTERN, 'use 1-64 letters, digits, "-" or "_" (it becomes part of every task id)'),
    type: z.string(),
    url: z.url('an absolute http(s) URL such as https://vcenter.example.com'),
    username: z.string().min(1).optional(),
    password: secretValue.optional(),
    /** A file holding the password (Docker/Kubernetes secrets); read once at start-up. */
    passwordFile: z.string().min(1).optional(),
    apiKey: secretValue.optional(),
    apiKeyFile: z.string().min(1).optional(),
    org: z.string().min(1).optional(),
    tls: tlsSchema,
    timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /** Retries of idempotent reads (mutations are never retried); see docs/reliability.md. */
    retry: z
      .object({
        attempts: z.number().int().min(1).max(10).default(3).describe('attempts in all, the first included; 1 disables retries'),
        baseDelayMs: z.number().int().min(1).max(60_000).default(100).describe('cap of the first jittered backoff; doubles per attempt'),
        maxDelayMs: z.number().int().min(1).max(300_000).default(2_000).describe('largest backoff between two attempts'),
        budgetMs: z.number().int().min(100).max(600_000).optional().describe('time for a whole call, retries included (default: timeoutMs)'),
      })
      .strict()
      .default({ attempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 }),
    /** The circuit breaker: fail at once while a backend is known to be down. */
    circuit: z
      .object({
        failureThreshold: z.number().int().min(1).max(1000).default(5).describe('consecutive failed calls that open the circuit'),
        openMs: z.number().int().min(100).max(3_600_000).default(30_000).describe('how long it stays open before one probe call'),
      })
      .strict()
      .default({ failureThreshold: 5, openMs: 30_000 }),
    /** Concurrent calls to this backend; see docs/reliability.md, "Bulkhead". */
    bulkhead: z
      .object({
        maxConcurrent: z.number().int().min(1).max(10_000).default(64).describe('calls in flight at once; more wait in line'),
        maxQueued: z.number().int().min(0).max(100_000).default(1000).describe('calls waiting for a slot; past that a call is refused at once'),
      })
      .strict()
      .default({ maxConcurrent: 64, maxQueued: 1000 }),
    /**
     * Other ids this backend is known by in other backends' payloads, e.g. the vCD
     * `virtualCenterID` of this vCenter, so a vCD task links to its vSphere tasks.
     */
    knownAs: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type BaseBackendConfig = z.infer<typeof baseBackendSchema>;

/** Resolves `passwordFile` / `apiKeyFile` into secrets; returns the password or api key to use. */
export function readSecretFile(path: string, field: string): Secret {
  try {
    return new Secret(readFileSync(path, 'utf8').replace(/\r?\n$/, ''));
  } catch (err) {
    throw new Error(`${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The password from `password` or `passwordFile`; throws naming the field when neither is set. */
export function requirePassword(config: BaseBackendConfig): Secret {
  if (config.password) return config.password;
  if (config.passwordFile) return readSecretFile(config.passwordFile, `backends.${config.name}.passwordFile`);
  throw new Error(`backends.${config.name}: set password (or passwordFile)`);
}
