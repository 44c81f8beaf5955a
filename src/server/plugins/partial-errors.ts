/**
 * Partial results: when one backend fails and others answer, resolvers record the failure in
 * `context.partialErrors`; this plugin adds them to the response next to the data.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../../gateway/context.js';

export function partialErrorsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (!contextValue.partialErrors.length || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const seen = new Set<string>();
          const extra = contextValue.partialErrors
            .map((e) => e.toJSON())
            .filter((e) => {
              const key = `${String(e.extensions?.backend)}|${e.message}`;
              if (seen.has(key)) return false;
              seen.add(key);
              return true;
            });
          result.errors = [...(result.errors ?? []), ...extra];
        },
      };
    },
  };
}
