/**
 * Runs one large or deep body through an adapter's read path in a process of its own, so the
 * test can cap its heap (`--max-old-space-size`): running out of memory kills this process
 * instead of passing unnoticed. Prints one JSON line per case, as each finishes: `{ name, ms, outcome }`.
 *   node --max-old-space-size=N --import tsx bounded-parse.ts <case>...
 */
import { PIPELINES } from './pipelines.js';
import type { BackendTypeName } from './backends.js';

const MB20 = 20 * 1024 * 1024;
const VCD_NS = 'http://www.vmware.com/vcloud/v1.5';

function vimEnvelope(inner: string): string {
  return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>${inner}</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>`;
}

/** Each case: the backend type and the body, built here so the parent sends only a name. */
export const BOUNDED_CASES: Record<string, [BackendTypeName, () => string]> = {
  'vcd: 20 MB of task records': ['vcd', () => `<QueryResultRecords xmlns="${VCD_NS}">${'<TaskRecord status="running" name="x" href="https://vcd/api/task/1"/>'.repeat(MB20 / 66)}</QueryResultRecords>`],
  'vcd: 20 MB of one text node': ['vcd', () => `<Task xmlns="${VCD_NS}" status="running" href="https://vcd/api/task/1"><Details>${'x'.repeat(MB20)}</Details></Task>`],
  'vcd: 200 000 levels deep': ['vcd', () => '<Task>'.repeat(200_000) + '</Task>'.repeat(200_000)],
  'vim: 20 MB of objects': ['vsphere-soap', () => vimEnvelope('<objects><obj type="Task">task-1</obj></objects>'.repeat(MB20 / 48))],
  'vim: 200 000 levels deep': ['vsphere-soap', () => vimEnvelope('<val>'.repeat(200_000) + '</val>'.repeat(200_000))],
  'prism: 20 MB list': ['prism', () => JSON.stringify({ data: Array.from({ length: MB20 / 80 }, (_, i) => ({ extId: `ZXJnb24=:${i}`, status: 'RUNNING', operation: 'kVmCreate' })) })],
  'prism: 100 000 levels deep': ['prism', () => '{"data":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
  'vsphere-rest: 20 MB map': ['vsphere-rest', () => JSON.stringify(Object.fromEntries(Array.from({ length: MB20 / 90 }, (_, i) => [`${i}:com.vmware.vcenter.vm`, { status: 'RUNNING', service: 'com.vmware.vcenter.vm', operation: 'x' }])))],
  'vsphere-rest: 100 000 levels deep': ['vsphere-rest', () => '['.repeat(100_000) + ']'.repeat(100_000)],
  'vcd: 20 MB of entity references': ['vcd', () => `<Task xmlns="${VCD_NS}" status="running"><Details>${'&amp;'.repeat(MB20 / 5)}</Details></Task>`],
};

for (const name of process.argv.slice(2)) {
  const entry = BOUNDED_CASES[name];
  if (!entry) throw new Error(`no case ${name}`);
  const [type, make] = entry;
  let body: string | null = make();
  const started = performance.now();
  const out = PIPELINES[type](body);
  const ms = Math.round(performance.now() - started);
  body = null;
  process.stdout.write(`${JSON.stringify({ name, ms, outcome: out.kind === 'typed' ? `typed: ${out.error.message.slice(0, 120)}` : `${out.models.length} models` })}\n`);
}
