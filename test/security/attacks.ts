/**
 * Attack documents shared by the security tests.
 */

/** `F0` spreads `F1` `fanout` times, ..., the last fragment selects `leaf`. */
export function fragmentBomb(levels: number, leaf: string, options: { fanout?: number; wrap?: (spreads: string) => string; root?: string } = {}): string {
  const { fanout = 2, wrap = (s) => s, root = 'query { ...F0 }' } = options;
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ${wrap(Array.from({ length: fanout }, () => `...F${i + 1}`).join(' '))} }`);
  return `${root} ${fragments.join(' ')} fragment F${levels} on Query { ${leaf} }`;
}
