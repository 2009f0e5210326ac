// title: Profile of a person
// title_zh: 个人档案
// description_zh: 某人的账号和平台、粉丝，以及当前分析结果：社群（编号和标签）、KOL 分、排名、PageRank。
// param_zh: person_id -- 此人（Person.person_id）
// description: One person's accounts and platforms, followers, and the results of the
//   current analysis: community (number and label), KOL score, ranks, PageRank.
// param: person_id string -- the person (Person.person_id)
// columns: person_id, display_name, accounts, platforms, followers_total, community_id, community_label, kol_score, kol_rank, community_rank, pagerank
// example: kolgraph query person_profile -p person_id=P7380c7553d4f240c

MATCH (p:Person {person_id: $person_id})-[:HAS_ACCOUNT]->(a:Account)
WITH p, a ORDER BY a.account_key
WITH p, collect(a.account_key) AS accounts, collect(DISTINCT a.platform) AS platforms
OPTIONAL MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH p, accounts, platforms, run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
OPTIONAL MATCH (p)-[:IN_COMMUNITY]->(c:Community {run_id: run.run_id})
RETURN p.person_id AS person_id, p.display_name AS display_name, accounts, platforms,
       p.followers_total AS followers_total, p.community_id AS community_id,
       c.label AS community_label, p.kol_score AS kol_score, p.kol_rank AS kol_rank,
       p.community_rank AS community_rank, p.pagerank AS pagerank
