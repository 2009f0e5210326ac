// title: Top KOLs overall
// title_zh: 全站 KOL 排行
// description_zh: 当前分析中按 KOL 分排序的人，不分社群；可只看在某个平台有账号的人。
// param_zh: platform -- 只看在该平台有账号的人（留空：任何平台）
// param_zh: k -- 显示多少人
// description: Persons by KOL score of the current analysis, over every community;
//   optionally only those with an account on one platform.
// param: platform string = null -- only persons with an account on this platform (null: any)
// param: k int(1..) = 10 -- how many persons
// columns: person_id, display_name, kol_score, kol_rank, community_id, platforms, followers_total
// example: kolgraph query top_kols -p platform=bilibili -p k=20

MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)
WHERE p.kol_score IS NOT NULL
WITH p, a ORDER BY a.platform
WITH p, collect(DISTINCT a.platform) AS platforms
WHERE $platform IS NULL OR $platform IN platforms
RETURN p.person_id AS person_id, p.display_name AS display_name, p.kol_score AS kol_score,
       p.kol_rank AS kol_rank, p.community_id AS community_id, platforms,
       p.followers_total AS followers_total
ORDER BY kol_score DESC, display_name
LIMIT $k
