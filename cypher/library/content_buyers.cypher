// title: Buyers of a content
// title_zh: 某内容的购买者
// description_zh: 谁购买了某个内容（content_key 为 平台:内容ID）、何时（Unix 秒，最近一次购买）、金额多少，以及他们在当前分析中的社群。
// param_zh: content_key -- 内容，例如 zhihu:c1
// param_zh: k -- 显示多少位购买者
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
