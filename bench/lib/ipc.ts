/**
 * Benchmark processes: each server (simulators, gateways, load generator) runs in a child
 * process of its own, so the gateway never shares an event loop with the backend or the
 * load, and the parent drives them through a tiny request/reply protocol over Node's IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Handler = (...args: any[]) => unknown;

interface CallMessage {
  id: number;
  method: string;
  args: unknown[];
}

interface ReplyMessage {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** In a child: answers the parent's calls with these handlers (and exits on `exit`). */
export function serveCalls(handlers: Record<string, Handler>): void {
  process.on('message', (raw) => {
    const msg = raw as CallMessage;
    if (typeof msg?.id !== 'number') return;
    void (async () => {
      let reply: ReplyMessage;
      try {
        const handler = handlers[msg.method];
        if (!handler) throw new Error(`no method ${msg.method}`);
        reply = { id: msg.id, ok: true, value: await handler(...msg.args) };
      } catch (err) {
        reply = { id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      process.send!(reply);
    })();
  });
  process.send!({ id: 0, ok: true, value: 'ready' });
}

export interface ChildService {
  readonly pid: number;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  /** Stops the child (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/** Starts a TypeScript module (under tsx) that calls `serveCalls`, and waits until it is ready. */
export async function startChild(
  moduleUrl: URL,
  options: { argv?: string[]; execArgv?: string[]; env?: NodeJS.ProcessEnv; profile?: boolean } = {},
): Promise<ChildService> {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every child started with `profile` (the gateways).
  const profile = options.profile && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child: ChildProcess = fork(fileURLToPath(moduleUrl), options.argv ?? [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? []), ...profile],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  let exited = false;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${moduleUrl.pathname} exited (${code}) before it was ready`)));
    pending.set(0, { resolve: () => resolve(), reject });
  });
  child.on('message', (raw) => {
    const msg = raw as ReplyMessage;
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.value);
    else waiter.reject(new Error(`${moduleUrl.pathname}: ${msg.error}`));
  });
  child.on('exit', (code) => {
    exited = true;
    for (const w of pending.values()) w.reject(new Error(`${moduleUrl.pathname} exited (${code})`));
    pending.clear();
  });
  await ready;
  return {
    pid: child.pid!,
    call<T>(method: string, ...args: unknown[]): Promise<T> {
      if (exited) return Promise.reject(new Error(`${moduleUrl.pathname} is not running`));
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, method, args } satisfies CallMessage);
      });
    },
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
