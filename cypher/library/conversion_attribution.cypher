// title: Who bought a content after a KOL shared it
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
