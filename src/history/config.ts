/**
 * The `history:` config section. Absent: history is off (history fields answer
 * HISTORY_UNAVAILABLE / DISABLED). `history: {}` records into the embedded store.
 */
import { z } from 'zod';

export const historySchema = z
  .object({
    /** embedded: an SQLite file, no server to run; postgres: one database for several replicas. */
    store: z.enum(['embedded', 'postgres']).default('embedded'),
    /** The embedded store's file. */
    path: z.string().min(1).default('taskgraph-history.db'),
    /** The PostgreSQL store's URL (postgres://user:password@host:5432/db); `${VAR}` keeps the password out of the file. */
    url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL such as postgres://taskgraph@db:5432/taskgraph').optional(),
    /** Tasks created longer ago than this are deleted. */
    retentionDays: z.number().int().min(1).max(36_500).default(90),
    /** At most this many tasks are kept; the oldest go first. */
    maxRows: z.number().int().min(1000).max(1_000_000_000).default(5_000_000),
    /**
     * Poll backends nobody subscribes to, so their history is complete: false (default) records
     * only what watchers and queries see; true polls every 60 s; a number is the interval in ms.
     */
    pollIdleBackends: z.union([z.boolean(), z.number().int().min(1000).max(86_400_000)]).default(false),
    /** A progress change is a transition when it crosses a multiple of this many points; 0: status changes only. */
    progressGranularity: z.number().int().min(0).max(100).default(10),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.store === 'postgres' && !value.url) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'required with store: postgres (postgres://user:password@host:5432/database)' });
    }
  });

export type HistoryConfig = z.infer<typeof historySchema>;

/** The poll interval pollIdleBackends asks for, or null for none. */
export function idlePollMs(config: Pick<HistoryConfig, 'pollIdleBackends'>): number | null {
  const { pollIdleBackends } = config;
  if (pollIdleBackends === false) return null;
  return pollIdleBackends === true ? 60_000 : pollIdleBackends;
}
