// title: KOL conversion leaderboard
// title_zh: KOL 转化排行
// description_zh: 每位分享过内容的人：其受众中有多少人在分享后 window_days 天内购买了分享的内容（规则同 conversion_attribution），以及这些购买的收入。
// param_zh: window_days -- 分享后多少天内的购买计入转化
// param_zh: k -- 显示多少人
// description: For every person who shared contents: how many of their audience bought a
//   shared content within window_days after the share (rules of conversion_attribution),
//   and the revenue of those purchases.
// param: window_days int(0..) = 7 -- a purchase counts up to this many days after the share
// param: k int(1..) = 20 -- how many persons
// columns: person_id, display_name, contents, buyers, conversions, revenue
// example: kolgraph query kol_conversions -p window_days=14

MATCH (kol:Person)-[:HAS_ACCOUNT]->(:Account)-[sh:ENGAGED {type: 'share'}]->(c:Content)
WITH kol, c, min(sh.last_at) AS shared_at
MATCH (c)<-[buy:ENGAGED {type: 'purchase'}]-(:Account)<-[:HAS_ACCOUNT]-(buyer:Person)
WHERE buyer.person_id <> kol.person_id AND buy.last_at >= shared_at
  AND buy.last_at <= shared_at + $window_days * 86400
WITH kol, c, buyer, min(buy.last_at) AS purchased_at, sum(buy.amount) AS amount
MATCH (buyer)-[:HAS_ACCOUNT]->(:Account)-[tie:FOLLOWS|INTERACTED]->(:Account)<-[:HAS_ACCOUNT]-(kol)
WITH kol, c, buyer, purchased_at, amount, min(coalesce(tie.since, tie.first_at)) AS tied_since
WHERE tied_since <= purchased_at
WITH kol, count(DISTINCT c) AS contents, count(DISTINCT buyer) AS buyers, count(*) AS conversions,
     sum(amount) AS revenue
RETURN kol.person_id AS person_id, kol.display_name AS display_name, contents, buyers,
       conversions, revenue
ORDER BY revenue DESC, display_name
LIMIT $k
