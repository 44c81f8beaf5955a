/**
 * The query texts the benchmarks send.
 */

/** `tasks(first: 50)` with the fields a task list view shows. */
export const TASK_LIST = `query TaskList($first: Int) {
  tasks(first: $first) {
    edges { cursor node {
      id backend nativeId operation description status nativeStatus progress
      createdAt startedAt completedAt isTerminal isCancelable
      initiatedBy { kind name }
      entitiesAffected { nativeId type name }
      errors { message code }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;
