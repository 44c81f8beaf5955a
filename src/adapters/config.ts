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
