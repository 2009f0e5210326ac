// title: Platforms at a glance
// title_zh: 各平台概览
// description_zh: 按平台：账号数、在该平台有账号的人数、内容数、内容购买次数及收入。
// description: Per platform: accounts, distinct persons with an account there, contents,
//   purchases of its contents and their revenue.
// columns: platform, accounts, persons, contents, purchases, revenue
// example: kolgraph query platform_summary

MATCH (pl:Platform)
OPTIONAL MATCH (pl)<-[:ON]-(a:Account)<-[:HAS_ACCOUNT]-(p:Person)
WITH pl, count(DISTINCT a) AS accounts, count(DISTINCT p) AS persons
OPTIONAL MATCH (c:Content {platform: pl.name})
WITH pl, accounts, persons, count(c) AS contents
OPTIONAL MATCH (:Account)-[e:ENGAGED {type: 'purchase'}]->(:Content {platform: pl.name})
WITH pl, accounts, persons, contents, toInteger(sum(coalesce(e.count, 0))) AS purchases,
     sum(coalesce(e.amount, 0.0)) AS revenue
RETURN pl.name AS platform, accounts, persons, contents, purchases, revenue
ORDER BY accounts DESC, platform
