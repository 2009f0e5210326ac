// title: Communities of the current analysis
// title_zh: 当前分析的社群
// description_zh: 最近一次完成的分析中的全部社群，按人数从多到少：标签（热门话题）、第一大平台和 KOL 分最高的成员。
// param_zh: k -- 显示多少个社群
// description: Every community of the latest complete analyze run, biggest first, with its
//   label (top topics), top platform and the member with the best KOL score.
// param: k int(1..) = 50 -- how many communities
// columns: community_id, label, size, top_platform, top_kol, top_kol_id, run_id
// example: kolgraph query community_overview -p k=20

MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (c:Community {run_id: run.run_id})
OPTIONAL MATCH (c)<-[:IN_COMMUNITY]-(p:Person)
WITH c, p ORDER BY p.kol_score DESC, p.display_name
WITH c, collect(p.display_name) AS names, collect(p.person_id) AS ids
RETURN c.community_id AS community_id, c.label AS label, c.size AS size,
       c.top_platform AS top_platform, names[0] AS top_kol, ids[0] AS top_kol_id,
       c.run_id AS run_id
ORDER BY size DESC, community_id
LIMIT $k
