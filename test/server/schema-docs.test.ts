/**
 * docs/schema-reference.md is generated from schema/*.graphql (`npm run docs:schema`); this
 * fails when the SDL changed and the reference was not regenerated.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTPUT, readSchemaFiles, renderSchemaReference } from '../../scripts/schema-docs.js';

describe('schema reference', () => {
  it('is up to date with schema/*.graphql (run `npm run docs:schema` after changing the SDL)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(renderSchemaReference(readSchemaFiles()));
  });

  it('documents fields with arguments and defaults, input defaults, enum values and links', () => {
    const md = renderSchemaReference([
      {
        name: 'x.graphql',
        text: `
          "Things."
          type Query { "Some things." things(first: Int = 10, filter: Filter): [Thing!]! }
          type Thing { id: ID! old: String @deprecated(reason: "use id") }
          input Filter { "Colour." colour: Colour = RED }
          enum Colour { "Warm." RED BLUE }`,
      },
    ]);
    expect(md).toContain('| `things` | [`[Thing!]!`](#thing) | Some things. Arguments: `first`: `Int` = `10`, `filter`: [`Filter`](#filter). |');
    expect(md).toContain('| `old` | `String` |  **Deprecated**: "use id". |');
    expect(md).toContain('| `colour` | [`Colour`](#colour) | `RED` | Colour. |');
    expect(md).toContain('| `RED` | Warm. |');
    expect(() => renderSchemaReference([{ name: 'y.graphql', text: 'type Query { a: Missing }' }])).toThrow(/Missing/);
  });
});
