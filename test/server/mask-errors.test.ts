/**
 * What a WebSocket client gets of a result with errors (subscription events go through
 * maskResult, not Apollo's formatError hook): expected errors keep their code without a stack
 * trace, a backend's failure becomes its public error, anything else "Unexpected error.".
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/adapters/errors.js';
import { maskResult } from '../../src/server/plugins/mask-errors.js';

// The CommonJS graphql, whose errors the server's executions make and Apollo's unwrapping knows
// (vitest would hand this file the ESM copy, a different GraphQLError class).
const { GraphQLError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

describe('maskResult', () => {
  it('masks unexpected errors, keeps expected codes, and leaves an error-free result as it is', () => {
    const path = ['taskUpdated', 'parent'];
    const internal = new GraphQLError('connect ECONNREFUSED https://admin:hunter2@pc.example.com:9440', {
      path,
      originalError: new Error('connect ECONNREFUSED https://admin:hunter2@pc.example.com:9440'),
    });
    const expected = new GraphQLError('no such task', { path, extensions: { code: 'NOT_FOUND', stacktrace: ['at x'] } });
    const backend = new GraphQLError('wrapped', {
      path,
      originalError: new BackendError('BACKEND_TIMEOUT', 'pc', 'Prism Central did not answer in time', { status: 503 }),
    });
    const masked = maskResult({ data: { taskUpdated: null }, errors: [internal, expected, backend] });
    expect(masked.data).toEqual({ taskUpdated: null });
    expect(masked.errors![0]).toEqual({ message: 'Unexpected error.', path, locations: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(masked.errors![1]).toMatchObject({ message: 'no such task', extensions: { code: 'NOT_FOUND' } });
    expect(masked.errors![1]!.extensions).not.toHaveProperty('stacktrace');
    expect(masked.errors![2]).toMatchObject({ message: 'Prism Central did not answer in time', path, extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'pc', reason: 'BACKEND_TIMEOUT' } });
    expect(JSON.stringify(masked)).not.toContain('hunter2');

    const clean = { data: { taskUpdated: { id: 'x' } } };
    expect(maskResult(clean)).toBe(clean);
  });
});
