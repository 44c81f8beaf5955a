/**
 * Runs one large or deep body through an adapter's read path in a process of its own, so the
 * test can cap its heap (`--max-old-space-size`): running out of memory kills this process
 * instead of passing unnoticed. Prints one JSON line per case, as each finishes: `{ name, ms, outcome }`.
 *   node --max-old-space-size=N --import tsx bounded-parse.ts <case>...
 * The cases are every backend type's `hugeAnswers` (src/adapters/testing.ts), named `<type>: <case>`.
 */
import { BACKEND_TYPES, testingOf } from './backends.js';

/** Each case by name: the backend type and the body, built here so the parent sends only a name. */
export const BOUNDED_CASES: Record<string, [string, () => string]> = Object.fromEntries(
  BACKEND_TYPES.flatMap((type) => Object.entries(testingOf(type).hugeAnswers).map(([name, make]) => [`${type}: ${name}`, [type, make]])),
);

for (const name of process.argv.slice(2)) {
  const entry = BOUNDED_CASES[name];
  if (!entry) throw new Error(`no case ${name}`);
  const [type, make] = entry;
  let body: string | null = make();
  const started = performance.now();
  const out = testingOf(type).parse(body);
  const ms = Math.round(performance.now() - started);
  body = null;
  process.stdout.write(`${JSON.stringify({ name, ms, outcome: out.kind === 'typed' ? `typed: ${out.error.message.slice(0, 120)}` : `${out.models.length} models` })}\n`);
}
