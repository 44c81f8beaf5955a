/**
 * The Redis engine for several gateway replicas:
 * - a bus: watchers publish task events on one channel; every replica delivers them to its
 *   own subscribers;
 * - leases: each backend is watched by exactly one replica, holding `<prefix>lease:<backend>`
 *   (SET NX PX, renewed at a third of its TTL); when that replica dies the key expires and
 *   a replica with subscribers for that backend takes over;
 * - a watch-state store: the last published fingerprint of each task, so the replica that
 *   takes over diffs against it and no transition in the gap is lost.
 */
import { Redis } from 'ioredis';
import type { TaskModel } from '../model/task.js';
import type { EventBus, EventHandler, LeaseManager } from './bus.js';
import type { TaskEvent } from './events.js';
import type { WatchStateStore } from './watcher.js';

export interface RedisEngineOptions {
  url: string;
  keyPrefix: string;
  leaseTtlMs: number;
  /** Identifies this replica in lease values (host:pid:random). */
  replicaId: string;
  onError?: (error: unknown) => void;
}

export interface RedisEngine {
  bus: EventBus;
  leases: LeaseManager;
  store(backend: string): WatchStateStore;
  close(): Promise<void>;
}

const DATE_FIELDS = ['createdAt', 'startedAt', 'completedAt', 'lastUpdatedAt', 'expiresAt'] as const;

/** Revives the Date fields JSON turned into strings (recursively for embedded subtasks). */
function reviveTask(raw: TaskModel): TaskModel {
  const task = { ...raw };
  for (const f of DATE_FIELDS) task[f] = raw[f] ? new Date(raw[f] as unknown as string) : null;
  if (raw.embeddedSubtasks) task.embeddedSubtasks = raw.embeddedSubtasks.map(reviveTask);
  return task;
}

// Compare-and-act on the lease value: only the holder renews or releases.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createRedisEngine(options: RedisEngineOptions): RedisEngine {
  const redisOptions = { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true };
  const client = new Redis(options.url, redisOptions);
  const subscriber = new Redis(options.url, redisOptions);
  const onError = (err: unknown) => options.onError?.(err);
  client.on('error', onError);
  subscriber.on('error', onError);
  const channel = `${options.keyPrefix}events`;
  const handlers = new Set<EventHandler>();
  let subscribed: Promise<unknown> | null = null;

  subscriber.on('message', (ch: string, message: string) => {
    if (ch !== channel) return;
    let parsed: { backend: string; event: TaskEvent };
    try {
      parsed = JSON.parse(message) as { backend: string; event: TaskEvent };
    } catch (err) {
      onError(err);
      return;
    }
    const event: TaskEvent = { type: parsed.event.type, task: reviveTask(parsed.event.task) };
    for (const h of handlers) h(parsed.backend, event);
  });

  const bus: EventBus = {
    publish(backend, event) {
      client.publish(channel, JSON.stringify({ backend, event })).catch(onError);
    },
    subscribe(handler) {
      handlers.add(handler);
      subscribed ??= subscriber.subscribe(channel).catch(onError);
      return () => handlers.delete(handler);
    },
    close: async () => handlers.clear(),
  };

  const held = new Map<string, { timer: NodeJS.Timeout; holding: boolean; release: () => Promise<void> }>();

  const leases: LeaseManager = {
    hold(backend, onAcquired, onLost) {
      const key = `${options.keyPrefix}lease:${backend}`;
      const state = { timer: undefined as unknown as NodeJS.Timeout, holding: false, release: async () => {} };
      let stopped = false;
      const tick = async () => {
        if (stopped) return;
        try {
          if (state.holding) {
            const renewed = await client.eval(RENEW, 1, key, options.replicaId, String(options.leaseTtlMs));
            if (renewed !== 1) {
              state.holding = false;
              onLost();
            }
          } else {
            const got = await client.set(key, options.replicaId, 'PX', options.leaseTtlMs, 'NX');
            if (got === 'OK' && !stopped) {
              state.holding = true;
              onAcquired();
            }
          }
        } catch (err) {
          // Redis unreachable: a holder cannot prove its lease any more, so it stops watching.
          if (state.holding) {
            state.holding = false;
            onLost();
          }
          onError(err);
        }
      };
      state.timer = setInterval(() => void tick(), Math.max(50, Math.floor(options.leaseTtlMs / 3)));
      state.timer.unref();
      void tick();
      state.release = async () => {
        stopped = true;
        clearInterval(state.timer);
        held.delete(backend);
        if (state.holding) {
          state.holding = false;
          onLost();
          await client.eval(RELEASE, 1, key, options.replicaId).catch(onError);
        }
      };
      held.set(backend, state);
      return state.release;
    },
    async close() {
      await Promise.all([...held.values()].map((h) => h.release()));
    },
  };

  function store(backend: string): WatchStateStore {
    const key = `${options.keyPrefix}known:${backend}`;
    const ttlSeconds = 24 * 3600;
    return {
      async load() {
        const raw = await client.hgetall(key);
        const entries = Object.entries(raw);
        if (entries.length === 0) return null;
        return new Map(entries.map(([id, v]) => [id, { active: v.startsWith('1'), fingerprint: v.slice(1) }]));
      },
      async save(changes) {
        if (!changes.length) return;
        const flat: string[] = [];
        for (const c of changes) flat.push(c.nativeId, `${c.active ? '1' : '0'}${c.fingerprint}`);
        await client.multi().hset(key, ...flat).expire(key, ttlSeconds).exec();
      },
      async forget(ids) {
        if (ids.length) await client.hdel(key, ...ids);
      },
    };
  }

  return {
    bus,
    leases,
    store,
    async close() {
      await leases.close();
      handlers.clear();
      subscriber.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
