// title: Find persons by name
// title_zh: 按名字找人
// description_zh: 名字或某个账号名包含该文字（不分大小写）的人，以及匹配到的账号；KOL 分高的在前。其他查询需要的 person_id 就从这里找。
// param_zh: name_contains -- 名字的一部分，例如 王 或 B站
// param_zh: k -- 显示多少人
// description: Persons whose name or one of whose account names contains the text (case
//   does not matter), with the accounts that matched; best KOL score first. The way to
//   find the person_id that other queries take.
// param: name_contains string -- part of a display name, e.g. 王 or B站
// param: k int(1..) = 20 -- how many persons
// columns: person_id, display_name, platform_count, matched_accounts, kol_score
// example: kolgraph query find_persons -p name_contains=王

MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)
WHERE toLower(a.display_name) CONTAINS toLower($name_contains)
   OR toLower(p.display_name) CONTAINS toLower($name_contains)
WITH p, a ORDER BY a.account_key
WITH p, collect(a.account_key) AS matched_accounts
RETURN p.person_id AS person_id, p.display_name AS display_name, p.platforms AS platform_count,
       matched_accounts, coalesce(p.kol_score, 0.0) AS kol_score
ORDER BY kol_score DESC, display_name
LIMIT $k
