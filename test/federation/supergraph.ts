/**
 * A federated setup for tests, all in-process and on loopback: a small inventory subgraph
 * (its own Apollo Server built with buildSubgraphSchema), composition with
 * @apollo/composition, and the supergraph served by @apollo/gateway inside Apollo Server.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type DocumentNode } from 'graphql';
import { gql } from '../support/gateway.js';

export interface InventoryVm {
  /** The inventory's own id: `vc1:vm-42` for vSphere, the extId for Prism. */
  id: string;
  name: string;
  /** Global id of a taskgraph Task the inventory keeps for the VM. */
  lastTaskId?: string | null;
}

/** The inventory owns VirtualMachine and refers to taskgraph's Task by key only. */
export const INVENTORY_SDL = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type VirtualMachine @key(fields: "id") {
    id: ID!
    name: String!
    lastTask: Task
  }

  type Task @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Query {
    vms: [VirtualMachine!]!
    vm(id: ID!): VirtualMachine
  }
`);

export interface Inventory {
  url: string;
  /** Representations per `_entities` call the router made, in order. */
  entityCalls: number[];
  stop(): Promise<void>;
}

export async function startInventory(vms: readonly InventoryVm[]): Promise<Inventory> {
  const byId = new Map(vms.map((vm) => [vm.id, vm]));
  const entityCalls: number[] = [];
  const schema = buildSubgraphSchema([
    {
      typeDefs: INVENTORY_SDL,
      resolvers: {
        Query: { vms: () => vms, vm: (_root: unknown, { id }: { id: string }) => byId.get(id) ?? null },
        VirtualMachine: {
          __resolveReference: (ref: { id: string }) => byId.get(ref.id) ?? null,
          lastTask: (vm: InventoryVm) => (vm.lastTaskId ? { id: vm.lastTaskId } : null),
        },
      } as never,
    },
  ]);
  const counter: ApolloServerPlugin = {
    async requestDidStart({ request }) {
      const reps = request.variables?.representations;
      if (Array.isArray(reps)) entityCalls.push(reps.length);
    },
  };
  const server = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled(), counter], stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, entityCalls, stop: () => server.stop() };
}

export interface Router {
  url: string;
  supergraphSdl: string;
  stop(): Promise<void>;
}

/** The subgraph's SDL as composition tools read it: `{ _service { sdl } }`. */
export async function serviceSdl(url: string): Promise<DocumentNode> {
  const res = await gql<{ _service: { sdl: string } }>(url, '{ _service { sdl } }');
  if (!res.data) throw new Error(`_service failed: ${JSON.stringify(res.errors)}`);
  return parse(res.data._service.sdl);
}

/** Composes the subgraphs and serves the supergraph with @apollo/gateway. */
export async function startRouter(subgraphs: Array<{ name: string; url: string; typeDefs: DocumentNode }>): Promise<Router> {
  const composed = composeServices(subgraphs);
  if (composed.errors) throw new Error(`composition failed:\n${composed.errors.map((e) => e.message).join('\n')}`);
  const supergraphSdl = composed.supergraphSdl;
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }), stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, supergraphSdl, stop: () => server.stop() };
}
