/**
 * Vendor values shown as text (Prism completionDetails, vAPI results and message args).
 * A hostile payload can nest deeper than JSON.stringify's recursion allows; such a value is
 * shown as a placeholder instead of failing the whole answer.
 */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '[value too deeply nested to show]';
  }
}
