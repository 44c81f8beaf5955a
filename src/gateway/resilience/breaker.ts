/**
 * A circuit breaker per backend, its lifecycle one discriminated union:
 *
 *   closed --(failureThreshold consecutive failed calls)--> open
 *   open --(openMs elapsed; the next call is the probe)--> half-open
 *   half-open --(probe succeeds)--> closed,  --(probe fails)--> open
 *
 * While open, calls are refused at once (the gateway answers BACKEND_UNAVAILABLE without
 * waiting on a dead backend); in half-open exactly one probe is in flight and the others
 * are refused. Outcomes of calls that began before the last transition are ignored, so a
 * slow straggler cannot close a circuit that a later failure opened, nor reopen one that a
 * probe closed.
 */

export interface BreakerSettings {
  /** Consecutive failed calls that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before a probe is let through. */
  openMs: number;
}

export type CircuitState =
  | { phase: 'closed'; failures: number }
  | { phase: 'open'; openedAt: number; retryAt: number; failures: number }
  | { phase: 'half-open'; openedAt: number; probing: boolean; failures: number };

/** What Query.backends and /readyz show (the GraphQL `BackendCircuit`). */
export interface CircuitSnapshot {
  state: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
  consecutiveFailures: number;
  openedAt: Date | null;
  /** When the next probe may go through (OPEN only). */
  retryAt: Date | null;
}

/** The right to make one call; report its outcome exactly once. */
export interface Permit {
  /** The backend answered (a caller error such as NOT_FOUND is an answer too). */
  succeeded(): void;
  /** The backend failed this call. */
  failed(): void;
  /** The call was abandoned by its caller: says nothing about the backend. */
  released(): void;
}

export interface CircuitBreaker {
  /** A permit for one call, or null when the circuit refuses calls now. */
  tryAcquire(): Permit | null;
  /** True while calls are refused (open and not yet due for a probe). */
  isOpen(): boolean;
  state(): CircuitState;
  snapshot(): CircuitSnapshot;
}

export interface BreakerOptions extends BreakerSettings {
  now?: () => number;
  /** Called after every transition, with the state entered. */
  onTransition?: (state: CircuitState) => void;
}

/** Exhaustiveness guard: a missing `switch` case fails to compile. */
function unreachable(value: never): never {
  throw new Error(`unexpected circuit state ${JSON.stringify(value)}`);
}

export function createCircuitBreaker(options: BreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  const threshold = Math.max(1, options.failureThreshold);
  let state: CircuitState = { phase: 'closed', failures: 0 };
  /** Bumped on every transition; a permit only counts in the generation it was issued in. */
  let generation = 0;

  function enter(next: CircuitState): void {
    state = next;
    generation++;
    options.onTransition?.(next);
  }

  /** open -> half-open is due to time alone; it happens when anyone looks. */
  function current(): CircuitState {
    if (state.phase === 'open' && now() >= state.retryAt) {
      enter({ phase: 'half-open', openedAt: state.openedAt, probing: false, failures: state.failures });
    }
    return state;
  }

  function open(failures: number): void {
    const at = now();
    enter({ phase: 'open', openedAt: at, retryAt: at + options.openMs, failures });
  }

  function permit(issued: number, probe: boolean): Permit {
    let done = false;
    const settle = (outcome: 'ok' | 'fail' | 'abandon') => {
      if (done) return;
      done = true;
      if (issued !== generation) return;
      const s = state;
      switch (s.phase) {
        case 'closed':
          if (outcome === 'ok') s.failures = 0;
          else if (outcome === 'fail' && ++s.failures >= threshold) open(s.failures);
          return;
        case 'half-open':
          if (!probe) return;
          if (outcome === 'ok') enter({ phase: 'closed', failures: 0 });
          else if (outcome === 'fail') open(s.failures + 1);
          else s.probing = false; // abandoned probe: let the next call probe instead
          return;
        case 'open':
          return;
        default:
          unreachable(s);
      }
    };
    return { succeeded: () => settle('ok'), failed: () => settle('fail'), released: () => settle('abandon') };
  }

  return {
    tryAcquire() {
      const s = current();
      switch (s.phase) {
        case 'closed':
          return permit(generation, false);
        case 'open':
          return null;
        case 'half-open':
          if (s.probing) return null;
          s.probing = true;
          return permit(generation, true);
        default:
          return unreachable(s);
      }
    },
    isOpen: () => current().phase === 'open',
    state: () => current(),
    snapshot() {
      const s = current();
      switch (s.phase) {
        case 'closed':
          return { state: 'CLOSED', consecutiveFailures: s.failures, openedAt: null, retryAt: null };
        case 'open':
          return { state: 'OPEN', consecutiveFailures: s.failures, openedAt: new Date(s.openedAt), retryAt: new Date(s.retryAt) };
        case 'half-open':
          return { state: 'HALF_OPEN', consecutiveFailures: s.failures, openedAt: new Date(s.openedAt), retryAt: null };
        default:
          return unreachable(s);
      }
    },
  };
}
