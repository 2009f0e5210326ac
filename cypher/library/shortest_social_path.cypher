// title: Shortest social path between two persons
// title_zh: 两人之间的最短社交路径
// description_zh: 连接两个人的最少关系（本人的账号、关注、互动，任一方向，可跨平台）：路径上的人和账号（依次列出每个账号的主人；跳数 = 人数 - 1）。在 max_length 步内不相连则没有结果。查询依次以 max_length 1、2……运行，找到路径即停止；长度超过 6 时，相距很远或不相连的两人可能要几十秒。
// param_zh: from_person -- 路径起点（Person.person_id）
// param_zh: to_person -- 路径终点（Person.person_id）
// param_zh: max_length -- 最多这么多条关系（Neo4j：最多 24）
// description: The fewest relationships (accounts of a person, follows, interactions, in
//   either direction, across platforms) that link two persons: the persons and accounts on
//   the way (the owner of every account on the path, in order; hops = persons - 1). No row
//   when they are not linked within max_length relationships. The search runs with
//   max_length 1, 2, ... and stops at the first length with a path. On the embedded
//   database each run walks all paths up to its bound and checks the timeout only now and
//   then: beyond 6, two persons far apart or not linked can take tens of seconds.
// param: from_person string -- where the path starts (Person.person_id)
// param: to_person string -- where it ends (Person.person_id)
// param: max_length int(1..24) = 6 -- at most this many relationships (Neo4j: at most 24)
// columns: persons, person_ids, accounts, hops, path_length
// deepen: max_length
// example: kolgraph query shortest_social_path -p from_person=Pc0ce909fa125e5de -p to_person=P50750aa97cd65d3c

// dialect: falkordb
// FalkorDB's shortestPath() follows one direction only; algo.SPpaths walks both.
MATCH (a:Person {person_id: $from_person}), (b:Person {person_id: $to_person})
WITH a, b WHERE a.person_id <> b.person_id
CALL algo.SPpaths({sourceNode: a, targetNode: b, relTypes: ['HAS_ACCOUNT', 'FOLLOWS', 'INTERACTED'],
                   relDirection: 'both', maxLen: $max_length})
YIELD path
WITH [n IN nodes(path) WHERE n:Account] AS accs, length(path) AS path_length
UNWIND range(0, size(accs) - 1) AS i
WITH accs[i] AS acc, i, path_length
MATCH (owner:Person)-[:HAS_ACCOUNT]->(acc)
WITH owner, acc, i, path_length ORDER BY i
WITH path_length, collect(owner.person_id) AS ids, collect(owner.display_name) AS names,
     collect(acc.account_key) AS accounts
WITH path_length, accounts, ids, names,
     [j IN range(0, size(ids) - 1) WHERE j = 0 OR ids[j] <> ids[j - 1]] AS firsts
RETURN [j IN firsts | names[j]] AS persons, [j IN firsts | ids[j]] AS person_ids, accounts,
       size(firsts) - 1 AS hops, path_length

// dialect: neo4j
MATCH (a:Person {person_id: $from_person}), (b:Person {person_id: $to_person})
WHERE a.person_id <> b.person_id
MATCH path = shortestPath((a)-[:HAS_ACCOUNT|FOLLOWS|INTERACTED*..24]-(b))
WITH path WHERE length(path) <= $max_length
WITH [n IN nodes(path) WHERE n:Account] AS accs, length(path) AS path_length
UNWIND range(0, size(accs) - 1) AS i
WITH accs[i] AS acc, i, path_length
MATCH (owner:Person)-[:HAS_ACCOUNT]->(acc)
WITH owner, acc, i, path_length ORDER BY i
WITH path_length, collect(owner.person_id) AS ids, collect(owner.display_name) AS names,
     collect(acc.account_key) AS accounts
WITH path_length, accounts, ids, names,
     [j IN range(0, size(ids) - 1) WHERE j = 0 OR ids[j] <> ids[j - 1]] AS firsts
RETURN [j IN firsts | names[j]] AS persons, [j IN firsts | ids[j]] AS person_ids, accounts,
       size(firsts) - 1 AS hops, path_length
