"""The web UI in 简体中文 and English (issue 19, item 1), on the loaded sample of conftest.py.

The catalogue tests extract the messages of ``web/`` with Babel's Python API and the mapping of
``babel.cfg`` (what ``make translations`` runs), so a new ``_()`` string without a Chinese
translation, or a ``.mo`` not compiled after its ``.po`` changed, fails here. Template text
left outside ``_()`` is found twice: in the template sources, and on the pages rendered in
Chinese (headings, table headers, labels, buttons, links, titles), with an allow-list of
technical terms.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import gettext
import io
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from graph.config import load_settings
from kolgraph.usecases.users import UserError, UserStore
from tests.web.conftest import csrf_token, log_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
LOCALES = ("zh_Hans", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
#: English words a Chinese page may show: product and technical terms, query-language words
ALLOWED = {"kolgraph", "KOL", "KOLs", "PageRank", "GraphSAGE", "Cypher", "CSV", "API", "ID",
           "RIS", "IMM", "CELF", "Excel", "webhook", "AUC", "NDCG", "MRR", "Hits", "recall",
           "precision", "Jaccard", "CSRF", "R_div", "R_par",
           "Cookie", "Secure", "https", "http", "NUL", "KOLGRAPH_COOKIE_SECURE", "JSON",
           "MATCH", "RETURN", "ORDER", "BY", "DESC", "LIMIT", "Person", "display_name",
           "kol_score", "add", "remove", "role", "English", "AI", "Asia", "Shanghai", "UTC",
           "ndcg", "mrr", "val", "split", "task"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.update(message if isinstance(message, tuple) else (message,))
    return {m for m in found if m}


def _catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


# ------------------------------------------------------------------------- catalogues
def test_every_message_of_templates_and_python_has_a_chinese_translation():
    messages = _extracted()
    assert len(messages) > 150, "the extraction found too few messages: babel.cfg broken?"
    catalog = _catalog("zh_Hans")
    untranslated = sorted(m for m in messages
                          if catalog.get(m) is None or not catalog.get(m).string
                          or catalog.get(m).fuzzy)
    assert not untranslated, ("messages without a Chinese translation (make translations, "
                              f"then translate them in web/translations/zh_Hans): {untranslated}")
    english = _catalog("en")
    assert not sorted(m for m in messages if english.get(m) is None), \
        "the English catalogue lacks messages: make translations"


def test_no_gettext_call_inside_an_f_string():
    """pybabel reads no call inside an f-string: its message would never reach the
    catalogue (and an update would drop it), so the page would show it in English."""
    names = {"_", "_l", "gettext", "lazy_gettext", "ngettext"}
    hidden = []
    for path in sorted((ROOT / "web").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                hidden += [f"{path.relative_to(ROOT)}:{call.lineno}" for call in ast.walk(node)
                           if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                           and call.func.id in names]
    assert not hidden, f"gettext inside f-strings (move the call out): {hidden}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_its_po(locale):
    """The committed .mo (what the app and the wheel read) holds what the .po says."""
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    fresh = io.BytesIO()
    write_mo(fresh, _catalog(locale))
    fresh.seek(0)
    with (folder / "messages.mo").open("rb") as fh:
        committed = gettext.GNUTranslations(fh)
    assert committed._catalog == gettext.GNUTranslations(fresh)._catalog, \
        f"{folder}/messages.mo is out of date: make translations"


class _TemplateText(HTMLParser):
    """Text and user-visible attributes of a template with its Jinja parts removed."""

    ATTRS = {"title", "placeholder", "aria-label", "data-confirm", "alt"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "textarea"):
            self._skip += 1
        self.texts.extend(v for k, v in attrs if k in self.ATTRS and v)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "textarea"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def _english_words(texts: list[str], data: frozenset[str] = frozenset()) -> set[str]:
    """Words of Latin letters in ``texts`` that are neither allowed terms nor ``data``."""
    words = set()
    for text in texts:
        for word in re.findall(r"[A-Za-z][A-Za-z_]{2,}", text):
            if word not in ALLOWED and word not in data:
                words.add(word)
    return words


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "web" / "templates")
                                            .glob("*.html")))
def test_no_template_text_outside_gettext(template):
    source = (ROOT / "web" / "templates" / template).read_text(encoding="utf-8")
    stripped = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
    parser = _TemplateText()
    parser.feed(stripped)
    assert not _english_words(parser.texts), f"{template}: text outside _()"


class _Chrome(HTMLParser):
    """The texts of a rendered page that come from templates, not data: title, headings,
    table headers, labels, buttons, links of the navigation, and the user-visible attributes.
    Data inside them (person names, ``<small>``/``<code>``, ``class="kg-data"``: the query
    library's own titles) is left out."""

    TAGS = {"title", "h1", "h2", "h3", "th", "label", "button", "summary", "nav", "option"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.stack: list[str] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in ("small", "code", "select") or attrs.get("class") in ("person-name",
                                                                         "kg-data"):
            self.stack.append("#data")
        elif tag not in ("input", "br", "meta", "link"):
            self.stack.append(tag)
        for name in ("title", "aria-label", "data-confirm"):
            if attrs.get(name) and attrs.get("class") != "kg-data":
                self.texts.append(attrs[name])

    def handle_endtag(self, tag):
        while self.stack:
            top = self.stack.pop()
            if top == tag or (top == "#data" and tag in ("small", "code", "select", "a",
                                                         "span")):
                break

    def handle_data(self, data):
        if "#data" in self.stack or "option" in self.stack:
            return
        if any(t in self.TAGS for t in self.stack):
            self.texts.append(data)


def _chrome(html: str) -> _Chrome:
    parser = _Chrome()
    parser.feed(html)
    return parser


def _chinese(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    return client


def _pages(web_sample) -> list[tuple[str, str]]:
    return [("viewer", "/"), ("viewer", "/communities"),
            ("viewer", f"/communities/{web_sample.community_id}"),
            ("viewer", "/influencers?sort=reach"),
            ("viewer", f"/persons/{web_sample.top_person_id}"),
            ("viewer", "/runs"), ("viewer", "/search?q=zz"), ("viewer", "/influencers/seeds?k=3"),
            ("viewer", "/preferences"), ("analyst", "/console"), ("admin", "/admin/"),
            ("viewer", "/persons/no-such-person"), (None, "/login")]


def test_rendered_pages_in_chinese_show_no_english_chrome(client_as, web_sample):
    user_names = frozenset(web_sample.users.values())  # in the admin page's confirmations
    clients = {}
    for role, path in _pages(web_sample):
        client = clients.get(role) or clients.setdefault(role, _chinese(client_as(role)))
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        page = _chrome(response.get_data(as_text=True))
        assert page.lang == "zh-Hans", path
        left = _english_words(page.texts, user_names)
        assert not left, (path, left)
        assert any(CJK.search(t) for t in page.texts), path


def test_the_same_page_follows_each_request_language(client_as, web_sample):
    """Pages are cached per URL and run: the language and time zone are part of the key."""
    client = client_as("viewer")
    english = client.get("/communities").get_data(as_text=True)
    chinese = client.get("/communities",
                         headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "<h1>Communities" in english
    assert '<html lang="zh-Hans">' in chinese and "<h1>社群" in chinese


# ------------------------------------------------------------- choosing the language
@pytest.mark.parametrize("header, lang, text", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans", "登录"), ("zh-TW", "zh-Hans", "登录"),
    ("en-US,en;q=0.9", "en", "Log in"), ("", "zh-Hans", "登录"), ("fr-FR", "zh-Hans", "登录")])
def test_accept_language_is_the_default(web_app, header, lang, text):
    html = web_app.test_client().get("/login", headers={"Accept-Language": header}) \
        .get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and f"<h1>{text}</h1>" in html


@pytest.fixture
def fresh_user(web_sample):
    users = UserStore.for_home(web_sample.home)
    users.add("i18n_user", "viewer", "i18n-Passw0rd!")
    yield "i18n_user", "i18n-Passw0rd!"
    users.remove("i18n_user")


def test_language_switch_is_kept_in_the_profile(web_app, web_sample, fresh_user):
    name, password = fresh_user
    client = web_app.test_client()
    log_in(client, name, password)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    switched = client.post("/language", data={"language": "zh_Hans", "next": "/runs",
                                              "csrf_token": csrf_token(client, "/")})
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/runs")
    assert UserStore.for_home(web_sample.home).get(name).language == "zh_Hans"
    # a new browser (new session), still asking for English: the profile wins
    other = web_app.test_client()
    log_in(other, name, password)
    html = other.get("/runs").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and "<h1>运行记录</h1>" in html
    refused = other.post("/language", data={"language": "fr", "csrf_token":
                                            csrf_token(other, "/")})
    assert refused.status_code == 400 and "language" in refused.get_data(as_text=True)


def test_time_zone_preference_shows_times_in_it(web_app, web_sample, fresh_user):
    name, password = fresh_user
    client = web_app.test_client()
    log_in(client, name, password)
    started = web_sample.store.read(
        "MATCH (r:Run) WHERE r.status = 'complete' RETURN r.started_at AS s "
        "ORDER BY r.started_at DESC LIMIT 1").rows[0]["s"]
    utc = dt.datetime.fromisoformat(started.replace("Z", "+00:00"))
    shanghai = (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert shanghai in client.get("/runs").get_data(as_text=True)
    saved = client.post("/preferences", data={"timezone": "UTC", "language": "en",
                                              "csrf_token": csrf_token(client, "/preferences")})
    assert saved.status_code == 303
    html = client.get("/runs").get_data(as_text=True)
    assert utc.strftime("%Y-%m-%d %H:%M") in html
    bad = client.post("/preferences", data={"timezone": "Mars/Olympus",
                                            "csrf_token": csrf_token(client, "/preferences")})
    assert bad.status_code == 400 and "timezone" in bad.get_data(as_text=True)


def test_profile_columns_added_to_an_older_users_file(tmp_path):
    path = tmp_path / "users.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, "
                   "password_hash TEXT NOT NULL, created_at TEXT NOT NULL)")
        db.execute("INSERT INTO users VALUES ('old', 'viewer', 'x', '2026-01-01T00:00:00Z')")
    users = UserStore(path)
    assert users.get("old").language is None
    users.set_preferences("old", language="en", timezone="Europe/Berlin")
    assert (users.get("old").language, users.get("old").timezone) == ("en", "Europe/Berlin")
    with pytest.raises(UserError) as error:
        users.set_preferences("old", timezone="Nowhere/Else")
    assert error.value.param == "timezone"


# ------------------------------------------------------------------ formats and names
def test_numbers_in_the_locale_style(web_app):
    from web.i18n import compact, num

    with web_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        web_app.preprocess_request()
        assert (compact(12_345), compact(340_000_000), compact(9_999)) == \
            ("1.2万", "3.4亿", "9,999")
        assert num(1234567) == "1,234,567"
    with web_app.test_request_context(headers={"Accept-Language": "en"}):
        web_app.preprocess_request()
        assert (compact(12_345), compact(1_234_567)) == ("12.3K", "1.2M")


def test_platform_and_topic_display_names_on_pages_and_in_filters(client_as, web_sample):
    client = _chinese(client_as("viewer"))
    overview = client.get("/").get_data(as_text=True)
    assert "得到" in overview and "喜马拉雅" in overview and ">dedao<" not in overview
    by_code = client.get("/api/v1/influencers?topic=parenting").get_json()
    for typed in ("育儿", "Parenting", " PARENTING "):
        assert client.get("/api/v1/influencers", query_string={"topic": typed}).get_json() \
            == by_code, typed
    page = client.get("/influencers", query_string={"topic": "育儿", "platform": "知乎"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<option value="parenting" selected>育儿</option>' in html
    assert '<option value="zhihu" selected>知乎</option>' in html
    wrong = client.get("/api/v1/influencers", query_string={"topic": "烹饪"})
    body = wrong.get_json()
    assert wrong.status_code == 400 and body["parameter"] == "topic"
    assert "育儿 (parenting)" in body["message"] and body["message"].startswith("参数 topic")


def test_a_company_file_overrides_and_adds_display_names(web_sample, tmp_path):
    from web.app import create_app

    own = tmp_path / "names.toml"
    own.write_text('[platforms]\ndedao = { zh = "得到App" }\nkeep = { zh = "Keep", en = "Keep" }\n'
                   '[topics]\nparenting = { en = "Kids" }\n', encoding="utf-8")
    settings = load_settings(env={"KOLGRAPH_HOME": str(web_sample.home),
                                  "KOLGRAPH_SECRET_KEY": "web-test-secret",
                                  "KOLGRAPH_DISPLAY_NAMES": str(own)})
    assert settings.display_names == str(own)
    app = create_app(settings, web_sample.store, cookie_secure=False)
    client = app.test_client()
    log_in(client, web_sample.users["viewer"], web_sample.passwords["viewer"])
    html = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "得到App" in html and "喜马拉雅" in html
    english = client.get("/influencers?topic=Kids", headers={"Accept-Language": "en"})
    assert english.status_code == 200 and ">Kids</option>" in english.get_data(as_text=True)


def test_csv_export_has_a_bom_and_chinese_names(client_as):
    response = client_as("viewer").get("/influencers.csv")
    raw = response.get_data()
    assert raw[:3] == b"\xef\xbb\xbf"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and "display_name" in rows[0]
    assert any(CJK.search(r["display_name"] or "") for r in rows)


def test_api_errors_in_the_users_language(client_as):
    client = _chinese(client_as("viewer"))
    body = client.get("/api/v1/influencers?page=0").get_json()
    assert body["error"] == "请求有误" and body["parameter"] == "page"
    assert body["message"] == "参数 page：应在 1..100000 之间，收到 0"
    missing = client.get("/persons/no-such-person")
    assert missing.status_code == 404 and "未找到" in missing.get_data(as_text=True)
    english = client_as("viewer").get("/api/v1/influencers?page=0").get_json()
    assert english["message"] == "parameter page: must be in 1..100000, got 0"
