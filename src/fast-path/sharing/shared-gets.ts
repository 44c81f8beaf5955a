/**
 * Identical upstream GETs in flight share one request (as Apollo Router's subgraph
 * deduplication does): N dashboards asking for the same page, or N subscribers loading the
 * same task, cost the backend one call. A wrapper of any Transport, so the transport itself
 * knows nothing of it. Each caller keeps its own abort signal (InFlight); the backend sees the
 * first caller's correlation id. Requests with a body, and other methods, are never shared.
 */
import { BackendError } from '../../adapters/errors.js';
import type { HttpRequest, HttpResponse, Transport } from '../../adapters/http.js';
import { InFlight } from './in-flight.js';
import { upstreamGetKey } from './keys.js';

export interface SharedGetsOptions {
  /** Configured backend name, for the error of a caller that gave up. */
  backend: string;
  /** Config `server.shareInFlight`; false returns the transport as it is. */
  enabled: boolean;
}

export function shareGets(transport: Transport, options: SharedGetsOptions): Transport {
  if (!options.enabled) return transport;
  const flights = new InFlight<HttpResponse>({ enabled: true });
  return {
    origin: transport.origin,
    clearCookies: () => transport.clearCookies(),
    close: () => transport.close(),
    request(req: HttpRequest): Promise<HttpResponse> {
      if (req.method !== 'GET' || req.body !== undefined) return transport.request(req);
      const abandoned = () => new BackendError('BACKEND_UNAVAILABLE', options.backend, `${options.backend}: ${req.operation} failed: aborted`);
      // The caller's scope comes with its call's budget (adapters/retry.ts); '' outside a gateway call.
      return flights.run(upstreamGetKey(req.budget?.scope ?? '', req), (signal) => transport.request({ ...req, signal }), req.signal, abandoned);
    },
  };
}
