/**
 * One GraphQL POST from the benchmark driver (not the load generator), with timing.
 */
export interface Timed<T> {
  ms: number;
  body: { data?: T; errors?: Array<{ message: string }> };
}

export async function post<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<Timed<T>> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as Timed<T>['body'];
  return { ms: performance.now() - started, body };
}
