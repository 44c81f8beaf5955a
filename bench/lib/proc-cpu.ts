/**
 * CPU time of a process and its descendants, read from /proc (Linux): the same measure for
 * our children and for peers we only know by pid (Hive Gateway), including their GC and
 * worker threads. Null where /proc is missing.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_MS = 100 / 1000; // USER_HZ is 100 on Linux

function stat(pid: number): { ppid: number; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself hold spaces.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

/** CPU milliseconds used so far by `pid` and every process below it. */
export function treeCpuMs(pid: number): number | null {
  if (!stat(pid)) return null;
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => ({ pid: Number(d), ...stat(Number(d)) }))
    .filter((s): s is { pid: number; ppid: number; ticks: number } => s.ticks !== undefined);
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of all) if (!tree.has(s.pid) && tree.has(s.ppid)) grew = tree.add(s.pid).size > 0;
  }
  return all.filter((s) => tree.has(s.pid)).reduce((sum, s) => sum + s.ticks, 0) / TICKS_PER_MS;
}
