/**
 * The documents SDKs read before their first call, to choose the API version:
 * - `GET /sdk/vimServiceVersions.xml`: `<namespaces version="1.0">` with the vim25 namespace's
 *   `version` and `priorVersions` (pyVmomi `connect.__VersionIsSupported` reads exactly these;
 *   vcsim serves it, govmomi `simulator/simulator.go` ServiceVersions; the list of prior
 *   versions is a vCenter 7.0.3's);
 * - `GET /sdk/vimService.wsdl`: the service WSDL whose `<import namespace="urn:vim25">` names the
 *   API (pyVmomi's fallback when the versions file is missing; vCenter serves it, vcsim does
 *   not). The simulator does not serve the `vim.wsdl` schema it imports.
 * Only the urn:vim25 namespace is listed, as a vCenter 7 or 8 lists it: vCenter 6.0 also listed
 * urn:vim2, and govmomi's UseServiceVersion (what govc calls) takes the last namespace's version.
 */

/** API versions a vCenter 7.0.3 also answers, newest first. */
const PRIOR_VERSIONS = [
  '7.0.2.1', '7.0.2.0', '7.0.1.1', '7.0.1.0', '7.0.0.2', '7.0.0.1', '7.0.0.0',
  '6.9.1', '6.8.7', '6.7.3', '6.7.2', '6.7.1', '6.7', '6.5', '6.0', '5.5', '5.1', '5.0', '4.1', '4.0',
  '2.5u2server', '2.5u2', '2.5',
];

/** `/sdk/vimServiceVersions.xml` for a server whose `about.apiVersion` is `apiVersion`. */
export function serviceVersionsXml(apiVersion: string): string {
  const prior = PRIOR_VERSIONS.map((v) => `      <version>${v}</version>\n`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8" ?>\n' +
    '<namespaces version="1.0">\n' +
    '  <namespace>\n' +
    '    <name>urn:vim25</name>\n' +
    `    <version>${apiVersion}</version>\n` +
    `    <priorVersions>\n${prior}    </priorVersions>\n` +
    '  </namespace>\n' +
    '</namespaces>\n'
  );
}

/** `/sdk/vimService.wsdl`; `location` is the SOAP endpoint (vCenter writes https://localhost/sdk/vimService). */
export function serviceWsdl(location: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" ?>\n' +
    '<definitions targetNamespace="urn:vim25Service"\n' +
    '   xmlns="http://schemas.xmlsoap.org/wsdl/"\n' +
    '   xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"\n' +
    '   xmlns:interface="urn:vim25"\n' +
    '>\n' +
    '   <import location="vim.wsdl" namespace="urn:vim25" />\n' +
    '   <service name="VimService">\n' +
    '      <port binding="interface:VimBinding" name="VimPort">\n' +
    `         <soap:address location="${location}" />\n` +
    '      </port>\n' +
    '   </service>\n' +
    '</definitions>\n'
  );
}
