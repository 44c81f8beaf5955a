/**
 * Reading vim25 requests: the method element of the SOAP Body, its `_this`, and the
 * `operationID` from the SOAP Header. Argument helpers read by local name, as vcsim does.
 */
import { child, children, childText, parseXml, type XmlElement } from '../../adapters/xml.js';
import type { Ref } from './render.js';

export interface VimRequest {
  method: string;
  self: Ref;
  args: XmlElement;
  operationId: string | null;
}

export class RequestError extends Error {
  override name = 'RequestError';
}

export function parseRequest(text: string): VimRequest {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (err) {
    throw new RequestError(`xml.Unmarshal: ${(err as Error).message}`);
  }
  const body = child(root, 'Body');
  const call = body?.children[0];
  if (root.name !== 'Envelope' || !call) throw new RequestError('decoding: method token not found');
  const self = readRef(child(call, '_this'));
  if (!self) throw new RequestError(`decoding ${call.name}: missing _this`);
  return { method: call.name, self, args: call, operationId: childText(child(root, 'Header'), 'operationID') ?? null };
}

export function readRef(element: XmlElement | undefined): Ref | undefined {
  const value = element?.text.trim();
  const type = element?.attrs.type;
  return value && type ? { type, value } : undefined;
}

export function text(args: XmlElement | undefined, name: string): string | undefined {
  return childText(args, name);
}

export function texts(args: XmlElement | undefined, name: string): string[] {
  return children(args, name).flatMap((c) => (c.text.trim() ? [c.text.trim()] : []));
}

export function int(args: XmlElement | undefined, name: string): number | undefined {
  const value = childText(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

export function bool(args: XmlElement | undefined, name: string): boolean | undefined {
  const value = childText(args, name);
  return value === undefined ? undefined : value === 'true' || value === '1';
}

export function time(args: XmlElement | undefined, name: string): number | undefined {
  const value = childText(args, name);
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}
