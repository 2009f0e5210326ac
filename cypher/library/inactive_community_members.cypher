// title: Inactive members of a community
// title_zh: 社群中不活跃的成员
// description_zh: 当前分析中某个社群里，在 as_of 之前 days 天内没有任何关注、互动或内容互动（或从未有过）的成员：唤醒活动的名单。沉寂最久的在前。
// param_zh: community_id -- 当前分析中的社群编号
// param_zh: days -- 至少沉寂这么多天
// param_zh: as_of -- 衡量沉寂的时间点，Unix 秒（留空：现在）
// param_zh: k -- 显示多少人
// description: Members of one community of the current analysis with no follow,
//   interaction or engagement of their own in the last `days` days before as_of (or never):
//   the list for a re-activation campaign. Longest inactive first.
// param: community_id int -- community number in the current analysis
// param: days int(1..) = 90 -- inactive for at least this many days
// param: as_of int = null -- epoch seconds the inactivity is measured at (null: now)
// param: k int(1..) = 100 -- how many persons
// columns: person_id, display_name, last_active_at, days_inactive, kol_score
// example: kolgraph query inactive_community_members -p community_id=1 -p days=90

MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (:Community {run_id: run.run_id, community_id: $community_id})<-[:IN_COMMUNITY]-(p:Person)
OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(:Account)-[e:FOLLOWS|INTERACTED|ENGAGED]->()
WITH p, max(coalesce(e.last_at, e.since)) AS last_active_at
WITH p, last_active_at, coalesce($as_of, timestamp() / 1000) AS now
WHERE last_active_at IS NULL OR last_active_at < now - $days * 86400
RETURN p.person_id AS person_id, p.display_name AS display_name, last_active_at,
       CASE WHEN last_active_at IS NULL THEN null
            ELSE (now - last_active_at) / 86400 END AS days_inactive,
       coalesce(p.kol_score, 0.0) AS kol_score
ORDER BY coalesce(last_active_at, 0), display_name
LIMIT $k
