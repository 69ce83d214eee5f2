"""The k6 gate's thresholds are the owners' targets from perf/targets.json, and the script checks
the CloudFront cache headers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from components.cache_behaviours import NEXTJS_BEHAVIOURS
from perf.targets import TargetsError, load_targets, parse_targets

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "perf" / "k6" / "smoke.js"
TARGETS = load_targets()

_BLOCK = re.compile(r"thresholds:\s*\{(?P<body>.*?)\n\s*\},", re.S)
_ENTRY = re.compile(
    r"""^\s*['"]?(?P<metric>[\w.]+)(?:\{(?P<tags>[^}]*)\})?['"]?\s*:"""
    r"""\s*\[(?P<exprs>[^\]]*)\]"""
)
_EXPR = re.compile(
    r"^(?P<agg>p\(\d+(?:\.\d+)?\)|rate|avg|med|min|max|count)"
    r"\s*(?P<op><=|<|>=|>|==)\s*(?P<value>[\d.]+)$"
)


def parse_thresholds(source: str) -> dict[str, list[tuple[str, str, float, str]]]:
    """metric -> [(aggregation, operator, value, tag filter)] from the `thresholds` block."""
    block = _BLOCK.search(source)
    assert block, "no `thresholds: {...}` block in the k6 script"
    found: dict[str, list[tuple[str, str, float, str]]] = {}
    for line in block.group("body").splitlines():
        line = line.split("//", 1)[0]
        if not line.strip():
            continue
        entry = _ENTRY.match(line)
        assert entry, f"cannot read threshold line: {line!r}"
        for raw in re.findall(r"['\"]([^'\"]+)['\"]", entry.group("exprs")):
            expr = _EXPR.match(raw.strip())
            assert expr, f"cannot read threshold expression {raw!r}"
            found.setdefault(entry.group("metric"), []).append(
                (expr["agg"], expr["op"], float(expr["value"]), entry.group("tags") or "")
            )
    return found


@pytest.fixture(scope="module")
def thresholds():
    return parse_thresholds(SCRIPT.read_text(encoding="utf-8"))


def only(thresholds, metric, aggregation):
    matches = [t for t in thresholds.get(metric, []) if t[0] == aggregation]
    assert len(matches) == 1, f"expected one {aggregation} threshold on {metric}, got {matches}"
    return matches[0]


def test_p99_latency_threshold_is_the_target(thresholds):
    _, op, value, _ = only(thresholds, "http_req_duration", "p(99)")
    assert (op, value) == ("<", TARGETS.p99_latency_ms)


def test_error_rate_threshold_is_the_target(thresholds):
    _, op, value, _ = only(thresholds, "http_req_failed", "rate")
    assert op == "<"
    assert value == pytest.approx(TARGETS.error_rate_max)


def test_checks_may_fail_no_more_often_than_requests(thresholds):
    _, op, value, _ = only(thresholds, "checks", "rate")
    assert op == ">"
    assert value == pytest.approx(1 - TARGETS.error_rate_max)


def test_cache_hit_threshold_is_the_target(thresholds):
    _, op, value, _ = only(thresholds, "cache_hit", "rate")
    assert op == ">"
    assert value == pytest.approx(TARGETS.cache_hit_rate_min)


def test_thresholds_measure_only_the_steady_scenario(thresholds):
    source = SCRIPT.read_text(encoding="utf-8")
    assert re.search(r"scenarios:\s*\{\s*steady:", source), "no `steady` scenario"
    for metric, entries in thresholds.items():
        for _, _, _, tags in entries:
            assert tags == "scenario:steady", f"{metric} threshold not limited to the steady run"


def test_script_checks_cache_headers_and_takes_the_url_from_the_environment():
    source = SCRIPT.read_text(encoding="utf-8")
    assert "__ENV.BASE_URL" in source
    assert "headers['X-Cache']" in source
    assert "headers['Age']" in source
    assert "new Rate('cache_hit')" in source


def test_parser_sees_a_changed_threshold():
    changed = SCRIPT.read_text(encoding="utf-8").replace("p(99)<500", "p(99)<800")
    _, _, value, _ = only(parse_thresholds(changed), "http_req_duration", "p(99)")
    assert value == 800


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"p99_latency_ms": 500, "error_rate_max": 0.1}, "missing keys ['cache_hit_rate_min']"),
        (
            {"p99_latency_ms": 500, "error_rate_max": 1.5, "cache_hit_rate_min": 0.8},
            "error_rate_max=1.5: must be a fraction between 0 and 1",
        ),
        (
            {"p99_latency_ms": "500", "error_rate_max": 0.001, "cache_hit_rate_min": 0.8},
            "p99_latency_ms='500': must be a number",
        ),
        (
            {"p99_latency_ms": 500, "error_rate_max": 0.001, "cache_hit_rate_min": 0.8, "x": 1},
            "unknown keys ['x']",
        ),
    ],
)
def test_bad_targets_are_refused_naming_the_key(raw, message):
    with pytest.raises(TargetsError, match=re.escape(message)):
        parse_targets(raw)


def test_targets_file_holds_the_owners_numbers():
    raw = json.loads((ROOT / "perf" / "targets.json").read_text())
    assert raw == {"p99_latency_ms": 500, "error_rate_max": 0.001, "cache_hit_rate_min": 0.8}
    assert TARGETS.p99_latency_seconds == 0.5


def test_cache_hits_are_measured_only_on_paths_cloudfront_is_meant_to_cache():
    """`/` may be dynamic: cache_hit counts only the hashed assets and named cacheable pages."""
    source = SCRIPT.read_text(encoding="utf-8")
    assert re.findall(r"cacheHit\.add\((.*)\);", source) == ["servedFromCache(asset)"]
    assert re.search(r"const asset = http\.get\(`\$\{BASE_URL\}\$\{path\}`", source)
    assert "const path = data.cached[" in source
    assert "(__ENV.CACHED_PATHS || '')" in source, "no page is assumed cacheable by default"
    prefix = re.search(r"const STATIC_PREFIX = '([^']+)';", source).group(1)
    static = [b for b in NEXTJS_BEHAVIOURS if b.path_pattern == prefix + "*"]
    assert [b.cache for b in static] == ["static"], "the assets' behaviour must be the cached one"


def test_the_gate_refuses_to_run_without_anything_cacheable():
    source = SCRIPT.read_text(encoding="utf-8")
    assert re.search(r"if \(cached\.length === 0\) \{\s*throw new Error", source)
