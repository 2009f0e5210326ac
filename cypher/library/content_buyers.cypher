// title: Buyers of a content
// description: Who purchased one content (its content_key is platform:content_id), when
//   (epoch seconds, last purchase), how much, and their community in the current analysis.
// param: content_key string -- the content, e.g. zhihu:c1
// param: k int(1..) = 100 -- how many buyers
// columns: person_id, display_name, account_key, purchased_at, amount, community_id
// example: kolgraph query content_buyers -p content_key=zhihu:c1

MATCH (:Content {content_key: $content_key})<-[e:ENGAGED {type: 'purchase'}]-(a:Account)<-[:HAS_ACCOUNT]-(p:Person)
RETURN p.person_id AS person_id, p.display_name AS display_name, a.account_key AS account_key,
       e.last_at AS purchased_at, e.amount AS amount, p.community_id AS community_id
ORDER BY purchased_at, display_name
LIMIT $k
