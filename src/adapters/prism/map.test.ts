/**
 * Parsing real-shaped Prism payloads (fixtures named after their source), not only the
 * simulator's own output.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toTaskModel } from './map.js';
import { narrowErrorMessages, narrowGetResponse, narrowListResponse } from './wire.js';
import { toODataFilter, idsFilter } from './filter.js';
import { checkFields, parseFilter } from '../../simulators/prism/odata.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));

describe('Prism wire -> model', () => {
  it('maps the captured v4.0.b1 GET response field for field', () => {
    const task = narrowGetResponse(fixture('reference-captured-get-task-v4.0.b1.json'));
    const m = toTaskModel('pc1', task!);
    expect(m).toMatchObject({
      backend: 'pc1',
      backendType: 'prism',
      nativeId: 'ZXJnb24=:278bbfc2-280f-529b-882b-14ea649b9a95',
      operation: 'Register',
      description: 'Register PC',
      status: 'SUCCEEDED',
      nativeStatus: 'SUCCEEDED',
      progress: 100,
      isCancelable: false,
      initiatedBy: { kind: 'USER', name: 'admin', nativeId: '00000000-0000-0000-0000-000000000000' },
      entitiesAffected: [
        { backend: 'pc1', nativeId: '148ee646-25d0-46f6-9977-61ad02acc5e1', type: 'prism:management:domain_manager', name: 'domain_manager', href: null },
      ],
      parentId: null,
    });
    expect(m.createdAt?.toISOString()).toBe('2024-06-07T11:11:34.839Z');
    expect(m.completedAt?.toISOString()).toBe('2024-06-07T11:11:42.078Z');
  });

  it('tolerates extra fields, unknown statuses and missing optional parts in a list', () => {
    const list = narrowListResponse(fixture('constructed-list-v4.r3-running-failed-extra-fields.json'));
    expect(list?.total).toBe(4);
    const [running, failed, future, legacy] = list!.tasks.map((t) => toTaskModel('pc1', t));
    expect(running).toMatchObject({ status: 'RUNNING', progress: 42, isCancelable: true, subtaskCount: 1, tenant: '0005f1e2-8a6c-4d1b-9c33-3f2b7a9e6d10' });
    expect(running!.steps.map((s) => s.name)).toEqual(['API_KEY_VERIFY', 'DOMAIN_CERT_GEN']);
    expect(failed).toMatchObject({
      status: 'FAILED',
      parentId: 'ZXJnb24=:6f1b0a3e-5a1c-4f61-9a44-0f6d1f2b7c10',
      rootId: 'ZXJnb24=:6f1b0a3e-5a1c-4f61-9a44-0f6d1f2b7c10',
      errors: [{ message: 'Storage container is full', code: 'VMM-40000', severity: 'ERROR' }],
      warnings: [{ message: 'Retry later', code: null, severity: 'WARNING' }],
      completionDetails: [
        { name: 'diskIds', value: '["d1","d2"]' },
        { name: 'count', value: '2' },
      ],
      progress: null,
    });
    expect(future).toMatchObject({ status: 'UNKNOWN', nativeStatus: 'PAUSED_BY_POLICY', operation: 'kFutureOp', createdAt: null });
    expect(legacy).toMatchObject({ status: 'UNKNOWN', nativeStatus: '$UNKNOWN', errors: [{ message: 'old style error' }] });
  });

  it('reads an empty page without data as no tasks, and a non-list data as malformed', () => {
    expect(narrowListResponse(fixture('simulator-note-empty-list-omits-data.json'))).toEqual({ tasks: [], total: 0 });
    expect(narrowListResponse({ data: { extId: 'x' } })).toBeUndefined();
    expect(narrowListResponse({ data: [{ operation: 'no id' }] })).toBeUndefined();
    expect(narrowGetResponse({ data: 'nope' })).toBeUndefined();
  });

  it('reads both error envelope forms', () => {
    expect(narrowErrorMessages(fixture('prism-go-client-errors-test-applist.json'))).toMatchObject([{ code: 'PRISM-40400', message: 'Task not found' }]);
    expect(narrowErrorMessages(fixture('constructed-schema-validation-error.json'))[0]!.message).toBe('$limit: must be less than or equal to 100');
    expect(narrowErrorMessages('<html>')).toEqual([]);
  });
});

describe('TaskFilter -> OData $filter', () => {
  it('builds the production client forms and quotes literals', () => {
    const f = toODataFilter(
      { statuses: ['RUNNING', 'QUEUED'], operations: ['kVmCreate'], entity: { nativeId: 'e1' }, parentId: "p'1", createdAfter: new Date('2025-01-01T00:00:00Z') },
      'DESC',
      { time: Date.parse('2025-02-01T00:00:00Z'), nativeId: 'x' },
    );
    expect(f.expression).toBe(
      "(status eq Prism.Config.TaskStatus'RUNNING' or status eq Prism.Config.TaskStatus'QUEUED') and " +
        "entitiesAffected/any(a:a/extId eq 'e1') and parentTask/extId eq 'p''1' and createdTime ge 2025-01-01T00:00:00.000Z and createdTime lt 2025-02-01T00:00:00.001Z",
    );
  });

  it('filters only on the fields the v4 tasks API lists as filterable (operation is finished locally)', () => {
    const f = toODataFilter(
      {
        statuses: ['SUCCEEDED'],
        operations: ['kVmCreate'],
        entities: [{ nativeId: 'e1' }, { nativeId: 'e2' }],
        parentIds: ['p1', 'p2'],
        scope: [{ dimension: 'prismClusters', field: 'tenant', values: ['c1'] }],
        createdAfter: new Date('2025-01-01T00:00:00Z'),
        createdBefore: new Date('2025-01-02T00:00:00Z'),
      },
      'ASC',
    );
    expect(f.expression).not.toContain('operation');
    expect(() => checkFields(parseFilter(f.expression!))).not.toThrow();
    expect(() => checkFields(parseFilter("operation eq 'kVmCreate'"))).toThrow(/not filterable/);
  });

  it('knows when Prism cannot match at all, and leaves UNKNOWN to local filtering', () => {
    expect(toODataFilter({ statuses: ['PENDING', 'BLOCKED'] }, 'DESC').empty).toBe(true);
    expect(toODataFilter({ statuses: ['UNKNOWN', 'RUNNING'] }, 'DESC').expression).toBeUndefined();
    expect(idsFilter(['a', "b'c"])).toBe("extId eq 'a' or extId eq 'b''c'");
  });
});
