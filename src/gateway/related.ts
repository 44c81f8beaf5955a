import type { RelatedTaskRef } from '../model/task.js';

/** What `RelatedTask` resolves from: the reference plus the backend of the task holding it. */
export interface RelatedTaskParent {
  ref: RelatedTaskRef;
  /** Backend of the task that lists this related task (the vCD backend). */
  from: string;
}
