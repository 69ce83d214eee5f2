"""The Lighthouse gate: 90+ in performance, accessibility, best practices and SEO on each key
page of staging, in Debian's Chromium, with Lighthouse CI pinned and its reports kept."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from foundation.app_contract import NEXTJS_HEALTH_PATH_DEFAULT

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


@pytest.fixture(scope="module")
def job():
    deploy = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    (found,) = [
        job
        for job in deploy["jobs"].values()
        if any("lhci autorun" in step.get("run", "") for step in job.get("steps", []))
    ]
    return found


def test_every_category_must_score_90_on_the_median_run():
    """Pages (HTML) in all four categories; endpoints (JSON route handlers under /api/) in
    performance and best practices; each an error at 0.9 on the median run."""
    config = json.loads((LIGHTHOUSE / "lighthouserc.json").read_text())["ci"]
    pages_entry, endpoints_entry = config["assert"]["assertMatrix"]
    for entry, categories in (
        (pages_entry, CATEGORIES),
        (endpoints_entry, ("performance", "best-practices")),
    ):
        assert set(entry["assertions"]) == {f"categories:{c}" for c in categories}
        for category in categories:
            level, options = entry["assertions"][f"categories:{category}"]
            assert level == "error", f"{category} only warns"
            assert options["minScore"] >= 0.9
            assert options["aggregationMethod"] == "median-run"
    assert config["collect"]["numberOfRuns"] >= 3
    assert config["collect"]["chromePath"] == "/usr/bin/chromium"  # Debian's package
    assert config["upload"] == {"target": "filesystem", "outputDir": ".lighthouseci/reports"}


def test_each_known_url_is_judged_home_page_and_the_web_tiers_health_route():
    listed = json.loads((LIGHTHOUSE / "pages.json").read_text())
    assert "/" in listed["pages"]
    assert NEXTJS_HEALTH_PATH_DEFAULT in listed["endpoints"]


def test_lighthouse_ci_is_pinned_exactly_and_locked():
    package = json.loads((LIGHTHOUSE / "package.json").read_text())
    lock = json.loads((LIGHTHOUSE / "package-lock.json").read_text())
    assert package["devDependencies"] == {"@lhci/cli": "0.14.0"}
    assert lock["packages"]["node_modules/@lhci/cli"]["version"] == "0.14.0"
    assert lock["packages"][""]["devDependencies"] == package["devDependencies"]


def test_the_job_uses_debians_chromium_and_keeps_the_reports(job):
    assert re.fullmatch(r"debian:[a-z]+-slim@sha256:[0-9a-f]{64}", job["container"]["image"])
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert re.search(r"apt-get install --yes --no-install-recommends .*\bchromium\b", runs)
    assert "npm ci" in runs and "npx --no-install lhci autorun" in runs
    (upload,) = [s for s in job["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["if"] == "always()", "reports are kept when the gate fails too"
    assert upload["with"]["path"] == "lighthouse/.lighthouseci"
    assert upload["with"]["retention-days"] >= 30


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (the CI job has it)")
@pytest.mark.parametrize(
    ("base_url", "code", "out"),
    [
        (
            "https://staging.example.com/",
            0,
            "https://staging.example.com/\nhttps://staging.example.com/api/health\n",
        ),
        ("staging.example.com", 2, ""),
        ("", 2, ""),
    ],
)
def test_key_pages_become_urls_on_the_base_url(base_url, code, out):
    done = subprocess.run(
        [str(shutil.which("node")), "urls.mjs"],
        cwd=LIGHTHOUSE,
        env={"BASE_URL": base_url},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (code, out)
    pages = json.loads((LIGHTHOUSE / "pages.json").read_text())["pages"]
    assert "/" in pages
