// kolgraph schema for Neo4j 5.x. Applied by `kolgraph db schema`; idempotent (IF NOT EXISTS).
// A uniqueness constraint also creates the index that backs it.

CREATE CONSTRAINT platform_name IF NOT EXISTS FOR (n:Platform) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.person_id IS UNIQUE;
CREATE CONSTRAINT account_key IF NOT EXISTS FOR (n:Account) REQUIRE n.account_key IS UNIQUE;
CREATE CONSTRAINT content_key IF NOT EXISTS FOR (n:Content) REQUIRE n.content_key IS UNIQUE;
CREATE CONSTRAINT topic_name IF NOT EXISTS FOR (n:Topic) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (n:Run) REQUIRE n.run_id IS UNIQUE;
CREATE CONSTRAINT community_key IF NOT EXISTS FOR (n:Community) REQUIRE n.community_key IS UNIQUE;
CREATE CONSTRAINT ingest_batch_key IF NOT EXISTS FOR (n:IngestBatch) REQUIRE n.batch_key IS UNIQUE;
CREATE CONSTRAINT campaign_id IF NOT EXISTS FOR (n:Campaign) REQUIRE n.campaign_id IS UNIQUE;
CREATE CONSTRAINT partner_id IF NOT EXISTS FOR (n:Partner) REQUIRE n.partner_id IS UNIQUE;

CREATE INDEX community_run IF NOT EXISTS FOR (n:Community) ON (n.run_id);
CREATE INDEX community_id IF NOT EXISTS FOR (n:Community) ON (n.community_id);
CREATE INDEX person_community IF NOT EXISTS FOR (n:Person) ON (n.community_id);
CREATE INDEX person_kol_score IF NOT EXISTS FOR (n:Person) ON (n.kol_score);
CREATE INDEX person_display_name IF NOT EXISTS FOR (n:Person) ON (n.display_name);
CREATE INDEX partner_name_key IF NOT EXISTS FOR (n:Partner) ON (n.name_key);
CREATE TEXT INDEX person_search_key IF NOT EXISTS FOR (n:Person) ON (n.search_key);
CREATE INDEX account_platform IF NOT EXISTS FOR (n:Account) ON (n.platform);
CREATE INDEX account_id IF NOT EXISTS FOR (n:Account) ON (n.account_id);
CREATE INDEX account_display_name IF NOT EXISTS FOR (n:Account) ON (n.display_name);
CREATE INDEX account_identity_hash IF NOT EXISTS FOR (n:Account) ON (n.identity_hash);
CREATE INDEX content_platform IF NOT EXISTS FOR (n:Content) ON (n.platform);
CREATE INDEX run_kind IF NOT EXISTS FOR (n:Run) ON (n.kind);
