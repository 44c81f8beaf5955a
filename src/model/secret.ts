import { inspect } from 'node:util';

/**
 * A credential that cannot leak by accident: it prints, serializes and inspects as
 * `[secret]`. Only `reveal()` gives the value, and only transports call it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}
