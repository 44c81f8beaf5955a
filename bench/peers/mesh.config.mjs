/**
 * GraphQL Mesh composition of the Prism simulator for the peers benchmark: the hand-written
 * OpenAPI source, and `TaskReference.task` resolved by a getTask call per reference (how a
 * Mesh user adds a relation; it is what shows the N+1 behaviour). bench/peers.ts sets
 * PRISM_URL and PRISM_AUTH before running `mesh-compose`.
 */
// Plain JavaScript, so the main type-check (tsconfig includes bench/) does not need these packages.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Prism', {
        source: './prism-tasks.openapi.json',
        endpoint: process.env.PRISM_URL,
        operationHeaders: { Authorization: process.env.PRISM_AUTH },
      }),
    },
  ],
  additionalTypeDefs: /* GraphQL */ `
    extend type TaskReference {
      task: Task
        @resolveTo(sourceName: "Prism", sourceTypeName: "Query", sourceFieldName: "getTask", requiredSelectionSet: "{ extId }", sourceArgs: { extId: "{root.extId}" }, result: "data")
    }
  `,
});
