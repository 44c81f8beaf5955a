/**
 * A request body read whole with a size limit, for the paths that read bodies without express
 * (the fast path's direct POST, GraphQL over SSE): past the limit the rest is read and dropped,
 * so the connection stays usable for the 413 that follows. And the media type of a
 * Content-Type or Accept value, as those paths and CSRF prevention compare it.
 */
import type http from 'node:http';

/** The whole body, or null when it is larger than `maxBytes`. */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= maxBytes ? Buffer.concat(chunks) : null));
    req.on('error', reject);
  });
}

/** The media type of a Content-Type (or single Accept) value, lowercase and without parameters: `text/plain; charset=utf-8` -> `text/plain`. */
export function mediaType(value: string): string {
  return value.split(';')[0]!.trim().toLowerCase();
}
