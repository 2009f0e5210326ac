// title: Contents most purchased inside a community
// title_zh: 社群内购买最多的内容
// description_zh: 当前分析中某个社群的成员购买的内容：每个内容有多少成员购买、购买次数、收入。
// param_zh: community_id -- 当前分析中的社群编号
// param_zh: k -- 显示多少个内容
// description: Contents bought by members of one community of the current analysis: how
//   many members bought each, how many purchases, the revenue.
// param: community_id int -- community number in the current analysis
// param: k int(1..) = 10 -- how many contents
// columns: content_key, title, platform, price, buyers, purchases, revenue
// example: kolgraph query top_purchased_contents_in_community -p community_id=1

MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (:Community {run_id: run.run_id, community_id: $community_id})<-[:IN_COMMUNITY]-(p:Person)
MATCH (p)-[:HAS_ACCOUNT]->(:Account)-[e:ENGAGED {type: 'purchase'}]->(c:Content)
WITH c, count(DISTINCT p) AS buyers, toInteger(sum(e.count)) AS purchases, sum(e.amount) AS revenue
RETURN c.content_key AS content_key, c.title AS title, c.platform AS platform, c.price AS price,
       buyers, purchases, revenue
ORDER BY buyers DESC, revenue DESC, content_key
LIMIT $k
