// title: Persons on several platforms, and where each is most active
// title_zh: 多平台用户及其最活跃的平台
// description_zh: 在至少 min_platforms 个平台有账号的人。各平台活跃度 = 此人在该平台账号发出的关注 + 互动次数 + 内容互动次数；平台按活跃度从高到低列出。
// param_zh: min_platforms -- 至少这么多个不同平台
// param_zh: k -- 显示多少人
// description: Persons with accounts on at least min_platforms platforms. Activity per
//   platform = follows + interactions (their counts) + engagements (their counts) made by the
//   person's accounts there; platforms are listed most active first.
// param: min_platforms int(1..) = 2 -- at least this many distinct platforms
// param: k int(1..) = 50 -- how many persons
// columns: person_id, display_name, platform_count, platforms, activity_per_platform, most_active_platform, total_activity
// example: kolgraph query multi_platform_persons -p min_platforms=3

MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)
WITH p, count(DISTINCT a.platform) AS platform_count
WHERE platform_count >= $min_platforms
MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
OPTIONAL MATCH (a)-[r:FOLLOWS|INTERACTED|ENGAGED]->()
WITH p, platform_count, a.platform AS platform,
     toInteger(sum(CASE WHEN r IS NULL THEN 0 ELSE coalesce(r.count, 1) END)) AS activity
WITH p, platform_count, platform, activity ORDER BY activity DESC, platform
WITH p, platform_count, collect(platform) AS platforms, collect(activity) AS activities,
     toInteger(sum(activity)) AS total_activity
RETURN p.person_id AS person_id, p.display_name AS display_name, platform_count, platforms,
       activities AS activity_per_platform, platforms[0] AS most_active_platform, total_activity
ORDER BY platform_count DESC, total_activity DESC, display_name
LIMIT $k
