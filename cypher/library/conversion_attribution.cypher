// title: Who bought a content after a KOL shared it
// title_zh: KOL 分享后谁买了内容
// description_zh: 某人分享过的内容，以及其受众中（购买前关注过或互动过这位 KOL 的人）在分享后 window_days 天内购买该内容的人。时间为 Unix 秒；图中只保留每个（账号、内容、类型）的最近一次时间。
// param_zh: person_id -- 分享内容的 KOL（Person.person_id）
// param_zh: window_days -- 分享后多少天内的购买计入转化
// param_zh: k -- 显示多少行
// description: Contents one person shared, and the persons of their audience (a follow or
//   interaction towards the KOL made before the purchase) who bought the content within
//   window_days after the share. Times are epoch seconds; the graph keeps the last time
//   of each (account, content, type), so a repeated share or purchase counts at its last time.
// param: person_id string -- the KOL who shared (Person.person_id)
// param: window_days int(0..) = 7 -- a purchase counts up to this many days after the share
// param: k int(1..) = 100 -- how many rows
// columns: content_key, title, shared_at, person_id, display_name, purchased_at, hours_after, amount, tied_since
// example: kolgraph query conversion_attribution -p person_id=P7380c7553d4f240c -p window_days=7

MATCH (kol:Person {person_id: $person_id})-[:HAS_ACCOUNT]->(:Account)-[sh:ENGAGED {type: 'share'}]->(c:Content)
WITH kol, c, min(sh.last_at) AS shared_at
MATCH (c)<-[buy:ENGAGED {type: 'purchase'}]-(:Account)<-[:HAS_ACCOUNT]-(buyer:Person)
WHERE buyer.person_id <> kol.person_id AND buy.last_at >= shared_at
  AND buy.last_at <= shared_at + $window_days * 86400
WITH kol, c, shared_at, buyer, min(buy.last_at) AS purchased_at, sum(buy.amount) AS amount
MATCH (buyer)-[:HAS_ACCOUNT]->(:Account)-[tie:FOLLOWS|INTERACTED]->(:Account)<-[:HAS_ACCOUNT]-(kol)
WITH c, shared_at, buyer, purchased_at, amount, min(coalesce(tie.since, tie.first_at)) AS tied_since
WHERE tied_since <= purchased_at
RETURN c.content_key AS content_key, c.title AS title, shared_at, buyer.person_id AS person_id,
       buyer.display_name AS display_name, purchased_at,
       (purchased_at - shared_at) / 3600 AS hours_after, amount, tied_since
ORDER BY shared_at, purchased_at, display_name
LIMIT $k
