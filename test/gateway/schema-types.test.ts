import { describe, expect, it } from 'vitest';
import { isTypeDefinitionNode, type GraphQLScalarType } from 'graphql';
import { buildSchema, loadTypeDefs } from '../../src/gateway/schema.js';

describe('served schema', () => {
  const schema = buildSchema();

  it('has every type of schema/*.graphql under its own name (a resolver object must not rename one)', () => {
    const declared = loadTypeDefs().definitions.filter(isTypeDefinitionNode).map((d) => d.name.value);
    expect(declared).toContain('DateTime');
    for (const name of declared) expect(schema.getType(name), name).toBeDefined();
    expect(schema.getType('DateTimeISO')).toBeUndefined();
  });

  it('serializes DateTime to the RFC 3339 string, not a Date left for JSON.stringify', () => {
    const scalar = schema.getType('DateTime') as GraphQLScalarType;
    const out = scalar.serialize(new Date('2026-03-01T10:00:00.250Z'));
    expect(out).toBe('2026-03-01T10:00:00.250Z');
    expect(scalar.parseValue('2026-03-01T10:00:00Z')).toEqual(new Date('2026-03-01T10:00:00Z'));
    expect(() => scalar.parseValue('yesterday')).toThrow();
  });
});
