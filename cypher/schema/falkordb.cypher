// kolgraph schema for the embedded FalkorDB backend.
// Applied by `kolgraph db schema` (and by every command that opens the store); idempotent.
// FalkorDB enforces a unique key with GRAPH.CONSTRAINT, which needs an exact-match index on
// the same property first: each key below has its index, then its constraint.
// Lines starting with GRAPH.CONSTRAINT are FalkorDB commands, not Cypher.

CREATE INDEX FOR (n:Platform) ON (n.name);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Platform PROPERTIES 1 name;
CREATE INDEX FOR (n:Person) ON (n.person_id);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Person PROPERTIES 1 person_id;
CREATE INDEX FOR (n:Account) ON (n.account_key);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Account PROPERTIES 1 account_key;
CREATE INDEX FOR (n:Content) ON (n.content_key);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Content PROPERTIES 1 content_key;
CREATE INDEX FOR (n:Topic) ON (n.name);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Topic PROPERTIES 1 name;
CREATE INDEX FOR (n:Run) ON (n.run_id);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Run PROPERTIES 1 run_id;
CREATE INDEX FOR (n:Community) ON (n.community_key);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Community PROPERTIES 1 community_key;
CREATE INDEX FOR (n:IngestBatch) ON (n.batch_key);
GRAPH.CONSTRAINT CREATE UNIQUE NODE IngestBatch PROPERTIES 1 batch_key;
CREATE INDEX FOR (n:Campaign) ON (n.campaign_id);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Campaign PROPERTIES 1 campaign_id;
CREATE INDEX FOR (n:Partner) ON (n.partner_id);
GRAPH.CONSTRAINT CREATE UNIQUE NODE Partner PROPERTIES 1 partner_id;

// Look-ups that the analytics, the web UI and the query library make.
CREATE INDEX FOR (n:Community) ON (n.run_id);
CREATE INDEX FOR (n:Community) ON (n.community_id);
CREATE INDEX FOR (n:Person) ON (n.community_id);
CREATE INDEX FOR (n:Person) ON (n.kol_score);
CREATE INDEX FOR (n:Person) ON (n.display_name);
CREATE INDEX FOR (n:Partner) ON (n.name_key);
CREATE INDEX FOR (n:Account) ON (n.platform);
CREATE INDEX FOR (n:Account) ON (n.account_id);
CREATE INDEX FOR (n:Account) ON (n.display_name);
CREATE INDEX FOR (n:Account) ON (n.identity_hash);
CREATE INDEX FOR (n:Content) ON (n.platform);
CREATE INDEX FOR (n:Run) ON (n.kind);
