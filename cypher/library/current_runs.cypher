// title: Which runs the other queries read
// title_zh: 其他查询读取的是哪次运行
// description_zh: 按运行类型（导入、分析、刷新、训练）：当前运行（最近一次完成的，所有库查询都读它）、已完成次数、正在运行的次数（完成前不可见）。
// description: Per run kind (ingest, analyze, refresh, train): the current run (latest
//   complete, the one every library query reads), how many runs completed, how many are
//   running now (invisible until complete).
// columns: kind, run_id, finished_at, complete_runs, running
// example: kolgraph query current_runs

MATCH (r:Run)
WHERE r.status = 'complete'
WITH r ORDER BY r.finished_at DESC, r.run_id DESC
WITH r.kind AS kind, collect(r.run_id) AS ids, collect(r.finished_at) AS finished,
     count(r) AS complete_runs
OPTIONAL MATCH (x:Run {kind: kind, status: 'running'})
RETURN kind, ids[0] AS run_id, finished[0] AS finished_at, complete_runs, count(x) AS running
ORDER BY kind
