// title: Top KOLs of a topic
// title_zh: 某话题的 KOL 排行
// description_zh: 创作过某话题内容的人（可限定平台），按 KOL 分排序：该话题内容有多少、卖了多少。
// param_zh: topic -- 话题名，例如 学习方法
// param_zh: platform -- 只看该平台的内容（留空：任何平台）
// param_zh: k -- 显示多少人
// description: Creators of contents about one topic (optionally on one platform), ranked by
//   KOL score, with how many of their contents on the topic and what those sold.
// param: topic string -- topic name, e.g. 学习方法
// param: platform string = null -- only contents on this platform (null: any)
// param: k int(1..) = 10 -- how many persons
// columns: person_id, display_name, kol_score, contents, purchases, revenue
// example: kolgraph query top_kols_by_topic -p topic=学习方法 -p platform=dedao

MATCH (:Topic {name: $topic})<-[:ABOUT]-(c:Content)<-[:CREATED]-(:Account)<-[:HAS_ACCOUNT]-(p:Person)
WHERE $platform IS NULL OR c.platform = $platform
OPTIONAL MATCH (:Account)-[e:ENGAGED {type: 'purchase'}]->(c)
WITH p, c, toInteger(sum(coalesce(e.count, 0))) AS purchases, sum(coalesce(e.amount, 0.0)) AS revenue
WITH p, count(c) AS contents, toInteger(sum(purchases)) AS purchases, sum(revenue) AS revenue
RETURN p.person_id AS person_id, p.display_name AS display_name,
       coalesce(p.kol_score, 0.0) AS kol_score, contents, purchases, revenue
ORDER BY kol_score DESC, purchases DESC, display_name
LIMIT $k
