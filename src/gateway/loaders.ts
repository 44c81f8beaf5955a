/**
 * Per-request DataLoaders (never global: a loader is a per-request cache).
 * Task by id is grouped per backend and split by each backend's batch cap, so N ids on one
 * backend cost ceil(N / maxBatchSize) upstream calls, and duplicates are fetched once.
 */
import DataLoader from 'dataloader';
import type { CallContext } from '../adapters/contract.js';
import { BackendError } from '../adapters/errors.js';
import type { TaskModel } from '../model/task.js';
import type { BackendSet } from './backends.js';

export interface TaskRef {
  backend: string;
  nativeId: string;
}

export interface Loaders {
  /** Task by backend and native id; null when it does not exist. */
  task: DataLoader<TaskRef, TaskModel | null, string>;
  /** Seeds the task loader with tasks already fetched by a list call. */
  prime(tasks: readonly TaskModel[]): void;
}

const keyOf = (ref: TaskRef) => `${ref.backend}\u0000${ref.nativeId}`;

export function createLoaders(backends: BackendSet, call: CallContext): Loaders {
  const task = new DataLoader<TaskRef, TaskModel | null, string>(
    async (refs) => {
      const results = new Array<TaskModel | null | Error>(refs.length);
      const groups = new Map<string, number[]>();
      refs.forEach((ref, i) => {
        const list = groups.get(ref.backend) ?? [];
        list.push(i);
        groups.set(ref.backend, list);
      });
      await Promise.all(
        [...groups].map(async ([name, indexes]) => {
          const backend = backends.get(name);
          if (!backend) {
            for (const i of indexes) results[i] = null;
            return;
          }
          const cap = Math.max(1, backend.adapter.capabilities.maxBatchSize);
          const chunks: number[][] = [];
          for (let i = 0; i < indexes.length; i += cap) chunks.push(indexes.slice(i, i + cap));
          await Promise.all(
            chunks.map(async (chunk) => {
              try {
                const got = await backend.adapter.getTasks(chunk.map((i) => refs[i]!.nativeId), call);
                chunk.forEach((i, j) => (results[i] = got[j] ?? null));
              } catch (err) {
                const error = err instanceof Error ? err : new BackendError('BACKEND_ERROR', name, String(err));
                for (const i of chunk) results[i] = error;
              }
            }),
          );
        }),
      );
      return results;
    },
    { cacheKeyFn: keyOf },
  );
  return {
    task,
    prime(tasks) {
      for (const t of tasks) task.prime({ backend: t.backend, nativeId: t.nativeId }, t);
    },
  };
}
