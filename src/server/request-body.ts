/**
 * A request body read whole with a size limit, for the paths that read bodies without express
 * (the fast path's direct POST, GraphQL over SSE): past the limit the rest is read and dropped,
 * so the connection stays usable for the 413 that follows.
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
