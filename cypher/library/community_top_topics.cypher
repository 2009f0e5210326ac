// title: Topics a community engages with
// description: Topics of the contents that members of one community of the current
//   analysis engaged with (any engagement type), by number of engagements.
// param: community_id int -- community number in the current analysis
// param: k int(1..) = 10 -- how many topics
// columns: topic, engagements, persons
// example: kolgraph query community_top_topics -p community_id=1

MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (:Community {run_id: run.run_id, community_id: $community_id})<-[:IN_COMMUNITY]-(p:Person)
MATCH (p)-[:HAS_ACCOUNT]->(:Account)-[e:ENGAGED]->(:Content)-[:ABOUT]->(t:Topic)
WITH t, toInteger(sum(e.count)) AS engagements, count(DISTINCT p) AS persons
RETURN t.name AS topic, engagements, persons
ORDER BY engagements DESC, persons DESC, topic
LIMIT $k
