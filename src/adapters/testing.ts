/**
 * What the shared test suites (test/contract, test/reliability, the parser property tests)
 * need to drive one backend type: each adapter folder's testing.ts provides it, and its
 * module declares it (AdapterModule.testing), so the suites iterate the registry instead of
 * naming backend types.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { TaskModel } from '../model/task.js';
import type { RunningSimulator } from '../simulators/types.js';

/** What the adapter's read path made of one body: tasks, or the typed error it raised. */
export type ParseOutcome = { kind: 'models'; models: TaskModel[] } | { kind: 'typed'; error: Error };

export interface BackendTesting {
  /** The format of its answers: the property tests generate documents of it. */
  format: 'json' | 'xml';
  /**
   * The adapter's read path over one upstream body, as its client and mapping run it (parse,
   * narrow, map). Failures the adapter turns into typed errors come back as `typed`; anything
   * else thrown is a crash and must propagate.
   */
  parse(body: string): ParseOutcome;
  /** Its real-shaped fixtures (the adapter folder's __fixtures__ of its format), by file name. */
  fixtures(): Map<string, string>;
  /** XML backends: root elements that reach the task narrowing, and whether answers come in a SOAP envelope. */
  xml?: { roots: readonly string[]; soapEnvelope: boolean };
  /** The content type of its list answers (the hostile-payload tests serve bodies with it). */
  listContentType: string;
  /** The path prefix of the request that carries a task list ('' when any request may). */
  listPathPrefix: string;
  /** A real list answer with one field nested deeper than a recursive serializer can go, if its format allows. */
  deepFieldAnswer?(): string;
  /** It reads a deeply nested empty JSON array as no tasks instead of refusing it (vAPI maps may be lists). */
  readsDeepEmptyListsAsNoTasks?: boolean;
  /**
   * Answers of 20 MB and of deep nesting, by case name: each must give models or a typed
   * error within a capped heap (test/reliability/bounded-memory.test.ts).
   */
  hugeAnswers: Readonly<Record<string, () => string>>;
  /** Whether a request (as the fault proxy logs it) is the vendor's cancel call. */
  isCancelRequest(req: { method: string; url: string; body: string }): boolean;
  /** Logins the simulator has served since its counts were last reset. */
  logins(sim: RunningSimulator): number;
  /** Its tasks can have subtasks (the contract suite checks parents and children). */
  subtasks: boolean;
}

/** Every fixture of an adapter folder with this extension, by file name. */
export function readFixtures(adapterFolder: URL, extension: string): Map<string, string> {
  const dir = new URL('__fixtures__/', adapterFolder);
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith(extension))
      .map((f) => [f, readFileSync(new URL(f, dir), 'utf8')]),
  );
}

/** Runs one step of a read path: a typed failure is recorded and ends the step, anything else propagates. */
export function typedStep<T>(typed: Error[], isTyped: (err: unknown) => boolean, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!isTyped(err)) throw err;
    typed.push(err as Error);
    return undefined;
  }
}

/** The outcome of a read path: its models, or its first typed error when it mapped nothing. */
export function parseOutcome(models: TaskModel[], typed: readonly Error[]): ParseOutcome {
  return models.length || !typed.length ? { kind: 'models', models } : { kind: 'typed', error: typed[0]! };
}

/** JSON.parse as the JSON clients do it: a body that is not JSON is that backend's bad response. */
export function parseJsonBody(body: string, typed: Error[], badResponse: (cause: unknown) => Error): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    typed.push(badResponse(err));
    return { ok: false };
  }
}
