#!/usr/bin/env bash
# The wheel check of `make test`: build kolgraph's wheel, install it into a fresh venv in a
# temporary folder and run the installed `kolgraph` from a folder outside the repo (the source
# tree is never on sys.path): `db schema`, `query --list` (every library query listed), a small
# `sample -> ingest -> analyze`, one library query, and the web app's templates, static files
# and OpenAPI document. Any error fails the check with the step that failed.
#
# Usage: tests/tools/wheel_check.sh [PYTHON]
#   PYTHON: the interpreter of the repo's venv (default: .venv/bin/python); it builds the wheel
#   and its installed packages are the dependencies of the fresh venv (see below).
# KOLGRAPH_WHEEL_CHECK_KEEP=1 keeps the temporary folder for a look after a failure.
#
# Dependencies: a real `pip install` of the wheel downloads torch from PyPI with its CUDA
# libraries (no local CPU wheel is configured): measured here at 6.4 minutes and a 5.3 GB venv,
# against about 25 s for this whole check -- too slow and too big for every `make test`.
# So the wheel is installed with --no-deps, and a .pth file in the fresh venv lists the repo
# venv's site-packages: the dependencies come from there, while kolgraph itself comes only from
# the wheel (a .pth path line does not run the editable install's finder, and the fresh
# site-packages comes first on sys.path) -- which the check verifies before anything else.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
python=${1:-$repo/.venv/bin/python}
[ -x "$python" ] || { echo "wheel check: error: $python not found (make install creates it)" >&2; exit 1; }
python=$(cd "$(dirname "$python")" && pwd)/$(basename "$python")

work=$(mktemp -d "${TMPDIR:-/tmp}/kgwheel.XXXXXX")   # short: the database's unix socket
venv=$work/venv
export KOLGRAPH_HOME=$work/home

cleanup() {
    if [ -x "$venv/bin/kolgraph" ]; then
        "$venv/bin/kolgraph" db stop >/dev/null 2>&1 || true
    fi
    if [ "${KOLGRAPH_WHEEL_CHECK_KEEP:-}" = 1 ]; then
        echo "wheel check: kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

step() { echo "wheel check: $*"; }
fail() { echo "wheel check: FAILED: $*" >&2; exit 1; }

# Run a step, its output in $work/out; on error show it and fail. Each command is bounded in
# time so that a hung database server fails the check instead of stalling `make test`.
run() {
    local what=$1
    shift
    if ! timeout 300 "$@" >"$work/out" 2>&1; then
        cat "$work/out" >&2
        fail "$what: $*"
    fi
}

# 1. Build from a copy of the work tree as a clean clone would have it (tracked files and
# untracked ones git does not ignore, edits included): the build never writes build/ or
# *.egg-info into the repo, and never packs stale files left in an old build/ folder.
step "building the wheel"
mkdir -p "$work/src" "$work/dist" "$work/run"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf -) | tar -xf - -C "$work/src"
run "pip wheel" "$python" -m pip wheel -q --no-deps -w "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/kolgraph-*.whl)

# 2. A fresh venv holding the wheel; dependencies through the .pth file (see the top).
step "installing $(basename "$wheel") into a fresh venv"
run "venv" "$python" -m venv --without-pip "$venv"
run "pip install" "$python" -m pip --python "$venv/bin/python" install -q --no-deps \
    --no-index "$wheel"
deps=$("$python" -c "import sysconfig; p = sysconfig.get_paths()
print(p['purelib']); print(p['platlib']) if p['platlib'] != p['purelib'] else None")
fresh=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
printf '%s\n' "$deps" >"$fresh/_kolgraph_wheel_check_deps.pth"

# Everything below runs outside the repo, with nothing of the environment pointing into it.
cd "$work/run"
unset PYTHONPATH PYTHONHOME KOLGRAPH_CONFIG KOLGRAPH_GRAPH NEO4J_URI NEO4J_USERNAME \
    NEO4J_PASSWORD NEO4J_DATABASE
export PYTHONNOUSERSITE=1 KOLGRAPH_BACKEND=embedded KOLGRAPH_PII_SALT=wheel-check-salt-0123 \
    KOLGRAPH_SECRET_KEY=wheel-check
export PATH=$venv/bin:$PATH

step "kolgraph's packages come from the wheel"
run "import location" "$venv/bin/python" -c "
import sys
for name in ('graph', 'gnn', 'web', 'cypher'):
    module = __import__(name)
    where = module.__file__ or ''
    print(name, where)
    if not where.startswith(sys.argv[1] + '/'):
        sys.exit(f'{name} imported from {where}, not from the fresh venv {sys.argv[1]}')
" "$fresh"

step "kolgraph db schema"
run "db schema" kolgraph db schema
grep -q "schema applied" "$work/out" || { cat "$work/out" >&2; fail "db schema printed no 'schema applied'"; }

step "kolgraph query --list"
run "query --list" kolgraph query --list --format json
"$venv/bin/python" - "$work/out" "$repo/cypher/library" <<'EOF' || fail "query --list"
import json, pathlib, sys
listed = {row["name"] for row in json.loads(pathlib.Path(sys.argv[1]).read_text("utf-8"))}
expected = {p.stem for p in pathlib.Path(sys.argv[2]).glob("*.cypher")}
if not expected or listed != expected:
    sys.exit(f"kolgraph query --list: listed {len(listed)} queries, the repo has "
             f"{len(expected)}; missing: {sorted(expected - listed)}, extra: "
             f"{sorted(listed - expected)}")
print(f"{len(listed)} library queries listed")
EOF

step "kolgraph sample -> ingest -> analyze"
run "sample" kolgraph sample --out "$work/input" --persons 1000
run "ingest" kolgraph ingest "$work/input"
run "analyze" kolgraph analyze

step "kolgraph query top_kols"
run "query top_kols" kolgraph query top_kols -p k=3 --format json
"$venv/bin/python" -c "
import json, sys
rows = json.load(open(sys.argv[1], encoding='utf-8'))
sys.exit(None if len(rows) == 3 else f'top_kols returned {len(rows)} rows, not 3')
" "$work/out" || fail "query top_kols"

step "web app: templates, static files, OpenAPI document"
run "web app" "$venv/bin/python" -c "
from web.api import openapi_document
from web.app import create_app

app = create_app(cookie_secure=False)
client = app.test_client()
login = client.get('/login')
assert login.status_code == 200 and b'<form' in login.data, login.status_code
css = client.get('/static/css/app.css')
assert css.status_code == 200 and css.data, css.status_code
css.close()
assert openapi_document()['paths'], 'empty OpenAPI document'
app.extensions['kolgraph'].store.close()
"

step "passed"
