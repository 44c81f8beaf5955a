import { buildSchema, parse } from 'graphql';
import { compileQuery } from 'graphql-jit';
const schema = buildSchema(`scalar DateTime input F { createdAfter: DateTime status: [String!] n: Int } type Query { tasks(first: Int, filter: F): String }`);
schema.getQueryType().getFields().tasks.resolve = (_r, args) => JSON.stringify(args);
schema.getType('DateTime').parseValue = (v) => 'parsed:' + v;
schema.getType('DateTime').parseLiteral = (v) => 'lit:' + v.value;
for (const q of [`query($a: DateTime!){ tasks(first: 5, filter: {createdAfter: $a}) }`, `query($s: String!, $n: Int){ tasks(filter: {status: [$s], n: $n}) }`, `query($f: F){ tasks(filter: $f) }`]) {
  const c = compileQuery(schema, parse(q));
  console.log(q, JSON.stringify(await c.query(undefined, {}, { a: '2020-01-01', s: 'X', n: 3, f: { createdAfter: 'z', n: 2 } })));
}
