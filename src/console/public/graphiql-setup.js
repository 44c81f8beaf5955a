// Starts GraphiQL 3 (UMD build, served from node_modules) against this gateway: queries and
// mutations over POST /graphql, subscriptions over graphql-ws on the same path.
(function () {
  'use strict';
  var http = new URL('/graphql', location.href).href;
  var send = GraphiQL.createFetcher({
    url: http,
    // GraphiQL bundles graphql-ws' client; it uses it for subscription operations.
    subscriptionUrl: http.replace(/^http/, 'ws'),
  });

  // After a tab switch, GraphiQL 3 can hand the fetcher the previous tab's operation name and
  // parsed document until the cursor moves, and the fetcher then sends a subscription over
  // HTTP, naming an operation the text does not have. So the text sent is parsed here, and a
  // name it does not define becomes its only operation's (or none): the request goes to
  // graphql-ws or HTTP by what it really runs.
  function fetcher(params, options) {
    var document;
    try {
      document = GraphiQL.GraphQL.parse(params.query);
    } catch (e) {
      return send(params, options); // the server reports the syntax error
    }
    var names = document.definitions
      .filter(function (d) { return d.kind === 'OperationDefinition'; })
      .map(function (d) { return d.name ? d.name.value : undefined; });
    var name = params.operationName;
    if (name && names.indexOf(name) === -1) name = names.length === 1 ? names[0] : undefined;
    return send(Object.assign({}, params, { operationName: name }), Object.assign({}, options, { documentAST: document }));
  }

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
