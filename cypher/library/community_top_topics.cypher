// title: Topics a community engages with
// title_zh: 社群关注的话题
// description_zh: 当前分析中某个社群的成员互动过的内容所属话题（任何互动类型），按互动次数排序。
// param_zh: community_id -- 当前分析中的社群编号
// param_zh: k -- 显示多少个话题
// description: Topics of the contents that members of one community of the current
//   analysis engaged with (any engagement type), by number of engagements.
// param: community_id int -- community number in the current analysis
// param: k int(1..) = 10 -- how many topics
// columns: topic, engagements, persons
// example: kolgraph query community_top_topics -p community_id=1

MATCH (run:Run {kind: 'analyze', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (:Community {run_id: run.run_id, community_id: $community_id})<-[:IN_COMMUNITY]-(p:Person)
MATCH (p)-[:HAS_ACCOUNT]->(:Account)-[e:ENGAGED]->(:Content)-[:ABOUT]->(t:Topic)
WITH t, toInteger(sum(e.count)) AS engagements, count(DISTINCT p) AS persons
RETURN t.name AS topic, engagements, persons
ORDER BY engagements DESC, persons DESC, topic
LIMIT $k
