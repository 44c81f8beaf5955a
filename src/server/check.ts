/**
 * `taskgraph check --config FILE`: validates the file, then tries each backend the way the
 * gateway will (its adapter: login, then one list call of one task) and prints a table.
 * Exit code: 0 when every backend answered, 1 when one did not, 2 when the file is invalid.
 */
import { randomUUID } from 'node:crypto';
import type { TaskAdapter } from '../adapters/contract.js';
import { BackendError } from '../adapters/errors.js';
import { ConfigError, loadConfig, type BackendEntry } from './config.js';

export interface BackendCheck {
  backend: string;
  type: string;
  /** The configured URL without user info, query or fragment. */
  url: string;
  ok: boolean;
  latencyMs: number | null;
  /** What the list call returned (ok), or the error code and message (failed). */
  detail: string;
}

export interface CheckOptions {
  /** Longest wait per backend (default 20 s; the adapter's own timeoutMs applies per request). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A URL fit for a terminal: no credentials, no query string. */
export function displayUrl(url: unknown): string {
  if (typeof url !== 'string') return '';
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof BackendError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (${what})`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Logs in and lists one task on one backend; never throws. */
export async function checkBackend(entry: BackendEntry, options: CheckOptions = {}): Promise<BackendCheck> {
  const { config, module } = entry;
  const row = { backend: config.name, type: config.type, url: displayUrl(config.url) };
  let adapter: TaskAdapter;
  try {
    adapter = module.create(config);
  } catch (err) {
    return { ...row, ok: false, latencyMs: null, detail: `configuration: ${describeFailure(err)}` };
  }
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const page = await withDeadline(
      adapter.listTasks({ filter: {}, direction: 'DESC', limit: 1 }, { requestId: `taskgraph-check-${randomUUID()}`, signal }),
      timeoutMs,
      'login and list one task',
    );
    const latencyMs = Math.round(performance.now() - started);
    const newest = page.tasks[0];
    const detail = newest
      ? `listed 1 task${page.totalCount !== null ? ` of ${page.totalCount}` : ''} (newest: ${newest.operation ?? newest.nativeId}, ${newest.status})`
      : 'listed 0 tasks (the account sees none)';
    return { ...row, ok: true, latencyMs, detail };
  } catch (err) {
    return { ...row, ok: false, latencyMs: Math.round(performance.now() - started), detail: describeFailure(err) };
  } finally {
    await adapter.close().catch(() => undefined);
  }
}

/** Checks every backend of the file at once. Throws ConfigError when the file is invalid. */
export async function checkConfigFile(path: string, options: CheckOptions = {}): Promise<BackendCheck[]> {
  const config = loadConfig(path, options.env);
  return Promise.all(config.backends.map((entry) => checkBackend(entry, options)));
}

/** A plain-text table: one row per backend, columns padded, the detail column last and unbounded. */
export function formatChecks(checks: readonly BackendCheck[]): string {
  const header = ['BACKEND', 'TYPE', 'URL', 'RESULT', 'LATENCY', 'DETAIL'];
  const rows = checks.map((c) => [c.backend, c.type, c.url, c.ok ? 'ok' : 'FAILED', c.latencyMs === null ? '-' : `${c.latencyMs} ms`, c.detail]);
  const widths = header.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd();
  const failed = checks.filter((c) => !c.ok).length;
  const summary = `${checks.length} backend${checks.length === 1 ? '' : 's'}: ${checks.length - failed} ok, ${failed} failed`;
  return [line(header), ...rows.map(line), '', summary].join('\n');
}

/** The whole command: writes to `out`, returns the exit code. */
export async function runCheck(path: string, out: NodeJS.WritableStream, options: CheckOptions = {}): Promise<number> {
  let checks: BackendCheck[];
  try {
    out.write(`taskgraph check: ${path}\n`);
    checks = await checkConfigFile(path, options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out.write(`invalid configuration\n${err.message}\n`);
    return 2;
  }
  out.write(`configuration ok, ${checks.length} backend${checks.length === 1 ? '' : 's'}\n\n`);
  out.write(`${formatChecks(checks)}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}
