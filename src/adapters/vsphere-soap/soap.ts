/**
 * vim25 SOAP framing: request envelopes, response envelopes and faults.
 *
 * Requests are written as govmomi writes them (`vim25/soap/client.go`, `soap.go`): an XML
 * declaration, a `soapenv:Envelope` with the xsd/xsi namespaces, an optional `Header` carrying
 * `operationID`, and the method element in the `urn:vim25` namespace. Responses are read
 * tolerantly: any prefixes, `xsi:type` under any prefix (vcsim writes `XMLSchema-instance:type`),
 * faults as HTTP 500 with `soapenv:Fault{faultcode, faultstring, detail/<Type>Fault xsi:type=Type}`
 * (CAPTURED in govmomi `vim25/methods/fault_test.go` and from vcsim, see __fixtures__).
 */
import { child, childText, escapeXml, parseXml, XmlError, type XmlElement } from '../xml.js';

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/** A managed object reference: `<x type="VirtualMachine">vm-42</x>`. */
export interface MoRef {
  type: string;
  value: string;
}

/** One element of a request body; strings are escaped, `null`/`undefined` parts are left out. */
export type Part = string | null | undefined | false;

/** `<name>text</name>`, or nothing when the value is absent. */
export function el(name: string, value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name attrs>...children</name>` from already-serialized parts. */
export function node(name: string, parts: Part[], attrs = ''): string {
  return `<${name}${attrs ? ' ' + attrs : ''}>${parts.filter(Boolean).join('')}</${name}>`;
}

/** A MoRef element, e.g. `_this`, `obj`, `entity`. */
export function ref(name: string, moref: MoRef): string {
  return `<${name} type="${escapeXml(moref.type)}">${escapeXml(moref.value)}</${name}>`;
}

/** The whole request document for one method call on `_this`. */
export function requestEnvelope(method: string, self: MoRef, args: Part[], operationId: string | null): string {
  const header = operationId ? `<soapenv:Header>${el('operationID', operationId)}</soapenv:Header>` : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    header +
    `<soapenv:Body><${method} xmlns="urn:vim25">${ref('_this', self)}${args.filter(Boolean).join('')}</${method}></soapenv:Body>` +
    '</soapenv:Envelope>'
  );
}

/** A vim fault from a SOAP Fault: its type (the `xsi:type` of the detail) and localized message. */
export interface SoapFault {
  /** e.g. `InvalidLogin`, `NotAuthenticated`, `ManagedObjectNotFound`. */
  type: string;
  /** `faultstring`: the server's localized message (may be empty, as vcsim's often is). */
  message: string;
  /** The fault's own element (`<InvalidLoginFault xsi:type="InvalidLogin">`), for its fields. */
  detail: XmlElement | undefined;
}

export type SoapResult = { ok: true; body: XmlElement } | { ok: false; fault: SoapFault };

/** Thrown for a document that is not a SOAP envelope we can read. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

/**
 * Reads a response document: the method's `<XResponse>` element, or the fault.
 * Throws EnvelopeError (or XmlError) when the document is not a SOAP envelope.
 */
export function readEnvelope(text: string): SoapResult {
  const root = parseXml(text);
  if (root.name !== 'Envelope') throw new EnvelopeError(`expected a SOAP Envelope, got <${root.name}>`);
  const body = child(root, 'Body');
  if (!body) throw new EnvelopeError('SOAP Envelope without a Body');
  const fault = child(body, 'Fault');
  if (fault) return { ok: false, fault: readFault(fault) };
  const response = body.children[0];
  if (!response) throw new EnvelopeError('SOAP Body is empty');
  return { ok: true, body: response };
}

/** The vim fault type is the detail element's `xsi:type`, else its name without the `Fault` suffix. */
export function readFault(fault: XmlElement): SoapFault {
  const detail = child(fault, 'detail')?.children[0];
  const type = detail?.attrs['xsi:type'] ?? detail?.name.replace(/Fault$/, '') ?? childText(fault, 'faultcode') ?? 'SoapFault';
  return { type: stripPrefix(type), message: childText(fault, 'faultstring') ?? '', detail };
}

/** `vim25:ManagedObjectReference` -> `ManagedObjectReference` (xsi:type values may carry a prefix). */
export function stripPrefix(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}

/** The `returnval` children of a response element (zero, one or many). */
export function returnvals(response: XmlElement): XmlElement[] {
  return response.children.filter((c) => c.name === 'returnval');
}

/** Reads a MoRef element; undefined when absent or empty. */
export function readRef(element: XmlElement | undefined): MoRef | undefined {
  if (!element) return undefined;
  const value = element.text.trim();
  const type = element.attrs.type;
  if (!value || !type) return undefined;
  return { type, value };
}

export { XmlError };
