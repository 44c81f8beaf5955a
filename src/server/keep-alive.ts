/**
 * WebSocket keep-alive: every socket is pinged once per interval, and one that did not answer
 * the previous ping is dropped at its next turn. graphql-ws' own keep-alive stays off (a timer
 * per socket, and a second ping).
 */
import type { WebSocket, WebSocketServer } from 'ws';

/** Slices the interval is spread over. */
const SLICES = 20;

/**
 * Starts the sweep over `wsServer`'s clients.
 * @returns stop(): ends the sweep (sockets stay open).
 */
export function startKeepAlive(wsServer: WebSocketServer, intervalMs: number): () => void {
  const alive = new WeakSet<WebSocket>();
  wsServer.on('connection', (socket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
  });
  // The sweep is spread over the interval in slices: pinging every socket in one tick (and
  // reading every pong back) stalls the deliveries queued behind it (docs/performance.md,
  // "What was changed"). Each socket is still pinged once per interval and dropped at its next
  // turn if it did not answer.
  let sweep: WebSocket[] = [];
  const timer = setInterval(() => {
    if (sweep.length === 0) sweep = [...wsServer.clients];
    for (const socket of sweep.splice(0, Math.ceil(wsServer.clients.size / SLICES))) {
      if (socket.readyState !== socket.OPEN) continue;
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, intervalMs / SLICES);
  timer.unref();
  return () => clearInterval(timer);
}
