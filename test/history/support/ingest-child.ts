/**
 * The SIGKILL test's child: records task transitions into a history store as fast as it can
 * and prints each committed batch's transitions (the acknowledgements) as one JSON line on
 * stdout, until it is killed. Usage: ingest-child.ts <embedded PATH | postgres URL> <run>.
 */
import { openEmbeddedStore } from '../../../src/history/embedded.js';
import { openPostgresStore } from '../../../src/history/postgres.js';
import { createRecorder } from '../../../src/history/recorder.js';
import { task } from '../support.js';

const [kind, location, run] = process.argv.slice(2);
const store = kind === 'postgres' ? await openPostgresStore({ url: location! }) : await openEmbeddedStore(location!);
const recorder = createRecorder({
  store,
  progressGranularity: 10,
  onWritten: (records) => {
    const acked = records.flatMap((r) => (r.transition ? [[r.nativeId, r.transition.at, r.transition.status]] : []));
    process.stdout.write(`${JSON.stringify(acked)}\n`);
  },
});
process.stdout.write('ready\n');
const start = Date.parse('2026-03-01T10:00:00.000Z');
let n = 0;
for (;;) {
  // Each task: RUNNING, then SUCCEEDED a little later (two transitions, backend times).
  const batch = [];
  for (let i = 0; i < 100; i++, n++) {
    const createdAt = new Date(start + n);
    const id = `run${run}-t${n}`;
    batch.push(task({ nativeId: id, createdAt, startedAt: createdAt, progress: 0 }));
    if (n >= 50) {
      const old = n - 50;
      const oldAt = new Date(start + old);
      batch.push(task({ nativeId: `run${run}-t${old}`, status: 'SUCCEEDED', progress: 100, createdAt: oldAt, startedAt: oldAt, completedAt: new Date(start + old + 500) }));
    }
  }
  recorder.observe(batch);
  await new Promise((r) => setImmediate(r));
  if (recorder.stats().queued > 20_000) await recorder.flush();
}
