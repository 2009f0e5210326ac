// title: Shared audience of two KOLs
// title_zh: 两位 KOL 的共同受众
// description_zh: 同时关注过或互动过两位 KOL（任何平台）的人，KOL 分高的在前：两人联合推广时会被触达两次的人。
// param_zh: person_a -- 第一位 KOL（Person.person_id）
// param_zh: person_b -- 第二位 KOL（Person.person_id）
// param_zh: k -- 显示多少人
// description: The persons who follow or interacted with both KOLs (on any platform), best
//   KOL score first: whom a joint campaign of the two reaches twice.
// param: person_a string -- the first KOL (Person.person_id)
// param: person_b string -- the second KOL (Person.person_id)
// param: k int(1..) = 100 -- how many persons
// columns: person_id, display_name, community_id, kol_score
// example: kolgraph query shared_audience -p person_a=P7380c7553d4f240c -p person_b=P88930431e9dbe41a

MATCH (:Person {person_id: $person_a})-[:HAS_ACCOUNT]->(:Account)<-[:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(f:Person)
WHERE f.person_id <> $person_a AND f.person_id <> $person_b
WITH DISTINCT f
MATCH (:Person {person_id: $person_b})-[:HAS_ACCOUNT]->(:Account)<-[:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(f)
WITH DISTINCT f
RETURN f.person_id AS person_id, f.display_name AS display_name, f.community_id AS community_id,
       coalesce(f.kol_score, 0.0) AS kol_score
ORDER BY kol_score DESC, display_name
LIMIT $k
