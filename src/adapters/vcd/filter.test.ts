import { describe, expect, it } from 'vitest';
import { buildFilter, encodeFilter, pyQuote } from './filter.js';

describe('vCD filter pushdown', () => {
  it('pushes statuses, operations, entity and time bounds as AND of OR groups', () => {
    const { clauses, empty } = buildFilter(
      {
        statuses: ['RUNNING', 'FAILED'],
        operations: ['vappDeploy'],
        entity: { nativeId: 'https://vcd.example.com/api/vApp/vapp-1', type: 'vApp' },
        createdAfter: new Date('2026-03-01T00:00:00.000Z'),
        createdBefore: new Date('2026-03-02T00:00:00.000Z'),
        parentId: 'urn:vcloud:task:x',
      },
      'DESC',
      { time: Date.parse('2026-03-01T12:00:00.000Z'), nativeId: 'urn:vcloud:task:y' },
    );
    expect(empty).toBe(false);
    expect(clauses.map((g) => g.map((c) => `${c.attribute}${c.op}${c.value}`).join(','))).toEqual([
      'status==running,status==postRunning,status==error',
      'name==vappDeploy',
      'object==https://vcd.example.com/api/vApp/vapp-1',
      'startDate=ge=2026-03-01T00:00:00.000Z',
      'startDate=lt=2026-03-02T00:00:00.000Z',
      'startDate=le=2026-03-01T12:00:00.000Z',
    ]);
    expect(buildFilter({}, 'ASC', { time: 0, nativeId: 'a' }).clauses[0]![0]!.op).toBe('=ge=');
  });

  it('does not push UNKNOWN, and knows BLOCKED alone matches nothing', () => {
    expect(buildFilter({ statuses: ['UNKNOWN', 'RUNNING'] }, 'DESC').clauses).toEqual([]);
    expect(buildFilter({ statuses: ['BLOCKED', 'SUSPENDED'] }, 'DESC').empty).toBe(true);
    expect(buildFilter({ statuses: ['CANCELING'] }, 'DESC').clauses[0]!.map((c) => c.value)).toEqual(['queued', 'preRunning', 'running', 'postRunning']);
  });

  it('quotes as Python urllib.parse.quote does', () => {
    expect(pyQuote("a b(c),d;e/f:g'h*i!~")).toBe("a%20b%28c%29%2Cd%3Be/f%3Ag%27h%2Ai%21~");
  });

  it('double-encodes with filterEncoded=true below API 35 (pyvcloud _build_query_uri)', () => {
    const { clauses } = buildFilter({ statuses: ['QUEUED', 'PENDING'], operations: ['job(a),b;c'] }, 'DESC');
    expect(encodeFilter(clauses, '34.0')).toBe(
      '&filterEncoded=true&filter=%28status%3D%3Dqueued%2Cstatus%3D%3DpreRunning%29%3Bname%3D%3Djob%2528a%2529%252Cb%253Bc',
    );
  });

  it('encodes once and backslash-escapes ( ) , ; inside values from API 35 (pyvcloud _escape_special_characters)', () => {
    const { clauses } = buildFilter({ statuses: ['QUEUED', 'PENDING'], operations: ['job(a),b;c'] }, 'DESC', { time: 0, nativeId: 'x' });
    expect(encodeFilter(clauses, '36.0')).toBe(
      '&filter=(status==queued,status==preRunning);name==job%5C%28a%5C%29%5C%2Cb%5C%3Bc;startDate=le=1970-01-01T00%3A00%3A00.000Z',
    );
    expect(encodeFilter([], '36.0')).toBe('');
  });

  it('leaves a single OR group unparenthesised', () => {
    const { clauses } = buildFilter({ statuses: ['CANCELED'] }, 'DESC');
    expect(encodeFilter(clauses, '38.0')).toBe('&filter=status==canceled,status==aborted');
  });
});
