/**
 * A certificate for a simulator serving https (`taskgraph simulate <name> --tls`): made at
 * start with `selfsigned` (no openssl binary needed), valid for the listening host plus
 * `localhost`, 127.0.0.1 and ::1, and written to a temporary PEM file that a client, or
 * taskgraph's own `tls.caFile`, trusts. The certificate is its own CA (basicConstraints
 * cA=true, keyCertSign), so Node, Python's ssl (pyVmomi) and Go's crypto/tls (govmomi) all
 * accept it as a trust anchor with verification on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface SimulatorTls {
  /** PEM private key and certificate for `https.createServer`. */
  key: string;
  cert: string;
  /** A file holding `cert` (the CA a client trusts); removed by `dispose()`. */
  caFile: string;
  dispose(): void;
}

/** Host names and addresses the certificate names: the listening host and the loopback ones. */
function altNames(host: string): Array<{ type: 2; value: string } | { type: 7; ip: string }> {
  const names = new Set(['localhost', '127.0.0.1', '::1', host.replace(/^\[|\]$/g, '')]);
  return [...names].filter(Boolean).map((name) => (isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name }));
}

/** A fresh self-signed certificate for `host` (EC P-256, SHA-256, valid for 30 days from an hour ago). */
export async function simulatorTls(host: string): Promise<SimulatorTls> {
  const notBeforeDate = new Date(Date.now() - 3_600_000);
  const pems = await generate([{ name: 'commonName', value: host === '0.0.0.0' || host === '::' ? 'localhost' : host }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames(host) },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-sim-tls-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pems.cert);
  return { key: pems.private, cert: pems.cert, caFile, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
