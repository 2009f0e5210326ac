// title: Top KOLs of a community
// title_zh: 社群内的 KOL 排行
// description_zh: 当前分析（最近一次完成的分析运行）中某个社群的成员，KOL 分高的在前；可只看在某个平台有账号的人。
// param_zh: community_id -- 当前分析中的社群编号（Person.community_id）
// param_zh: platform -- 只看在该平台有账号的人（留空：任何平台）
// param_zh: k -- 显示多少人
// description: Members of one community of the current analysis (the latest complete
//   analyze run), best KOL score first; optionally only those with an account on one platform.
// param: community_id int -- community number (Person.community_id) in the current analysis
// param: platform string = null -- only persons with an account on this platform (null: any)
// param: k int(1..) = 10 -- how many persons
// columns: person_id, display_name, kol_score, community_rank, kol_rank, platforms
// example: kolgraph query top_kols_in_community -p community_id=1 -p platform=zhihu -p k=5

MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (:Community {run_id: run.run_id, community_id: $community_id})<-[:IN_COMMUNITY]-(p:Person)
MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
WITH p, a ORDER BY a.platform
WITH p, collect(DISTINCT a.platform) AS platforms
WHERE $platform IS NULL OR $platform IN platforms
RETURN p.person_id AS person_id, p.display_name AS display_name,
       coalesce(p.kol_score, 0.0) AS kol_score, p.community_rank AS community_rank,
       p.kol_rank AS kol_rank, platforms
ORDER BY kol_score DESC, display_name
LIMIT $k
