import { describe, expect, it } from 'vitest';
import { decodeTaskId, encodeTaskId } from './global-id.js';

describe('global task ids', () => {
  it('round-trip native ids that contain colons, slashes and non-ASCII', () => {
    for (const nativeId of ['ZXJnb24=:278bbfc2-280f-529b-882b-14ea649b9a95', 'urn:vcloud:task:8d47a40c', 'task-518718', 'a/b?c=d', 'tâche']) {
      const id = encodeTaskId('vc-1', nativeId);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeTaskId(id)).toEqual({ backend: 'vc-1', nativeId });
    }
  });

  it('rejects anything that is not a task id', () => {
    expect(decodeTaskId('')).toBeNull();
    expect(decodeTaskId('not base64!')).toBeNull();
    expect(decodeTaskId(Buffer.from('User:x:y').toString('base64url'))).toBeNull();
    expect(decodeTaskId(Buffer.from('Task:onlybackend').toString('base64url'))).toBeNull();
    expect(decodeTaskId(Buffer.from('Task::x').toString('base64url'))).toBeNull();
  });
});
