/**
 * Progress, warnings and steps from task logs: real logs quoted in public issues and
 * READMEs (fixtures named after them), and lines built from qemu-server's format strings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { progressOfLine, readLog } from './log.js';

function log(name: string): Array<{ n: number; t: string }> {
  const text = readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8').replace(/\n$/, '');
  return text.split('\n').map((t, i) => ({ n: i + 1, t }));
}

describe('progress lines', () => {
  it('reads a live migration: transferred VM state over its total, in the units render_bytes writes', () => {
    expect(progressOfLine('2025-01-04 00:34:30 migration active, transferred 357.9 MiB of 4.0 GiB VM-state, 586.6 MiB/s')).toBeCloseTo(8.74, 1);
    expect(progressOfLine('2025-01-04 00:34:37 migration active, transferred 2.5 GiB of 4.0 GiB VM-state, 443.7 MiB/s')).toBeCloseTo(62.5, 5);
    // Pages sent again (the guest dirties them) can add up past the total.
    expect(progressOfLine('2025-01-04 00:34:37 migration active, transferred 4.5 GiB of 4.0 GiB VM-state, 1.0 GiB/s')).toBe(100);
    // qemu-server before 0fca250a (2021) logged bytes.
    expect(progressOfLine('2020-05-04 10:00:01 migration active (transferred 51412329, remaining 1133662208), total 1208467456)')).toBeCloseTo(4.25, 1);
  });

  it('reads backup, disk mirror and disk copy percentages', () => {
    expect(progressOfLine('INFO:  24% (4.9 GiB of 20.0 GiB) in 13s, read: 1.0 GiB/s, write: 47.0 MiB/s')).toBe(24);
    expect(progressOfLine('INFO: 100% (20.0 GiB of 20.0 GiB) in 22s, read: 1.3 GiB/s, write: 0 B/s')).toBe(100);
    expect(progressOfLine('drive-scsi0: transferred 12.2 GiB of 30.0 GiB (40.56%) in 1m 5s')).toBe(40.56);
    expect(progressOfLine('mirror-scsi0: transferred 100.0 GiB of 100.0 GiB (100.00%) in 9m 19s, ready')).toBe(100);
    expect(progressOfLine('transferred 327.7 MiB of 32.0 GiB (1.00%)')).toBe(1);
  });

  it('finds none in lines that only look alike', () => {
    for (const line of [
      'INFO: transferred 20.00 GiB in 23 seconds (890.4 MiB/s)',
      'INFO: backup is sparse: 18.95 GiB (94%) total zero data',
      '2025-01-04 00:34:38 average migration speed: 457.0 MiB/s - downtime 73 ms',
      '2025-01-04 00:34:42 migration finished successfully (duration 00:00:18)',
      'TASK OK',
      '',
    ]) {
      expect(progressOfLine(line), line).toBeNull();
    }
  });
});

describe('readLog', () => {
  it('gives the last progress and line of a real migration log, and its lines as steps', () => {
    const lines = log('diskless-vm-readme-qmigrate-task-log.txt');
    const details = readLog(lines, 0);
    expect(details.progress).toBe(63);
    expect(details.progressMessage).toBe('migration finished successfully (duration 00:00:18)');
    expect(details.steps.map((s) => s.name)).toEqual(lines.map((l) => l.t));
    expect(details.steps.filter((s) => s.progress !== null).map((s) => s.progress)).toEqual([9, 18, 28, 33, 40, 45, 55, 63]);
    expect(details.warnings).toEqual([]);
  });

  it('follows a running backup to its last percentage', () => {
    const lines = log('joulenap-issue-61-vzdump-pbs-task-log.txt');
    expect(readLog(lines.slice(0, 12), 0)).toMatchObject({ progress: 24, progressMessage: 'INFO:  24% (4.9 GiB of 20.0 GiB) in 13s, read: 1.0 GiB/s, write: 47.0 MiB/s' });
    expect(readLog(lines, 0)).toMatchObject({ progress: 100, progressMessage: 'INFO: pruned 0 backup(s)' });
  });

  it('reads a storage migration tail', () => {
    expect(readLog(log('pxvirt-issue-77-drive-mirror-task-log.txt'), 1200)).toMatchObject({ progress: 43 });
  });

  it('takes WARN lines as warnings, and says how many lines came before the tail', () => {
    const details = readLog(log('qemu-server-formats-clone-task-log.txt'), 3);
    expect(details.warnings).toEqual([{ message: 'no efidisk configured! Using temporary efivars disk.', code: null, severity: 'WARNING' }]);
    expect(details.progress).toBe(100);
    // The TASK line is the end, not what the task was doing.
    expect(details.progressMessage).toBe('transferred 32.0 GiB of 32.0 GiB (100.00%)');
    expect(details.steps[0]).toEqual({ name: '(3 earlier log lines not shown)', status: null, progress: null, message: null });
  });

  it('knows nothing from an empty log', () => {
    expect(readLog([], 0)).toEqual({ progress: null, progressMessage: null, steps: [], warnings: [] });
  });
});
