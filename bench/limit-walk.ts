/**
 * What measuring an operation's limits costs (src/security/limits.ts: GraphQL Armor's depth,
 * alias and directive rules, and the cost walk of src/security/cost.ts) on documents whose
 * fragments spread each other twice over, F0 { ...F1 ...F1 } ... Fn { backends { name } }:
 * the median time per document for n levels. Linear in n; the walk this replaced doubled with
 * every level (issue 25).
 *
 *   npx tsx bench/limit-walk.ts          # N=200 runs per size
 *
 * Not part of `npm run bench`: for changes to the limits (docs/security.md, "Query limits").
 */
import { parse } from 'graphql';
import { buildSchema } from '../src/gateway/schema.js';
import { DEFAULT_LIMITS } from '../src/security/config.js';
import { checkOperation } from '../src/security/limits.js';
import { median, round } from './lib/stats.js';
import { fragmentBomb } from '../test/security/attacks.js';

const runs = Number(process.env.N ?? 200);
const schema = buildSchema();
for (const levels of [8, 12, 24, 40, 60]) {
  const document = parse(fragmentBomb(levels, 'backends { name }'));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    checkOperation(schema, document, null, {}, DEFAULT_LIMITS);
    times.push(performance.now() - t);
  }
  console.log(`${levels} levels: ${round(median(times), 3)} ms per document`);
}
