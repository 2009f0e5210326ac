// title: Cross-platform bridges between communities
// title_zh: 跨平台连接社群的人
// description_zh: 在多个平台有账号、其关系（关注或互动，任一方向）触达当前分析中其他社群成员的人：把社群连在一起的账号，以及在哪些平台。
// param_zh: min_platforms -- 至少在这么多个平台有账号
// param_zh: min_communities -- 至少触达这么多个其他社群
// param_zh: k -- 显示多少人
// description: Persons with accounts on several platforms whose ties (follows or
//   interactions, either direction) reach members of other communities of the current
//   analysis: the accounts that tie communities together, and on which platforms.
// param: min_platforms int(1..) = 2 -- the person has accounts on at least this many platforms
// param: min_communities int(1..) = 2 -- reaches at least this many other communities
// param: k int(1..) = 20 -- how many persons
// columns: person_id, display_name, community_id, communities_reached, other_communities, bridged_persons, platforms, kol_score
// example: kolgraph query cross_platform_bridges -p min_communities=2

MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)
WITH p, count(DISTINCT a.platform) AS platform_count
WHERE platform_count >= $min_platforms AND p.community_id IS NOT NULL
MATCH (p)-[:HAS_ACCOUNT]->(a:Account)-[:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(q:Person)
WHERE q.community_id IS NOT NULL AND q.community_id <> p.community_id
WITH p, a, q ORDER BY q.community_id, a.platform
WITH p, collect(DISTINCT q.community_id) AS others, collect(DISTINCT q.person_id) AS persons,
     collect(DISTINCT a.platform) AS platforms
WHERE size(others) >= $min_communities
RETURN p.person_id AS person_id, p.display_name AS display_name, p.community_id AS community_id,
       size(others) AS communities_reached, others AS other_communities,
       size(persons) AS bridged_persons, platforms, coalesce(p.kol_score, 0.0) AS kol_score
ORDER BY communities_reached DESC, bridged_persons DESC, kol_score DESC, display_name
LIMIT $k
