/**
 * The GraphQL over SSE streams of one server (sse.ts): the bound per caller, the reservations
 * of graphql-sse's single-connection mode (and their expiry when no stream connects to
 * them), and ending every stream on stop.
 *
 * A caller (principal id) holds at most `maxStreamsPerPrincipal` streams: each open
 * distinct-connection stream and each single-connection reservation (connected or not)
 * counts one. A reservation carries at most `maxOperationsPerStream` operations at once.
 * Behind a router (Hive Gateway, ...) every client's subscription is a stream of the
 * router's one principal: size the bound for that (docs/operations.md).
 */
import type { Principal } from '../security/principal.js';

/** Config `server.sse` (config.ts). */
export interface SseLimits {
  maxStreamsPerPrincipal: number;
  maxOperationsPerStream: number;
  /** A reservation (PUT) no stream connects to within this long is dropped with its operations. */
  reservationTtlMs: number;
}

/** The bounds without config: 1000 streams per caller, 100 operations per stream, 30 s for a reservation to be connected. */
export const DEFAULT_SSE_LIMITS: SseLimits = { maxStreamsPerPrincipal: 1000, maxOperationsPerStream: 100, reservationTtlMs: 30_000 };

/** A single-connection reservation: its owner, its operations, and the signal its operations' contexts see end. */
export interface Reservation {
  readonly token: string;
  readonly principal: Principal;
  /** Aborted when the stream ends (or the reservation expires): operations set up on it are released. */
  readonly closed: AbortController;
  operations: number;
  connected: boolean;
  expiry: NodeJS.Timeout | undefined;
}

/** An event stream being written. */
export interface OpenStream {
  readonly mode: 'distinct' | 'single';
  /** Ends the stream: its operations complete, the response ends. */
  stop(): void;
  /** Cuts its connection (stop did not end it within the grace period). */
  destroy(): void;
}

export class SseStreams {
  private readonly held = new Map<string, number>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly open = new Set<OpenStream>();
  private drained: (() => void) | null = null;

  constructor(
    private readonly limits: SseLimits,
    /** Ends a reservation no stream connected to (sse.ts connects to it and returns at once). */
    private readonly expire: (token: string) => void,
  ) {}

  /** The refusal's message when `principal` may hold no further stream, else null. */
  admit(principal: Principal): string | null {
    const held = this.held.get(principal.id) ?? 0;
    return held < this.limits.maxStreamsPerPrincipal
      ? null
      : `this caller already holds ${held} GraphQL over SSE streams, as many as server.sse.maxStreamsPerPrincipal (${this.limits.maxStreamsPerPrincipal}) allows; close one first`;
  }

  /** Counts a distinct-connection stream of `principal` until `release`. */
  hold(principal: Principal): () => void {
    this.add(principal.id, 1);
    let released = false;
    return () => {
      if (!released) this.add(principal.id, -1);
      released = true;
    };
  }

  /** Registers the reservation graphql-sse made for `token` (its answer to a PUT). */
  reserve(token: string, principal: Principal): Reservation {
    const reservation: Reservation = { token, principal, closed: new AbortController(), operations: 0, connected: false, expiry: undefined };
    reservation.expiry = setTimeout(() => this.expire(token), this.limits.reservationTtlMs);
    reservation.expiry.unref();
    this.reservations.set(token, reservation);
    this.add(principal.id, 1);
    return reservation;
  }

  reservation(token: string): Reservation | undefined {
    return this.reservations.get(token);
  }

  /** The refusal's message when the reservation carries as many operations as it may, else null (and the operation counted). */
  addOperation(reservation: Reservation): string | null {
    if (reservation.operations >= this.limits.maxOperationsPerStream) {
      return `this event stream already carries ${reservation.operations} operations, as many as server.sse.maxOperationsPerStream (${this.limits.maxOperationsPerStream}) allows`;
    }
    reservation.operations++;
    return null;
  }

  operationDone(token: string): void {
    const reservation = this.reservations.get(token);
    if (reservation && reservation.operations > 0) reservation.operations--;
  }

  /** The reservation's stream connected: it no longer expires. */
  connected(reservation: Reservation): void {
    reservation.connected = true;
    clearTimeout(reservation.expiry);
  }

  /** The reservation's stream ended (or it expired): its operations' contexts see it, and its owner may reserve again. */
  release(token: string): void {
    const reservation = this.reservations.get(token);
    if (!reservation) return;
    this.reservations.delete(token);
    clearTimeout(reservation.expiry);
    reservation.closed.abort();
    this.add(reservation.principal.id, -1);
  }

  opened(stream: OpenStream): void {
    this.open.add(stream);
  }

  closed(stream: OpenStream): void {
    this.open.delete(stream);
    if (this.open.size === 0) this.drained?.();
  }

  /** Open streams by mode (the `taskgraph_sse_streams` gauge). */
  counts(): { distinct: number; single: number } {
    let distinct = 0;
    for (const stream of this.open) if (stream.mode === 'distinct') distinct++;
    return { distinct, single: this.open.size - distinct };
  }

  /** Ends every stream and reservation; connections still open after `graceMs` are cut. */
  async close(graceMs: number): Promise<void> {
    for (const reservation of [...this.reservations.values()]) if (!reservation.connected) this.expire(reservation.token);
    if (this.open.size === 0) return;
    const ended = new Promise<void>((resolve) => (this.drained = resolve));
    for (const stream of [...this.open]) stream.stop();
    let cut: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      cut = setTimeout(resolve, graceMs);
      cut.unref();
    });
    await Promise.race([ended, graceOver]);
    clearTimeout(cut);
    for (const stream of this.open) stream.destroy();
  }

  private add(owner: string, delta: number): void {
    const held = (this.held.get(owner) ?? 0) + delta;
    if (held > 0) this.held.set(owner, held);
    else this.held.delete(owner);
  }
}
