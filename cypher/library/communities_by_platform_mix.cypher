// title: Communities by platform mix
// title_zh: 社群的平台构成
// description_zh: 当前分析的每个社群：成员在各平台的账号数（从多到少）及第一大平台的占比。
// param_zh: k -- 显示多少个社群
// description: Each community of the current analysis with the accounts of its members per
//   platform (most first) and the share of its top platform.
// param: k int(1..) = 50 -- how many communities
// columns: community_id, label, size, accounts, platform_count, platforms, accounts_per_platform, top_share
// example: kolgraph query communities_by_platform_mix

MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (c:Community {run_id: run.run_id})<-[:IN_COMMUNITY]-(:Person)-[:HAS_ACCOUNT]->(a:Account)
WITH c, a.platform AS platform, count(a) AS n
WITH c, platform, n ORDER BY n DESC, platform
WITH c, collect(platform) AS platforms, collect(n) AS counts, sum(n) AS total
RETURN c.community_id AS community_id, c.label AS label, c.size AS size,
       toInteger(total) AS accounts, size(platforms) AS platform_count, platforms,
       counts AS accounts_per_platform, toFloat(counts[0]) / total AS top_share
ORDER BY community_id
LIMIT $k
