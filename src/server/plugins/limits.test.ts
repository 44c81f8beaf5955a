import { describe, expect, it } from 'vitest';
import { buildSchema, parse } from 'graphql';
import { DEFAULT_LIMITS } from '../../security/config.js';
import { checkOperation } from '../../security/limits.js';
import { costedVariables } from '../../security/cost.js';
import { operationVerdicts } from './limits.js';

const schema = buildSchema(`
  type Task { id: ID!, subtasks(first: Int): TaskConnection! }
  type TaskConnection { nodes: [Task!]! }
  input Filter { createdAfter: String }
  type Query { tasks(first: Int, last: Int, filter: Filter): TaskConnection! }
`);
const limits = { ...DEFAULT_LIMITS, maxCost: 5_000 };
const text = `query($n: Int = 1000, $m: Int, $t: String) { tasks(first: $n, filter: { createdAfter: $t }) { nodes { ...S } } }
  fragment S on Task { id subtasks(first: $m) { nodes { id } } }`;

describe('operation verdicts', () => {
  it('remember a verdict by the variables the cost reads, and only those', () => {
    expect(costedVariables(parse(text))).toEqual(['m', 'n']);
    expect(costedVariables(parse('query($t: String) { tasks(filter: { createdAfter: $t }) { nodes { id } } }'))).toEqual([]);
  });

  it('answer as a fresh measurement does, for every mix of given, null and absent variables', () => {
    const verdictOf = operationVerdicts(limits);
    const document = parse(text);
    const calls: Array<Record<string, unknown>> = [
      { n: 10, m: 10, t: 'a' },
      { n: 10, m: 10, t: 'b' },
      {}, // $n takes its default, 1000: over maxCost
      { n: null }, // null is not absent: the list's own default size
      { n: 10, m: 1000 },
      { n: 10, m: 1000, t: 'c' },
      { n: null, m: 10 },
      { m: 10 }, // the same values read, but $n absent: its default
      {},
    ];
    for (const variables of calls) {
      const fresh = checkOperation(schema, document, null, variables, limits);
      expect(verdictOf(schema, document, null, variables)?.message ?? null, JSON.stringify(variables)).toBe(fresh?.message ?? null);
    }
    expect(checkOperation(schema, document, null, {}, limits)).not.toBeNull();
    expect(checkOperation(schema, document, null, { n: null, m: 10 }, limits)).toBeNull();
  });
});
