/** A pino destination that keeps the gateway's log lines in memory, for tests that read them. */
import { Writable } from 'node:stream';

export interface MemoryLog {
  /** Give this to `createLogger({ destination })`. */
  stream: Writable;
  /** Every line so far, as written. */
  raw(): string;
  /** Every line so far, parsed. */
  parsed<T = Record<string, any>>(): T[];
}

export function memoryLog(): MemoryLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, raw: () => lines.join('\n'), parsed: <T>() => lines.map((l) => JSON.parse(l) as T) };
}
