/**
 * node:http around graphql-sse's handler (sse.ts): which requests are GraphQL over SSE, and
 * an event stream written to the response: a slow reader is cut instead of buffered
 * without bound, and a stream whose credentials expire ends with an UNAUTHENTICATED error.
 * The protocol: https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md
 */
import type http from 'node:http';
import { TOKEN_HEADER_KEY, TOKEN_QUERY_KEY } from 'graphql-sse';
import { mediaType } from './request-body.js';

/** GraphQL over SSE's media type (PROTOCOL.md, "Distinct connections mode" and "Single connection mode"). */
export const EVENT_STREAM = 'text/event-stream';

/** Unsent bytes a stream may hold for a reader that does not keep up, before it is cut. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * True when the Accept header asks for text/event-stream alone, as graphql-sse's rule is (and
 * as EventSource, graphql-sse's client and Hive Gateway send it). A client that lists it among
 * JSON types (urql does, for every query) wants JSON where it can have it: Apollo answers.
 */
export function acceptsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && !accept.includes(',') && mediaType(accept) === EVENT_STREAM;
}

/** The single-connection token of a request: the X-GraphQL-Event-Stream-Token header, or `?token=` (an EventSource cannot set headers). */
export function streamTokenOf(req: http.IncomingMessage): string | null {
  const header = req.headers[TOKEN_HEADER_KEY];
  if (typeof header === 'string' && header) return header;
  const query = (req.url ?? '').indexOf('?');
  if (query === -1) return null;
  return new URLSearchParams((req.url ?? '').slice(query + 1)).get(TOKEN_QUERY_KEY) || null;
}

/**
 * Is this request GraphQL over SSE on /graphql? An event stream asked for, a single-connection
 * token, or the reservation methods (PUT reserves a stream, DELETE stops an operation). The
 * rest of /graphql is Apollo's.
 */
export function isSseRequest(req: http.IncomingMessage): boolean {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if ((query === -1 ? url : url.slice(0, query)) !== '/graphql') return false;
  return acceptsEventStream(req.headers.accept) || req.headers[TOKEN_HEADER_KEY] !== undefined || req.method === 'PUT' || req.method === 'DELETE';
}

/** What ends a stream early. */
export type StreamEnd = 'client' | 'stop' | 'expired' | 'slow';

export interface WrittenStream {
  /** Ends the stream (its messages' iterator returns); `why` is kept for the close. */
  end(why: StreamEnd): void;
  /** Resolves when the response has ended, with what ended it (null: the stream completed). */
  readonly done: Promise<StreamEnd | null>;
}

/**
 * Writes graphql-sse's messages to `res` (headers already written). The stream ends when the
 * messages end, when the client goes, or when `end` is called; `expired` is called first
 * when credentials expire at `expiresAt`.
 */
export function writeStream(res: http.ServerResponse, messages: AsyncGenerator<string, void, undefined>, expiresAt: number | undefined, onEnd: (why: StreamEnd) => void): WrittenStream {
  let ended: StreamEnd | null = null;
  const end = (why: StreamEnd) => {
    if (ended) return;
    ended = why;
    onEnd(why);
    void messages.return();
  };
  const onClose = () => end('client');
  res.once('close', onClose);
  let expiry: NodeJS.Timeout | undefined;
  if (expiresAt !== undefined) {
    // setTimeout's longest delay is about 24.8 days; a JWT living longer is re-armed.
    const arm = () => {
      const left = expiresAt - Date.now();
      if (left <= 0) return end('expired');
      expiry = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
      expiry.unref();
    };
    arm();
  }
  const done = (async () => {
    try {
      for await (const message of messages) {
        if (!res.writable) break;
        res.write(message);
        if (res.writableLength > MAX_BUFFERED_BYTES) end('slow');
      }
    } finally {
      clearTimeout(expiry);
      res.off('close', onClose);
    }
    return ended;
  })();
  return { end, done };
}
