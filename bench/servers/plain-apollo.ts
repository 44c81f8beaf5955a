/**
 * The peer a user would hand-write: a plain Apollo Server over the Prism API, resolvers that
 * call the backend with `fetch` per field (no DataLoader, no batching), and the same schema
 * names as the GraphQL Mesh output, so one query text runs against both and the answers can
 * be compared. Runs in a child process of its own (bench/peers.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { serveCalls } from '../lib/ipc.js';

const typeDefs = /* GraphQL */ `
  type Query {
    listTasks(_DOLLAR_page: Int, _DOLLAR_limit: Int, _DOLLAR_filter: String, _DOLLAR_orderby: String): ListTasksApiResponse
    getTask(extId: String!): GetTaskApiResponse
  }
  type ListTasksApiResponse { data: [Task] metadata: ApiResponseMetadata }
  type GetTaskApiResponse { data: Task metadata: ApiResponseMetadata }
  type ApiResponseMetadata { totalAvailableResults: Int }
  type Task {
    extId: String operation: String operationDescription: String status: String progressPercentage: Int
    createdTime: String startedTime: String completedTime: String lastUpdatedTime: String isCancelable: Boolean
    numberOfSubtasks: Int clusterExtIds: [String] ownedBy: OwnerReference parentTask: TaskReference rootTask: TaskReference
    entitiesAffected: [EntityReference] errorMessages: [AppMessage]
  }
  type OwnerReference { extId: String name: String }
  type TaskReference { extId: String href: String rel: String task: Task }
  type EntityReference { extId: String name: String rel: String }
  type AppMessage { message: String code: String severity: String }
`;

async function startPlainApollo(prismUrl: string, authorization: string): Promise<{ url: string }> {
  const base = `${prismUrl}/api/prism/v4.0/config/tasks`;
  const get = async (url: string) => {
    const res = await fetch(url, { headers: { authorization, accept: 'application/json' } });
    if (!res.ok) throw new Error(`Prism answered ${res.status}`);
    return res.json();
  };
  const resolvers = {
    Query: {
      listTasks: (_: unknown, a: Record<string, string | number | undefined>) => {
        const qs = new URLSearchParams();
        for (const [arg, param] of [['_DOLLAR_page', '$page'], ['_DOLLAR_limit', '$limit'], ['_DOLLAR_filter', '$filter'], ['_DOLLAR_orderby', '$orderby']] as const) {
          if (a[arg] !== undefined && a[arg] !== null) qs.set(param, String(a[arg]));
        }
        return get(`${base}?${qs}`);
      },
      getTask: (_: unknown, { extId }: { extId: string }) => get(`${base}/${encodeURIComponent(extId)}`),
    },
    TaskReference: {
      task: async (ref: { extId: string }) => ((await get(`${base}/${encodeURIComponent(ref.extId)}`)) as { data: unknown }).data,
    },
  };
  const app = express();
  const server = http.createServer(app);
  const apollo = new ApolloServer({ typeDefs, resolvers });
  await apollo.start();
  app.use('/graphql', express.json(), expressMiddleware(apollo));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

serveCalls({ start: startPlainApollo });
