/**
 * Subscriptions are served over graphql-ws only (a WebSocket on the same path). Sent over
 * HTTP, one is refused with 400 before anything runs it: executed as a query, its resolver
 * got no event and failed, which the edge masked as an internal error.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

export function httpSubscriptionsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError('subscriptions are served over graphql-ws (a WebSocket on this path), not over HTTP; subscribe there', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        },
      };
    },
  };
}
