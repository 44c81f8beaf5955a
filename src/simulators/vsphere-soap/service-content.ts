/**
 * ServiceContent as vcsim's VPX model returns it (captured in
 * src/adapters/vsphere-soap/__fixtures__/vcsim-retrieveservicecontent.xml): the same managers,
 * morefs and order; `about` describes a vCenter 7.0.3 instead of vcsim's 6.5.
 */
import { el, ref } from './render.js';

type Manager = [name: string, type: string, value: string];

/** `about.apiVersion`, also the newest version in `/sdk/vimServiceVersions.xml`. */
export const API_VERSION = '7.0.3.0';

const BEFORE_ABOUT: Manager[] = [
  ['rootFolder', 'Folder', 'group-d1'],
  ['propertyCollector', 'PropertyCollector', 'propertyCollector'],
  ['viewManager', 'ViewManager', 'ViewManager'],
];

const AFTER_ABOUT: Manager[] = [
  ['setting', 'OptionManager', 'VpxSettings'],
  ['userDirectory', 'UserDirectory', 'UserDirectory'],
  ['sessionManager', 'SessionManager', 'SessionManager'],
  ['authorizationManager', 'AuthorizationManager', 'AuthorizationManager'],
  ['serviceManager', 'ServiceManager', 'ServiceMgr'],
  ['perfManager', 'PerformanceManager', 'PerfMgr'],
  ['scheduledTaskManager', 'ScheduledTaskManager', 'ScheduledTaskManager'],
  ['alarmManager', 'AlarmManager', 'AlarmManager'],
  ['eventManager', 'EventManager', 'EventManager'],
  ['taskManager', 'TaskManager', 'TaskManager'],
  ['extensionManager', 'ExtensionManager', 'ExtensionManager'],
  ['customizationSpecManager', 'CustomizationSpecManager', 'CustomizationSpecManager'],
  ['customFieldsManager', 'CustomFieldsManager', 'CustomFieldsManager'],
  ['diagnosticManager', 'DiagnosticManager', 'DiagMgr'],
  ['licenseManager', 'LicenseManager', 'LicenseManager'],
  ['searchIndex', 'SearchIndex', 'SearchIndex'],
  ['fileManager', 'FileManager', 'FileManager'],
  ['datastoreNamespaceManager', 'DatastoreNamespaceManager', 'DatastoreNamespaceManager'],
  ['virtualDiskManager', 'VirtualDiskManager', 'virtualDiskManager'],
  ['snmpSystem', 'HostSnmpSystem', 'SnmpSystem'],
  ['vmProvisioningChecker', 'VirtualMachineProvisioningChecker', 'ProvChecker'],
  ['vmCompatibilityChecker', 'VirtualMachineCompatibilityChecker', 'CompatChecker'],
  ['ovfManager', 'OvfManager', 'OvfManager'],
  ['ipPoolManager', 'IpPoolManager', 'IpPoolManager'],
  ['dvSwitchManager', 'DistributedVirtualSwitchManager', 'DVSManager'],
  ['hostProfileManager', 'HostProfileManager', 'HostProfileManager'],
  ['clusterProfileManager', 'ClusterProfileManager', 'ClusterProfileManager'],
  ['complianceManager', 'ProfileComplianceManager', 'MoComplianceManager'],
  ['localizationManager', 'LocalizationManager', 'LocalizationManager'],
  ['storageResourceManager', 'StorageResourceManager', 'StorageResourceManager'],
  ['guestOperationsManager', 'GuestOperationsManager', 'guestOperationsManager'],
  ['overheadMemoryManager', 'OverheadMemoryManager', 'OverheadMemoryManager'],
  ['certificateManager', 'CertificateManager', 'certificateManager'],
  ['ioFilterManager', 'IoFilterManager', 'IoFilterManager'],
  ['vStorageObjectManager', 'VcenterVStorageObjectManager', 'VStorageObjectManager'],
  ['hostSpecManager', 'HostSpecificationManager', 'HostSpecificationManager'],
  ['cryptoManager', 'CryptoManagerKmip', 'CryptoManager'],
  ['healthUpdateManager', 'HealthUpdateManager', 'HealthUpdateManager'],
  ['failoverClusterConfigurator', 'FailoverClusterConfigurator', 'FailoverClusterConfigurator'],
  ['failoverClusterManager', 'FailoverClusterManager', 'FailoverClusterManager'],
];

/** The `returnval` of RetrieveServiceContent. */
export function serviceContent(instanceUuid: string): string {
  const refs = (list: Manager[]) => list.map(([name, type, value]) => ref(name, { type, value })).join('');
  const about = [
    el('name', 'VMware vCenter Server'),
    el('fullName', 'VMware vCenter Server 7.0.3 build-19480866'),
    el('vendor', 'VMware, Inc.'),
    el('version', '7.0.3'),
    el('build', '19480866'),
    el('localeVersion', 'INTL'),
    el('localeBuild', '000'),
    el('osType', 'linux-x64'),
    el('productLineId', 'vpx'),
    el('apiType', 'VirtualCenter'),
    el('apiVersion', API_VERSION),
    el('instanceUuid', instanceUuid),
    el('licenseProductName', 'VMware VirtualCenter Server'),
    el('licenseProductVersion', '7.0'),
  ].join('');
  return `<returnval>${refs(BEFORE_ABOUT)}<about>${about}</about>${refs(AFTER_ABOUT)}</returnval>`;
}
