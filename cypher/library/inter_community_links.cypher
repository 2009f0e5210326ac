// title: Links between communities
// title_zh: 社群之间的联系
// description_zh: 当前分析中两两社群之间，成员相互关注和互动的次数（任一方向）：社群之间如何接触。
// param_zh: min_ties -- 只显示联系至少这么多的社群对
// param_zh: k -- 显示多少对
// description: Pairs of communities of the current analysis and the number of follows and
//   interactions between their members (either direction): how the communities touch.
// param: min_ties int(1..) = 1 -- only pairs with at least this many ties
// param: k int(1..) = 50 -- how many pairs
// columns: community_a, label_a, community_b, label_b, ties
// example: kolgraph query inter_community_links -p min_ties=2

MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (c1:Community {run_id: run.run_id})<-[:IN_COMMUNITY]-(:Person)-[:HAS_ACCOUNT]->(:Account)-[r:FOLLOWS|INTERACTED]->(:Account)<-[:HAS_ACCOUNT]-(:Person)-[:IN_COMMUNITY]->(c2:Community {run_id: run.run_id})
WHERE c1.community_id <> c2.community_id
WITH CASE WHEN c1.community_id < c2.community_id THEN c1 ELSE c2 END AS a,
     CASE WHEN c1.community_id < c2.community_id THEN c2 ELSE c1 END AS b, r
WITH a, b, count(r) AS ties
WHERE ties >= $min_ties
RETURN a.community_id AS community_a, a.label AS label_a, b.community_id AS community_b,
       b.label AS label_b, ties
ORDER BY ties DESC, community_a, community_b
LIMIT $k
