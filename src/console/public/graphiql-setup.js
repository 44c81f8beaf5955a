// Starts GraphiQL 3 (UMD build, served from node_modules) against this gateway: queries and
// mutations over POST /graphql, subscriptions over graphql-ws on the same path.
(function () {
  'use strict';
  var http = new URL('/graphql', location.href).href;
  var fetcher = GraphiQL.createFetcher({
    url: http,
    // GraphiQL bundles graphql-ws' client; it uses it for subscription operations.
    subscriptionUrl: http.replace(/^http/, 'ws'),
  });

  var examples = [
    {
      query: [
        '# Welcome to taskgraph. Ctrl-Enter runs the operation under the cursor.',
        '# The tabs above hold more examples: a task with its subtasks, live events, cancel.',
        'query RecentTasks($filter: TaskFilter) {',
        '  backends { name type health latencyMs }',
        '  tasks(first: 10, filter: $filter) {',
        '    totalCount',
        '    pageInfo { hasNextPage endCursor }',
        '    nodes { id backend operation description status progress createdAt isCancelable }',
        '  }',
        '}',
      ].join('\n'),
      variables: JSON.stringify({ filter: { status: ['RUNNING', 'QUEUED'] } }, null, 2),
    },
    {
      query: [
        '# Paste a task id from the first tab.',
        'query TaskDetail($id: ID!) {',
        '  task(id: $id) {',
        '    id backend nativeId operation description status nativeStatus progress',
        '    steps { name status progress }',
        '    errors { code message }',
        '    subtasks(first: 20) { nodes { id operation status progress } }',
        '    parent { id operation }',
        '  }',
        '}',
      ].join('\n'),
      variables: JSON.stringify({ id: 'paste a task id' }, null, 2),
    },
    {
      query: [
        '# Live: new, changed and completed tasks. Press run and watch the results pane.',
        'subscription LiveEvents($filter: TaskEventFilter) {',
        '  taskEvents(filter: $filter) {',
        '    type',
        '    task { id backend operation status progress }',
        '  }',
        '}',
      ].join('\n'),
      variables: JSON.stringify({ filter: {} }, null, 2),
    },
    {
      query: [
        '# One task until it finishes: its state at once, then every change.',
        'subscription FollowTask($id: ID!) {',
        '  taskUpdated(id: $id) { id status progress progressMessage isTerminal }',
        '}',
      ].join('\n'),
      variables: JSON.stringify({ id: 'paste a running task id' }, null, 2),
    },
    {
      query: [
        'mutation Cancel($id: ID!) {',
        '  cancelTask(id: $id) {',
        '    task { id status cancelRequested }',
        '    error { code message backend }',
        '  }',
        '}',
      ].join('\n'),
      variables: JSON.stringify({ id: 'paste a cancelable task id' }, null, 2),
    },
  ];

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: examples,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
    }),
  );
})();
