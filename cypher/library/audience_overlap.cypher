// title: Audience overlap of two KOLs
// title_zh: 两位 KOL 的受众重合
// description_zh: 两个人的受众（关注过或互动过其任一账号的人）各有多少、两边都有的有多少，以及 Jaccard 重合度。
// param_zh: person_a -- 第一位 KOL（Person.person_id）
// param_zh: person_b -- 第二位 KOL（Person.person_id）
// description: Sizes of the audiences (persons who follow or interacted with any of their
//   accounts) of two persons, how many persons are in both, and the Jaccard index.
// param: person_a string -- the first KOL (Person.person_id)
// param: person_b string -- the second KOL (Person.person_id)
// columns: name_a, name_b, audience_a, audience_b, shared, union_size, jaccard
// example: kolgraph query audience_overlap -p person_a=P7380c7553d4f240c -p person_b=P88930431e9dbe41a

MATCH (a:Person {person_id: $person_a})
MATCH (b:Person {person_id: $person_b})
OPTIONAL MATCH (a)-[:HAS_ACCOUNT]->(:Account)<-[:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(fa:Person)
WHERE fa.person_id <> a.person_id
WITH a, b, collect(DISTINCT fa.person_id) AS audience_a
OPTIONAL MATCH (b)-[:HAS_ACCOUNT]->(:Account)<-[:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(fb:Person)
WHERE fb.person_id <> b.person_id
WITH a, b, audience_a, collect(DISTINCT fb.person_id) AS audience_b
WITH a, b, audience_a, audience_b, size([x IN audience_a WHERE x IN audience_b]) AS shared
WITH a, b, size(audience_a) AS size_a, size(audience_b) AS size_b, shared,
     size(audience_a) + size(audience_b) - shared AS union_size
RETURN a.display_name AS name_a, b.display_name AS name_b, size_a AS audience_a,
       size_b AS audience_b, shared, union_size,
       CASE WHEN union_size = 0 THEN 0.0 ELSE toFloat(shared) / union_size END AS jaccard
