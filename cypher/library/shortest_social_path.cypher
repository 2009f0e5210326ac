// title: Shortest social path between two persons
// description: The fewest relationships (accounts of a person, follows, interactions, in
//   either direction, across platforms) that link two persons: the persons and accounts on
//   the way. No row when they are not linked within max_length relationships. On the
//   embedded database the search walks every path up to max_length, so its cost grows fast
//   with it: raise it step by step (8 takes about 0.6 s on the 2,000-person sample).
// param: from_person string -- where the path starts (Person.person_id)
// param: to_person string -- where it ends (Person.person_id)
// param: max_length int = 8 -- at most this many relationships (Neo4j: at most 24)
// columns: persons, person_ids, accounts, hops, path_length
// example: kolgraph query shortest_social_path -p from_person=Pc0ce909fa125e5de -p to_person=P50750aa97cd65d3c

// dialect: falkordb
// FalkorDB's shortestPath() follows one direction only; algo.SPpaths walks both.
MATCH (a:Person {person_id: $from_person}), (b:Person {person_id: $to_person})
WITH a, b WHERE a.person_id <> b.person_id
CALL algo.SPpaths({sourceNode: a, targetNode: b, relTypes: ['HAS_ACCOUNT', 'FOLLOWS', 'INTERACTED'],
                   relDirection: 'both', maxLen: $max_length})
YIELD path
WITH [n IN nodes(path) WHERE n:Person] AS people,
     [n IN nodes(path) WHERE n:Account | n.account_key] AS accounts, length(path) AS path_length
RETURN [n IN people | n.display_name] AS persons, [n IN people | n.person_id] AS person_ids,
       accounts, size(people) - 1 AS hops, path_length

// dialect: neo4j
MATCH (a:Person {person_id: $from_person}), (b:Person {person_id: $to_person})
WHERE a.person_id <> b.person_id
MATCH path = shortestPath((a)-[:HAS_ACCOUNT|FOLLOWS|INTERACTED*..24]-(b))
WITH path WHERE length(path) <= $max_length
WITH [n IN nodes(path) WHERE n:Person] AS people,
     [n IN nodes(path) WHERE n:Account | n.account_key] AS accounts, length(path) AS path_length
RETURN [n IN people | n.display_name] AS persons, [n IN people | n.person_id] AS person_ids,
       accounts, size(people) - 1 AS hops, path_length
