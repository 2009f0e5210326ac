// title: Recommendations for a person, with their reasons
// title_zh: 给某人的推荐及理由
// description_zh: 当前刷新（最近一次完成的刷新运行）推荐给某人的人和内容：按类型和名次，附分数和理由。
// param_zh: person_id -- 此人（Person.person_id）
// param_zh: kind -- people（人）或 content（内容）（留空：两者）
// param_zh: k -- 显示多少行
// description: The people and contents recommended to one person by the current refresh
//   (the latest complete refresh run), by kind and rank, with score and reason.
// param: person_id string -- the person (Person.person_id)
// param: kind string = null -- people or content (null: both)
// param: k int(1..) = 20 -- how many rows
// columns: kind, rank, target_id, name, score, reason
// example: kolgraph query recommendations_for_person -p person_id=Pc0ce909fa125e5de -p kind=people

MATCH (run:Run {kind: 'refresh', status: 'complete'})
WITH run ORDER BY run.finished_at DESC, run.run_id DESC LIMIT 1
MATCH (:Person {person_id: $person_id})-[r:RECOMMENDED]->(t)
WHERE r.run_id = run.run_id AND ($kind IS NULL OR r.kind = $kind)
RETURN r.kind AS kind, r.rank AS rank, coalesce(t.person_id, t.content_key) AS target_id,
       coalesce(t.display_name, t.title) AS name, r.score AS score, r.reason AS reason
ORDER BY kind, rank
LIMIT $k
