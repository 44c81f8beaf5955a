/**
 * `fields` for the query service: every model field a list selects maps from a record holding
 * only the attributes asked for exactly as from the whole record, and a records answer that
 * carries only some attributes (fixture) maps without them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TaskField, TaskModel } from '../../model/task.js';
import { parseXml } from '../xml.js';
import { vcdQueryFields } from './fields.js';
import { recordToModel } from './map.js';
import { narrowQueryPage, type VcdTaskRecord } from './wire.js';

const page = (name: string) => narrowQueryPage(parseXml(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')))!;
const whole = [...page('constructed-query-records-task.xml').records, ...page('constructed-query-records-admintask-prefixed.xml').records];

/** The record as vCD returns it with `fields`: its kind and href, and the named attributes. */
function thin(record: VcdTaskRecord, fields: readonly string[]): VcdTaskRecord {
  const keep = new Set(['kind', 'href', ...fields]);
  return Object.fromEntries(Object.entries(record).filter(([k]) => keep.has(k))) as unknown as VcdTaskRecord;
}

const MODEL_FIELDS = Object.keys(recordToModel('vcd1', whole[0]!)) as TaskField[];

describe('vcdQueryFields', () => {
  for (const field of MODEL_FIELDS) {
    it(`asks for what ${field} is mapped from`, () => {
      for (const record of whole) {
        const queryType = record.kind === 'AdminTaskRecord' ? 'adminTask' : 'task';
        const fields = vcdQueryFields({ select: new Set([field]), filter: {}, queryType, recordsOnly: false });
        expect(recordToModel('vcd1', thin(record, fields))[field]).toEqual(recordToModel('vcd1', record)[field]);
      }
    });
  }

  it('asks records the caller completes only for the sort key, the status and the filter', () => {
    const select = new Set<TaskField>(['operation', 'progress', 'initiatedBy', 'errors']);
    expect(vcdQueryFields({ select, filter: {}, queryType: 'task', recordsOnly: true }).sort()).toEqual(['startDate', 'status']);
    const filter = { operations: ['vappDeploy'], scope: [{ dimension: 'vcdOrgs', field: 'tenant' as const, values: ['acme'] }] };
    expect(vcdQueryFields({ select, filter, queryType: 'task', recordsOnly: true }).sort()).toEqual(['name', 'orgName', 'startDate', 'status']);
  });

  it('asks each query type only for its own attributes', () => {
    const select = new Set<TaskField>(['initiatedBy', 'errors']);
    expect(vcdQueryFields({ select, filter: {}, queryType: 'task', recordsOnly: false })).not.toContain('owner');
    expect(vcdQueryFields({ select, filter: {}, queryType: 'adminTask', recordsOnly: false })).not.toContain('message');
    expect(vcdQueryFields({ select, filter: {}, queryType: 'adminTask', recordsOnly: false })).toContain('owner');
  });
});

describe('a records answer with `fields`', () => {
  it('maps the attributes it has, and leaves the others empty', () => {
    const thinPage = page('constructed-query-records-task-fields.xml');
    expect(thinPage.links.find((l) => l.rel === 'nextPage')?.href).toContain('fields=name,startDate,status,progress');
    const models = thinPage.records.map((r) => recordToModel('vcd1', r));
    const full = page('constructed-query-records-task.xml').records.map((r) => recordToModel('vcd1', r));
    const kept: TaskField[] = ['nativeId', 'operation', 'status', 'nativeStatus', 'progress', 'createdAt', 'startedAt'];
    const pick = (m: TaskModel) => Object.fromEntries(kept.map((f) => [f, m[f]]));
    expect(models.map(pick)).toEqual(full.map(pick));
    expect(models[0]).toMatchObject({ description: null, tenant: null, initiatedBy: null, entitiesAffected: [], completedAt: null, errors: [] });
  });
});
