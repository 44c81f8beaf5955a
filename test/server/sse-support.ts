/**
 * A raw GraphQL over SSE reader for the tests: a fetch whose text/event-stream body is parsed
 * into events (graphql-sse PROTOCOL.md: `event: next|complete`, `data: <JSON>`, comments
 * starting with `:`), so the tests see exactly what went on the wire.
 */
import { waitFor } from '../support/gateway.js';

export interface SseEvent {
  event: string;
  data: any;
}

export interface OpenedStream {
  status: number;
  headers: Headers;
  /** Events so far, in order. */
  events: SseEvent[];
  /** Comment lines so far (keep-alives). */
  comments: number;
  /** Set when the response ended. */
  ended: boolean;
  /** Set when it ended with an error (the connection cut, or closed by the client) rather than a finished response. */
  cut: boolean;
  /** Waits for an event matching `test`. */
  next(test: (e: SseEvent) => boolean, what: string, timeoutMs?: number): Promise<SseEvent>;
  /** Waits for the server to end the stream. */
  end(what: string, timeoutMs?: number): Promise<void>;
  /** Closes the stream from the client side. */
  close(): void;
  /** The body, when the answer is not an event stream. */
  json(): Promise<any>;
}

/** Sends the request and, for a 200 event stream, reads its events as they come. */
export async function openStream(url: string, init: RequestInit = {}): Promise<OpenedStream> {
  const abort = new AbortController();
  const res = await fetch(url, { ...init, signal: abort.signal });
  const stream: OpenedStream = {
    status: res.status,
    headers: res.headers,
    events: [],
    comments: 0,
    ended: false,
    cut: false,
    next: (test, what, timeoutMs) => waitFor(() => stream.events.find(test), what, timeoutMs),
    end: (what, timeoutMs) => waitFor(() => stream.ended, what, timeoutMs).then(() => undefined),
    close: () => abort.abort(),
    json: () => res.json(),
  };
  if (!res.headers.get('content-type')?.startsWith('text/event-stream') || !res.body) return stream;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) {
            stream.comments++;
            continue;
          }
          const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
          stream.events.push({ event: fields.event ?? 'message', data: fields.data ? JSON.parse(fields.data) : null });
        }
      }
    } catch {
      stream.cut = true;
    }
    stream.ended = true;
  })();
  return stream;
}

/** `GET /graphql?query=…` as Hive Gateway and EventSource send it. */
export function getUrl(url: string, query: string, variables?: Record<string, unknown>): string {
  const params = new URLSearchParams({ query });
  if (variables) params.set('variables', JSON.stringify(variables));
  return `${url}?${params}`;
}

export const EVENT_STREAM = { accept: 'text/event-stream' };
