// title: Fast-growing persons
// title_zh: 粉丝增长最快的人
// description_zh: 在 as_of 之前的最近 days 天内新增粉丝的人：粉丝首次关注此人任一账号的时间落在窗口内即算新增。graph_followers 为图中关注者人数（所有平台）。
// param_zh: days -- 窗口长度（天）
// param_zh: as_of -- 窗口结束时间，Unix 秒（留空：现在）
// param_zh: k -- 显示多少人
// description: Persons who gained followers in the last `days` days before as_of: a
//   follower is new when their first follow of any of the person's accounts is in the window.
//   graph_followers counts the following persons in the graph (all platforms).
// param: days int(1..) = 30 -- length of the window in days
// param: as_of int = null -- end of the window, epoch seconds (null: now)
// param: k int(1..) = 20 -- how many persons
// columns: person_id, display_name, new_followers, graph_followers, growth, followers_total
// example: kolgraph query fast_growing_persons -p days=30 -p as_of=1767225600

WITH coalesce($as_of, timestamp() / 1000) - $days * 86400 AS since
MATCH (p:Person)-[:HAS_ACCOUNT]->(:Account)<-[f:FOLLOWS]-(:Account)<-[:HAS_ACCOUNT]-(q:Person)
WHERE q.person_id <> p.person_id
WITH p, since, q, min(f.since) AS first_follow
WITH p, count(q) AS graph_followers,
     toInteger(sum(CASE WHEN first_follow >= since THEN 1 ELSE 0 END)) AS new_followers
WHERE new_followers > 0
RETURN p.person_id AS person_id, p.display_name AS display_name, new_followers, graph_followers,
       toFloat(new_followers) / graph_followers AS growth, p.followers_total AS followers_total
ORDER BY new_followers DESC, growth DESC, display_name
LIMIT $k
