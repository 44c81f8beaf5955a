/**
 * Reading task logs (`GET /nodes/{node}/tasks/{upid}/log?start=&limit=`, Tasks.pm
 * read_task_log through pve-common `PVE::Tools::dump_logfile`: lines `{n, t}` from `start`,
 * at most `limit`, and `total`, the lines of the whole log).
 *
 * Only the last LOG_TAIL lines of a log are kept: they hold the latest progress and the end.
 * A running task's log is read on from the line last seen, so polling a long migration reads
 * only its new lines; a finished task's log never changes and is read once. Both are kept in
 * a bounded cache (least recently used out).
 */
import type { CallContext } from '../contract.js';
import type { ProxmoxClient } from './client.js';
import type { PveLogLine } from './wire.js';

/** Lines of a log kept (and shown as steps). */
export const LOG_TAIL = 200;
/** Logs kept at once. */
const MAX_LOGS = 500;

export interface LogTail {
  lines: PveLogLine[];
  /** Lines before `lines`, not kept. */
  skipped: number;
}

interface Entry extends LogTail {
  /** Lines of the whole log when last read. */
  total: number;
  /** The task had ended: the log is complete. */
  final: boolean;
}

/**
 * What dump_logfile answers for a log it cannot open (`unable to open file - ...` as line 1
 * of 1), and what PVE before 7 answered for an empty one (`no content`): no log yet.
 */
function isPlaceholder(lines: readonly PveLogLine[], total: number): boolean {
  return total === 1 && lines.length === 1 && /^(?:unable to open file - |no content$)/.test(lines[0]!.t);
}

export interface TaskLogs {
  /** The log's tail; `ended`: the task had ended when its state was read, so the log is final. */
  read(node: string, upid: string, ended: boolean, ctx: CallContext): Promise<LogTail>;
}

export function createTaskLogs(client: ProxmoxClient): TaskLogs {
  const entries = new Map<string, Entry>();

  function keep(upid: string, entry: Entry): void {
    entries.delete(upid);
    entries.set(upid, entry);
    if (entries.size > MAX_LOGS) entries.delete(entries.keys().next().value!);
  }

  return {
    async read(node, upid, ended, ctx) {
      const known = entries.get(upid);
      if (known?.final) {
        keep(upid, known);
        return known;
      }
      const from = known?.total ?? 0;
      let page = await client.taskLog(node, upid, from, LOG_TAIL, ctx);
      if (isPlaceholder(page.lines, page.total)) return { lines: [], skipped: 0 };
      let lines: PveLogLine[];
      if (page.total > from + page.lines.length) {
        // More came than one page holds: read the tail instead.
        page = await client.taskLog(node, upid, Math.max(0, page.total - LOG_TAIL), LOG_TAIL, ctx);
        lines = page.lines;
      } else {
        lines = [...(known?.lines ?? []), ...page.lines];
      }
      const tail = lines.slice(-LOG_TAIL);
      const entry: Entry = { lines: tail, skipped: Math.max(0, page.total - tail.length), total: page.total, final: ended };
      keep(upid, entry);
      return entry;
    },
  };
}
