// Lint Cypher texts with Neo4j's own parser and semantic analysis
// (@neo4j-cypher/language-support, lintCypherQuery), without a Neo4j server.
// stdin: JSON [{"name", "text", "params": {name: example value}}]
// stdout: JSON [{"name", "errors": [[line, message]], "warnings": [[line, message]]}]
// Set-up (once): npm install --prefix DIR @neo4j-cypher/language-support@2.0.0-next.38
// and run with NODE_PATH=DIR/node_modules.
const { lintCypherQuery } = require('@neo4j-cypher/language-support');

const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = items.map((item) => {
  const { diagnostics } = lintCypherQuery(item.text, { parameters: item.params });
  const pick = (severity) => diagnostics.filter((d) => d.severity === severity)
    .map((d) => [d.range.start.line + 1, d.message]);
  return { name: item.name, errors: pick(1), warnings: pick(2) };
});
process.stdout.write(JSON.stringify(out));
