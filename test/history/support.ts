/**
 * Helpers for the history tests: task models to record, and each store kind opened fresh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskModel } from '../../src/model/task.js';
import { openEmbeddedStore } from '../../src/history/embedded.js';
import { openPostgresStore } from '../../src/history/postgres.js';
import type { HistoryStore } from '../../src/history/store.js';
import { startTestPostgres } from '../support/postgres.js';

export function task(overrides: Partial<TaskModel> & Pick<TaskModel, 'nativeId'>): TaskModel {
  return {
    backend: 'vcd1',
    backendType: 'vcd',
    operation: 'vappDeploy',
    description: null,
    status: 'RUNNING',
    nativeStatus: 'running',
    progress: 0,
    progressMessage: null,
    createdAt: new Date('2026-03-01T10:00:00.000Z'),
    startedAt: new Date('2026-03-01T10:00:01.000Z'),
    completedAt: null,
    lastUpdatedAt: null,
    expiresAt: null,
    isCancelable: true,
    cancelRequested: false,
    initiatedBy: null,
    tenant: 'acme',
    entitiesAffected: [],
    parentId: null,
    rootId: null,
    embeddedSubtasks: null,
    subtaskCount: null,
    steps: [],
    errors: [],
    warnings: [],
    result: null,
    completionDetails: [],
    relatedTasks: [],
    ...overrides,
  };
}

export interface StoreKind {
  name: 'embedded' | 'postgres';
  /** A fresh, empty store (and a second connection to the same one: another replica). */
  open(): Promise<{ store: HistoryStore; replica: () => Promise<HistoryStore>; location: string; dispose(): Promise<void> }>;
}

export const embeddedKind: StoreKind = {
  name: 'embedded',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'taskgraph-history-'));
    const path = join(dir, 'history.db');
    const opened: HistoryStore[] = [];
    const open = async () => {
      const s = await openEmbeddedStore(path);
      opened.push(s);
      return s;
    };
    return {
      store: await open(),
      replica: open,
      location: path,
      async dispose() {
        for (const s of opened) await s.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** PostgreSQL when available (a fresh database per open); null after printing why not. */
export async function postgresKind(): Promise<(StoreKind & { close(): Promise<void> }) | null> {
  const server = await startTestPostgres();
  if (!server) return null;
  let unused: string | null = server.url;
  return {
    name: 'postgres',
    async open() {
      const url = unused ?? (await server.newDatabase());
      unused = null;
      const opened: HistoryStore[] = [];
      const open = async () => {
        const s = await openPostgresStore({ url });
        opened.push(s);
        return s;
      };
      return {
        store: await open(),
        replica: open,
        location: url,
        async dispose() {
          for (const s of opened) await s.close().catch(() => {});
        },
      };
    },
    close: () => server.stop(),
  };
}
