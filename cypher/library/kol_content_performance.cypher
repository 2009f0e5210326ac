// title: How a KOL's contents perform
// title_zh: KOL 内容表现
// description_zh: 某人的账号创作的全部内容：话题、全部互动（各类型次数）、购买次数和收入；卖得最好的在前。
// param_zh: person_id -- 创作者（Person.person_id）
// param_zh: k -- 显示多少个内容
// description: Every content created by one person's accounts, with its topic, all
//   engagements (counts of every type), purchases and revenue; best-selling first.
// param: person_id string -- the creator (Person.person_id)
// param: k int(1..) = 50 -- how many contents
// columns: content_key, title, platform, kind, price, topic, engagements, purchases, revenue
// example: kolgraph query kol_content_performance -p person_id=P7380c7553d4f240c

MATCH (:Person {person_id: $person_id})-[:HAS_ACCOUNT]->(:Account)-[:CREATED]->(c:Content)
OPTIONAL MATCH (:Account)-[e:ENGAGED]->(c)
WITH c, toInteger(sum(CASE WHEN e IS NULL THEN 0 ELSE e.count END)) AS engagements,
     toInteger(sum(CASE WHEN e.type = 'purchase' THEN e.count ELSE 0 END)) AS purchases,
     sum(CASE WHEN e.type = 'purchase' THEN e.amount ELSE 0.0 END) AS revenue
OPTIONAL MATCH (c)-[:ABOUT]->(t:Topic)
RETURN c.content_key AS content_key, c.title AS title, c.platform AS platform, c.kind AS kind,
       c.price AS price, t.name AS topic, engagements, purchases, revenue
ORDER BY revenue DESC, engagements DESC, content_key
LIMIT $k
