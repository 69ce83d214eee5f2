"""The Playwright smoke is pinned and aimed by BASE_URL. (It is type-checked with
`npx tsc --noEmit` and run in the deploy workflow; this machine has no browser for it.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
E2E = ROOT / "e2e"


def test_dependencies_are_pinned_exactly_and_locked():
    package = json.loads((E2E / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((E2E / "package-lock.json").read_text(encoding="utf-8"))
    wanted = package["devDependencies"]
    assert "@playwright/test" in wanted
    for name, version in wanted.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}@{version} is not an exact pin"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name
    assert lock["packages"][""]["devDependencies"] == wanted


def test_config_takes_the_target_from_base_url():
    config = (E2E / "playwright.config.ts").read_text(encoding="utf-8")
    assert "process.env.BASE_URL" in config
    assert re.search(r"use:\s*\{\s*baseURL,", config)


def test_spec_checks_the_page_and_an_api_route_through_cloudfront():
    spec = (E2E / "tests" / "smoke.spec.ts").read_text(encoding="utf-8")
    titles = re.findall(r"^test\('([^']+)'", spec, re.M)
    assert titles == [
        "home page renders through CloudFront with all its assets",
        "API route answers through CloudFront",
    ]
    assert "page.goto('/'" in spec and "request.get(API_PATH)" in spec
    assert spec.count("['x-cache']") == 2
