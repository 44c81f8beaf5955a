/**
 * Global ids: `base64url("Task:" + backend + ":" + nativeId)`.
 * Backend names are restricted by config to [A-Za-z0-9_-], so the first ':' after the
 * backend name splits unambiguously even when the native id contains ':' (Prism extIds do).
 */

export interface TaskKey {
  backend: string;
  nativeId: string;
}

const PREFIX = 'Task:';

export function encodeTaskId(backend: string, nativeId: string): string {
  return Buffer.from(`${PREFIX}${backend}:${nativeId}`, 'utf8').toString('base64url');
}

/** Returns null for anything that is not a taskgraph task id. */
export function decodeTaskId(id: string): TaskKey | null {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return null;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) return null;
  const rest = text.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return null;
  return { backend: rest.slice(0, colon), nativeId: rest.slice(colon + 1) };
}

export const BACKEND_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
