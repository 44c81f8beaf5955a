/**
 * What a task log says: progress, the line to show as progress message, warnings, and the
 * lines themselves as `steps`. Proxmox VE has no progress field; the tasks that know how
 * far they are write it into their log, in these forms (format strings from the sources):
 * - live migration, qemu-server `src/PVE/QemuMigrate.pm` (since 2021, commit 0fca250a;
 *   `render_bytes($n, 1)` of pve-common `PVE::Format`):
 *   `2026-03-01 10:00:04 migration active, transferred 1.1 GiB of 4.0 GiB VM-state, 111.9 MiB/s`
 *   (each line prefixed by pve-guest-common `PVE::AbstractMigrate` with the local time);
 *   before it: `migration active (transferred 51412329, remaining 1133662208), total 1208467456)`;
 * - backup, qemu-server `src/PVE/VZDump/QemuServer.pm` (query_backup_status_loop) through
 *   pve-guest-common `PVE::VZDump::Plugin::debugmsg`:
 *   `INFO:  12% (1.2 GiB of 10.0 GiB) in 3s, read: 400.0 MiB/s, write: 390.0 MiB/s`;
 * - clone or move of a running guest's disk, qemu-server `src/PVE/QemuServer/BlockJob.pm`:
 *   `drive-scsi0: transferred 1.0 GiB of 32.0 GiB (3.12%) in 2s`;
 * - clone or move of a stopped guest's disk (qemu-img convert), qemu-server
 *   `src/PVE/QemuServer/QemuImage.pm`: `transferred 1.0 GiB of 32.0 GiB (3.12%)`.
 * Warnings are the `WARN: <message>` lines `PVE::RESTEnvironment::log_warn` writes (each
 * counts towards the `WARNINGS: n` exit status). Container backups, starts, stops and most
 * other tasks write no progress: theirs is null.
 */
import type { TaskMessage, TaskStep } from '../../model/task.js';
import type { LogDetails } from './map.js';
import type { PveLogLine } from './wire.js';

/** The local time pve-guest-common's migration log puts before each line. */
const TIME_PREFIX = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /;
const BACKUP = /^INFO:\s+(\d{1,3})% \(/;
const BLOCK_JOB = /^\S+: transferred \S+ \S+ of \S+ \S+ \((\d+(?:\.\d+)?)%\) in /;
const IMAGE_COPY = /^transferred \S+ \S+ of \S+ \S+ \((\d+(?:\.\d+)?)%\)$/;
const MIGRATION = /^migration active, transferred (\d+(?:\.\d+)?) (B|KiB|MiB|GiB|TiB|PiB) of (\d+(?:\.\d+)?) (B|KiB|MiB|GiB|TiB|PiB) VM-state/;
const MIGRATION_BEFORE_2021 = /^migration active \(transferred (\d+), remaining \d+\), total (\d+)\)/;
const WARN = /^WARN: (.*)$/;
const TASK_END = /^TASK (?:OK|WARNINGS: \d+|ERROR: )/;

const UNITS: Record<string, number> = { B: 0, KiB: 1, MiB: 2, GiB: 3, TiB: 4, PiB: 5 };

/** Warnings kept per task: a log may repeat one thousands of times. */
const MAX_WARNINGS = 50;

function bytes(value: string, unit: string): number {
  return Number(value) * 1024 ** UNITS[unit]!;
}

function percentOf(done: number, total: number): number | null {
  return total > 0 ? Math.min(100, (done / total) * 100) : null;
}

/** The progress (0-100) a log line reports, or null when it reports none. */
export function progressOfLine(line: string): number | null {
  const text = line.replace(TIME_PREFIX, '');
  let m = BACKUP.exec(text);
  if (m) return Math.min(100, Number(m[1]));
  m = BLOCK_JOB.exec(text) ?? IMAGE_COPY.exec(text);
  if (m) return Math.min(100, Number(m[1]));
  m = MIGRATION.exec(text);
  if (m) return percentOf(bytes(m[1]!, m[2]!), bytes(m[3]!, m[4]!));
  m = MIGRATION_BEFORE_2021.exec(text);
  if (m) return percentOf(Number(m[1]), Number(m[2]));
  return null;
}

/**
 * The log's details. `lines` are its last lines, in order; `skipped` how many came before
 * them (shown as one step, so a reader knows the steps start mid-log).
 */
export function readLog(lines: readonly PveLogLine[], skipped: number): LogDetails {
  let progress: number | null = null;
  let progressMessage: string | null = null;
  const warnings: TaskMessage[] = [];
  const steps: TaskStep[] = skipped > 0 ? [{ name: `(${skipped} earlier log lines not shown)`, status: null, progress: null, message: null }] : [];
  for (const { t } of lines) {
    const percent = progressOfLine(t);
    if (percent !== null) progress = Math.round(percent);
    const text = t.replace(TIME_PREFIX, '').trim();
    if (text && !TASK_END.test(text)) progressMessage = text;
    const warn = WARN.exec(text);
    if (warn && warnings.length < MAX_WARNINGS) warnings.push({ message: warn[1]!, code: null, severity: 'WARNING' });
    steps.push({ name: t, status: null, progress: percent === null ? null : Math.round(percent), message: null });
  }
  return { progress, progressMessage, steps, warnings };
}
