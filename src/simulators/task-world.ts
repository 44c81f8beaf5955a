/**
 * The task lifecycle engine every simulator shares. It holds vendor-neutral tasks whose
 * state is a pure function of a clock: queued, then running with progress and steps, then
 * succeeded or failed; cancel requests go through canceling to canceled. Each simulator
 * renders these tasks in its own wire format.
 *
 * Everything advances lazily (`tick()` before every request), so tests can drive a manual
 * clock and get the same answers every run; demos pass the real clock.
 */

export type SimState = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceling' | 'canceled';

export interface SimEntity {
  id: string;
  type: string;
  name: string;
}

export interface SimStep {
  name: string;
  state: SimState;
}

export interface SimTask {
  /** A UUID; each simulator derives its own native id format from it. */
  id: string;
  /** Creation order, 1-based (vim task-N keys). */
  seq: number;
  operation: string;
  description: string;
  entity: SimEntity | null;
  parentId: string | null;
  rootId: string | null;
  childIds: string[];
  /** vCD org, Prism cluster: who may see it. */
  tenant: string;
  owner: string;
  state: SimState;
  progress: number;
  steps: SimStep[];
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
  cancelable: boolean;
  cancelRequested: boolean;
  errorMessage: string | null;
  errorCode: string | null;
  details: string | null;
  result: string | null;
  /** Created through the API by an external service: only API updates change it. */
  external: boolean;
  /** Backend-specific extras a simulator wants to keep with the task (serviceNamespace ...). */
  extra: Record<string, string>;
  /** Bumped on every change. */
  version: number;
  plan: { queuedMs: number; runMs: number; outcome: 'succeeded' | 'failed'; cancelMs: number };
}

export interface OperationTemplate {
  operation: string;
  description: string;
  entityType: string;
  /** Makes entity ids, e.g. (n) => `vm-${n}`. */
  entityId: (n: number) => string;
  entityName: (n: number) => string;
  steps?: string[];
  cancelable?: boolean;
  /** Number of subtasks it spawns. */
  subtasks?: number;
}

export interface WorldOptions {
  /** Operations to draw from when spawning tasks. */
  catalog: OperationTemplate[];
  tenants?: string[];
  users?: string[];
  /** Deterministic randomness. */
  seed?: number;
  /** The clock; `Date.now` by default. */
  now?: () => number;
  /** Spawn a new top-level task this often (0: never). */
  spawnEveryMs?: number;
  /** How many finished tasks are kept before the oldest expire (vCD expiryTime, vim recentTask cap). */
  retain?: number;
}

export interface CreateSpec {
  operation: string;
  description?: string;
  entity?: SimEntity | null;
  parentId?: string | null;
  tenant?: string;
  owner?: string;
  cancelable?: boolean;
  external?: boolean;
  state?: SimState;
  progress?: number;
  steps?: string[];
  createdAt?: Date;
  plan?: Partial<SimTask['plan']>;
  extra?: Record<string, string>;
  details?: string | null;
}

export type CancelResult = 'ok' | 'not-found' | 'not-cancelable' | 'finished';

export type TaskListener = (task: SimTask, kind: 'created' | 'updated') => void;

const TERMINAL = new Set<SimState>(['succeeded', 'failed', 'canceled']);

export function isSimTerminal(state: SimState): boolean {
  return TERMINAL.has(state);
}

