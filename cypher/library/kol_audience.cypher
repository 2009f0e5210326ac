// title: A KOL's audience
// title_zh: KOL 的受众
// description_zh: 账号关注过或互动过某人任一账号的人（任何平台）：有多少条关系、多少次互动（关注算 1 次），在这位 KOL 的哪些平台。
// param_zh: person_id -- KOL（Person.person_id）
// param_zh: k -- 显示多少人
// description: Persons whose accounts follow or interacted with any account of one person,
//   on any platform: how many ties, how many interactions (a follow counts 1), on which
//   of the KOL's platforms.
// param: person_id string -- the KOL (Person.person_id)
// param: k int(1..) = 100 -- how many persons
// columns: person_id, display_name, community_id, ties, interactions, platforms
// example: kolgraph query kol_audience -p person_id=P7380c7553d4f240c -p k=20

MATCH (kol:Person {person_id: $person_id})-[:HAS_ACCOUNT]->(ka:Account)<-[r:FOLLOWS|INTERACTED]-(:Account)<-[:HAS_ACCOUNT]-(f:Person)
WHERE f.person_id <> kol.person_id
WITH f, r, ka ORDER BY ka.platform
WITH f, count(r) AS ties, toInteger(sum(coalesce(r.count, 1))) AS interactions,
     collect(DISTINCT ka.platform) AS platforms
RETURN f.person_id AS person_id, f.display_name AS display_name, f.community_id AS community_id,
       ties, interactions, platforms
ORDER BY interactions DESC, ties DESC, display_name
LIMIT $k
