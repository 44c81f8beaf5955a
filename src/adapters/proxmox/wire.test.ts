import { describe, expect, it } from 'vitest';
import { narrowTaskRecord } from './wire.js';

const UPID = 'UPID:pve2:000934B0:0D015600:68BF39E0:qmshutdown:104:root@pam:';

describe('narrowTaskRecord', () => {
  it('reads endtime as epoch seconds', () => {
    expect(narrowTaskRecord({ upid: UPID, endtime: 1757362660, status: 'OK' })?.endtime).toBe(1757362660);
    expect(narrowTaskRecord({ upid: UPID, endtime: '1757362660', status: 'OK' })?.endtime).toBe(1757362660);
  });

  it('reads a garbled endtime beyond the Date range as absent (found by the damaged-fixture property test)', () => {
    expect(narrowTaskRecord({ upid: UPID, endtime: 17573626601757, status: 'OK' })?.endtime).toBeUndefined();
  });
});
