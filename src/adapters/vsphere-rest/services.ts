/**
 * The vAPI services whose tasks the adapter lists by default. The list call cannot list "all
 * tasks": it needs service ids (or task ids), so a task of a service not named here is found
 * by id but not listed. Configure `services` to change the set; a nested list names services of
 * one provider that may share a call.
 *
 * Each id has public evidence that the service creates `com.vmware.cis.task`s:
 * - com.vmware.vcenter.vm: `clone$task` (VM_CloneTask_ResponseBody, vSphere Automation API 6.5-7.0U2 DOC).
 * - com.vmware.esx.settings.clusters.software: `stage$task` returning
 *   "52f9f1b0-...:com.vmware.esx.settings.clusters.software" (VMware vsphere-automation-sdk-java vLCM sample).
 * - com.vmware.esx.settings.clusters.configuration: `check_compliance$task` (vmware/vmware-config-modules tests).
 * - com.vmware.esx.settings.inventory: task id "52b3cef6-...:com.vmware.esx.settings.inventory" (a public vLCM readme).
 * - com.vmware.esx.settings.clusters.enablement.software: `?action=check&vmw-task=true` (a public vLCM note);
 *   that its tasks carry this service id is UNCONFIRMED.
 * - com.vmware.vcenter.vcha.cluster.passive: `redeploy$task` (Vcha_Cluster_Passive_RedeployTask_ResponseBody DOC).
 */
export const DEFAULT_SERVICES: readonly string[] = [
  'com.vmware.vcenter.vm',
  'com.vmware.esx.settings.clusters.software',
  'com.vmware.esx.settings.clusters.configuration',
  'com.vmware.esx.settings.clusters.enablement.software',
  'com.vmware.esx.settings.inventory',
  'com.vmware.vcenter.vcha.cluster.passive',
];

/** Config entries as call groups: a string is its own call, a list is one call. */
export function serviceGroups(services: ReadonlyArray<string | readonly string[]> | undefined): string[][] {
  return (services ?? DEFAULT_SERVICES).map((entry) => (typeof entry === 'string' ? [entry] : [...entry]));
}
