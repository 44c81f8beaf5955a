/**
 * Builds the executable schema from schema/*.graphql and the resolvers, with
 * @apollo/subgraph, so the same schema serves standalone and as a federation subgraph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.js';
import { backendResolvers, relatedTaskResolvers } from './resolvers/backend.js';
import { mutationResolvers } from './resolvers/mutation.js';
import { queryResolvers } from './resolvers/query.js';
import { subscriptionResolvers } from './resolvers/subscription.js';
import { taskResolvers } from './resolvers/task.js';

const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

/** The SDL files, in a stable order. */
export function loadTypeDefs(): DocumentNode {
  const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.graphql')).sort();
  return parse(files.map((f) => readFileSync(new URL(f, SCHEMA_DIR), 'utf8')).join('\n'));
}

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: queryResolvers,
  Mutation: mutationResolvers,
  Subscription: subscriptionResolvers,
  Task: taskResolvers,
  Backend: backendResolvers,
  RelatedTask: relatedTaskResolvers,
  Node: { __resolveType: () => 'Task' },
  TaskConnection: { nodes: (c) => c.edges.map((e) => e.node) },
};

/** `modules`: further typeDefs and resolvers, such as the federation types generated from config. */
export function buildSchema(extra: Resolvers = {}, modules: ReadonlyArray<{ typeDefs: DocumentNode; resolvers?: object }> = []): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: loadTypeDefs(), resolvers: { ...resolvers, ...extra } as never }, ...(modules as never[])]);
}