/** mulberry32: small, fast, deterministic (also the history benchmark's data). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TaskWorld {
  readonly #tasks = new Map<string, SimTask>();
  readonly #order: SimTask[] = [];
  readonly #listeners = new Set<TaskListener>();
  readonly #options: WorldOptions;
  readonly #random: () => number;
  readonly now: () => number;
  #seq = 0;
  #lastSpawn: number;

  constructor(options: WorldOptions) {
    this.#options = options;
    this.#random = prng(options.seed ?? 42);
    this.now = options.now ?? Date.now;
    this.#lastSpawn = this.now();
  }

  /** A UUID v4 drawn from the seeded generator, so runs are reproducible. */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.#random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  onChange(listener: TaskListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(id: string): SimTask | undefined {
    this.tick();
    return this.#tasks.get(id);
  }

  /** All tasks, newest first (by creation time, then seq). */
  list(): SimTask[] {
    this.tick();
    return [...this.#order].reverse();
  }

  get size(): number {
    return this.#tasks.size;
  }

  create(spec: CreateSpec): SimTask {
    const now = this.now();
    const parent = spec.parentId ? this.#tasks.get(spec.parentId) : undefined;
    const state = spec.state ?? 'queued';
    const task: SimTask = {
      id: this.uuid(),
      seq: ++this.#seq,
      operation: spec.operation,
      description: spec.description ?? spec.operation,
      entity: spec.entity ?? null,
      parentId: parent?.id ?? null,
      rootId: parent ? (parent.rootId ?? parent.id) : null,
      childIds: [],
      tenant: spec.tenant ?? parent?.tenant ?? this.#options.tenants?.[0] ?? 'default',
      owner: spec.owner ?? parent?.owner ?? this.#options.users?.[0] ?? 'admin',
      state,
      progress: spec.progress ?? (state === 'succeeded' ? 100 : 0),
      steps: (spec.steps ?? []).map((name) => ({ name, state: 'queued' as SimState })),
      createdAt: spec.createdAt ?? new Date(now),
      startedAt: state === 'queued' ? null : new Date(now),
      completedAt: TERMINAL.has(state) ? new Date(now) : null,
      updatedAt: new Date(now),
      cancelable: spec.cancelable ?? true,
      cancelRequested: false,
      errorMessage: null,
      errorCode: null,
      details: spec.details ?? null,
      result: null,
      external: spec.external ?? false,
      extra: { ...spec.extra },
      version: 1,
      plan: {
        queuedMs: 300 + Math.floor(this.#random() * 700),
        runMs: 3000 + Math.floor(this.#random() * 9000),
        outcome: this.#random() < 0.15 ? 'failed' : 'succeeded',
        cancelMs: 400,
        ...spec.plan,
      },
    };
    this.#tasks.set(task.id, task);
    this.#order.push(task);
    if (parent) parent.childIds.push(task.id);
    this.#emit(task, 'created');
    this.#expire();
    return task;
  }

  /** Spawns a task from the catalog (with its subtasks), as a busy platform would. */
  spawn(template?: OperationTemplate, createdAt?: Date): SimTask {
    const catalog = this.#options.catalog;
    const t = template ?? catalog[Math.floor(this.#random() * catalog.length)]!;
    const n = 1 + Math.floor(this.#random() * 500);
    const tenants = this.#options.tenants ?? ['default'];
    const users = this.#options.users ?? ['admin'];
    const parent = this.create({
      operation: t.operation,
      description: t.description.replace('{name}', t.entityName(n)),
      entity: { id: t.entityId(n), type: t.entityType, name: t.entityName(n) },
      tenant: tenants[Math.floor(this.#random() * tenants.length)],
      owner: users[Math.floor(this.#random() * users.length)],
      cancelable: t.cancelable ?? true,
      steps: t.steps,
      createdAt,
    });
    for (let i = 0; i < (t.subtasks ?? 0); i++) {
      this.create({
        operation: `${t.operation}.step${i + 1}`,
        description: `${t.description.replace('{name}', t.entityName(n))} (part ${i + 1})`,
        entity: parent.entity,
        parentId: parent.id,
        cancelable: false,
        createdAt: createdAt ? new Date(createdAt.getTime() + 50 * (i + 1)) : undefined,
        plan: { queuedMs: parent.plan.queuedMs + 100, runMs: Math.max(500, parent.plan.runMs / 2), outcome: 'succeeded' },
      });
    }
    return parent;
  }

  /**
   * Spawns `count` tasks spread over the past `spanMs`, oldest first, so a fresh simulator
   * already shows every lifecycle stage: finished, failed, running and queued.
   */
  backfill(count: number, spanMs = 15 * 60_000): void {
    const now = this.now();
    for (let i = 0; i < count; i++) {
      const age = count === 1 ? 0 : Math.round(spanMs * (1 - i / (count - 1)) * (0.9 + 0.1 * this.#random()));
      this.spawn(undefined, new Date(now - age));
    }
    this.tick();
  }

  /** Requests cancellation, as the vendors do: only cancelable, unfinished tasks. */
  cancel(id: string): CancelResult {
    const task = this.get(id);
    if (!task) return 'not-found';
    if (TERMINAL.has(task.state)) return 'finished';
    if (!task.cancelable) return 'not-cancelable';
    if (task.state === 'canceling') return 'ok';
    task.cancelRequested = true;
    task.state = 'canceling';
    task.extra.cancelAt = String(this.now() + task.plan.cancelMs);
    this.#touch(task);
    return 'ok';
  }

  /**
   * Removes a task and its subtasks at once, as when it expires (vCD `expiryTime`) or an
   * administrator purges it: reads by id then answer "not found". Returns whether it existed.
   */
  remove(id: string): boolean {
    const task = this.#tasks.get(id);
    if (!task) return false;
    for (const child of [...task.childIds]) this.remove(child);
    this.#tasks.delete(id);
    this.#order.splice(this.#order.indexOf(task), 1);
    const parent = task.parentId ? this.#tasks.get(task.parentId) : undefined;
    if (parent) parent.childIds.splice(parent.childIds.indexOf(id), 1);
    return true;
  }

  /** Applies an update to a task (external task updates; vim UpdateProgress / SetTaskState). */
  update(id: string, patch: Partial<Pick<SimTask, 'state' | 'progress' | 'operation' | 'description' | 'details' | 'errorMessage' | 'errorCode' | 'result' | 'owner'>> & { extra?: Record<string, string> }): SimTask | undefined {
    const task = this.get(id);
    if (!task) return undefined;
    const { extra, ...rest } = patch;
    Object.assign(task, rest);
    if (extra) Object.assign(task.extra, extra);
    const now = new Date(this.now());
    if (task.state !== 'queued' && !task.startedAt) task.startedAt = now;
    if (TERMINAL.has(task.state) && !task.completedAt) task.completedAt = now;
    if (task.state === 'succeeded') task.progress = 100;
    this.#touch(task);
    return task;
  }

  /** Brings every task up to the clock, and spawns tasks that are due. */
  tick(): void {
    const now = this.now();
    const every = this.#options.spawnEveryMs ?? 0;
    if (every > 0) {
      // Spawn at most a few per tick, so a long-idle world does not flood.
      let due = Math.min(5, Math.floor((now - this.#lastSpawn) / every));
      if (due > 0) this.#lastSpawn = now;
      while (due-- > 0) this.spawn();
    }
    for (const task of this.#order) {
      if (!TERMINAL.has(task.state) && !task.external) this.#advance(task, now);
    }
  }

  #advance(task: SimTask, now: number): void {
    const before = `${task.state}/${task.progress}/${task.steps.map((s) => s.state).join()}`;
    const age = now - task.createdAt.getTime();
    const { queuedMs, runMs, outcome } = task.plan;
    if (task.state === 'canceling') {
      if (now >= Number(task.extra.cancelAt ?? 0)) {
        task.state = 'canceled';
        task.completedAt = new Date(now);
        task.errorMessage = 'The task was canceled by a user.';
        task.errorCode = 'CANCELED';
      }
    } else if (age >= queuedMs + runMs) {
      task.state = outcome;
      task.startedAt ??= new Date(task.createdAt.getTime() + queuedMs);
      task.completedAt = new Date(task.createdAt.getTime() + queuedMs + runMs);
      task.progress = outcome === 'succeeded' ? 100 : Math.max(task.progress, 60);
      if (outcome === 'failed') {
        task.errorMessage = `${task.description}: the operation failed (simulated fault).`;
        task.errorCode = 'SIMULATED_FAILURE';
      } else {
        task.result = task.entity ? task.entity.id : null;
      }
    } else if (age >= queuedMs) {
      task.state = 'running';
      task.startedAt ??= new Date(task.createdAt.getTime() + queuedMs);
      task.progress = Math.min(99, Math.floor(((age - queuedMs) / runMs) * 100));
    }
    const done = task.steps.length ? Math.floor((task.progress / 100) * task.steps.length) : 0;
    task.steps.forEach((step, i) => {
      if (task.state === 'succeeded' || i < done) step.state = 'succeeded';
      else if (i === done && !TERMINAL.has(task.state)) step.state = task.state === 'queued' ? 'queued' : 'running';
      else if (i === done) step.state = task.state;
    });
    const after = `${task.state}/${task.progress}/${task.steps.map((s) => s.state).join()}`;
    if (after !== before) this.#touch(task, new Date(now));
  }

  #touch(task: SimTask, at = new Date(this.now())): void {
    task.updatedAt = at;
    task.version++;
    this.#emit(task, 'updated');
  }

  #emit(task: SimTask, kind: 'created' | 'updated'): void {
    for (const listener of this.#listeners) listener(task, kind);
  }

  #expire(): void {
    const retain = this.#options.retain ?? 5000;
    while (this.#order.length > retain) {
      const idx = this.#order.findIndex((t) => TERMINAL.has(t.state));
      if (idx === -1) return;
      const [old] = this.#order.splice(idx, 1);
      this.#tasks.delete(old!.id);
    }
  }
}
