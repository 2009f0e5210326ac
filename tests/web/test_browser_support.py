"""When the browser tests skip and when they fail (tests/web/browser_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.browser_support import browser_required, require_browser


@pytest.mark.parametrize(("env", "required"), [
    ({}, False),
    ({"CI": ""}, False),
    ({"CI": "false"}, False),
    ({"CI": "true"}, True),
    ({"KOLGRAPH_REQUIRE_BROWSER": "1"}, True),
    ({"KOLGRAPH_REQUIRE_BROWSER": "0", "CI": "1"}, True),
    ({"KOLGRAPH_REQUIRE_BROWSER": "0"}, False),
])
def test_browser_required(env, required):
    assert browser_required(env) is required


def test_missing_browser_skips_with_the_reason(tmp_path: Path):
    with pytest.raises(pytest.skip.Exception, match="chromium-not-here is missing"):
        require_browser({}, tmp_path / "chromium-not-here")


def test_missing_browser_fails_when_required(tmp_path: Path):
    with pytest.raises(pytest.fail.Exception, match="required .* but .*chromium-not-here"):
        require_browser({"CI": "true"}, tmp_path / "chromium-not-here")


def test_present_browser_runs(tmp_path: Path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    assert require_browser({"CI": "true"}, fake) is None
