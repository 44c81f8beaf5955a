/**
 * Variables on Apollo Server's own pipeline: coerced as src/server/variables.ts coerces them,
 * once the operation is resolved and before anything executes it. A value that does not fit
 * is answered as the fast path's executor answers it (400, BAD_USER_INPUT naming the variable,
 * its type and the path inside it, never the value), not with graphql-js' message, which
 * quotes the value (a secret put in the wrong place would reach the client and the logs).
 */
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../../gateway/context.js';
import { coerceVariables } from '../variables.js';
import { formatErrors } from './mask-errors.js';

export function variablesPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        // After every didResolveOperation hook (the limits' refusals come first), before execution.
        async responseForOperation({ schema, operation, request }) {
          // No operation: execution answers "Unknown operation named …" itself.
          if (!operation) return null;
          const coerced = coerceVariables(schema, operation, request.variables);
          if (coerced.ok) return null;
          return { http: { status: 400, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { errors: formatErrors(coerced.errors) } } };
        },
      };
    },
  };
}
