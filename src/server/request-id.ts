/** The caller's X-Request-Id, kept only when it looks sane: it goes into logs and upstream headers. */
export function callerRequestId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : undefined;
}
