"""Check README.md the way `mkdocs build --strict` checks docs/ (README is not part of the site).

    python tests/tools/check_readme_links.py README.md

Fails (exit status 1, one line per problem) when a relative link points to a file or folder
that does not exist, or to a heading (`#anchor`) that the target Markdown file does not have
(anchors as GitHub renders them); when README has more than 300 lines; or when its first
code block does not start with `make demo` and `make test`. Run by `make docs-check`, which
`make test` runs.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

MAX_LINES = 300
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines outside fenced code blocks."""
    out, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append((number, line))
    return out


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (github-slugger): inline markup dropped, lower case,
    punctuation removed, each space a hyphen.

    >>> github_slug("Ingest: `kolgraph ingest DIR [--mapping FILE]`")
    'ingest-kolgraph-ingest-dir---mapping-file'
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = text.replace("`", "").replace("**", "").strip().lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in " -_" or category[0] in "LNM":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file, with GitHub's -1, -2 for repeated ones."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        match = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = github_slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def check(readme: Path) -> list[str]:
    text = readme.read_text(encoding="utf-8")
    problems = []
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        problems.append(f"{readme}: {len(lines)} lines, more than {MAX_LINES}")
    first_block = re.search(r"```[a-z]*\n(.*?)```", text, re.S)
    commands = [line.split("#")[0].strip() for line in (first_block.group(1) if first_block
                                                          else "").splitlines()]
    commands = [c for c in commands if c]
    if commands[:2] != ["make demo", "make test"]:
        problems.append(f"{readme}: the first commands must be `make demo` and `make test`, "
                        f"found {commands[:2]}")
    for number, line in prose_lines(text):
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            path_part, _, anchor = target.partition("#")
            path = (readme.parent / path_part).resolve() if path_part else readme
            where = f"{readme}:{number}: {target}"
            if not path.exists():
                problems.append(f"{where}: no such file")
            elif anchor:
                if path.suffix != ".md":
                    problems.append(f"{where}: an anchor into a file that is not Markdown")
                elif anchor not in anchors(path):
                    problems.append(f"{where}: no heading with this anchor in {path.name}")
    return problems


def main(argv: list[str]) -> int:
    readme = Path(argv[1] if len(argv) > 1 else "README.md")
    problems = check(readme)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{readme}: links, length and first commands OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
