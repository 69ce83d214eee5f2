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
        ({"p99_latency_ms": 500, "error_rate_max": 0.1}, "missing keys ['cache_hit_rate_min'"),
        (
            {
                "p99_latency_ms": 500,
                "error_rate_max": 0.001,
                "cache_hit_rate_min": 0.8,
                "min_requests_per_run": 0,
            },
            "min_requests_per_run=0: must be a whole number of requests >= 1",
        ),
        (
            {"p99_latency_ms": 500, "error_rate_max": 1.5, "cache_hit_rate_min": 0.8},
            "error_rate_max=1.5: must be a fraction between 0 and 1",
        ),
        (
            {"p99_latency_ms": "500", "error_rate_max": 0.001, "cache_hit_rate_min": 0.8},
            "p99_latency_ms='500': must be a number",
        ),
        (
            {
                "p99_latency_ms": 500,
                "error_rate_max": 0.001,
                "cache_hit_rate_min": 0.8,
                "min_requests_per_run": 1,
                "x": 1,
            },
            "unknown keys ['x']",
        ),
    ],
)
def test_bad_targets_are_refused_naming_the_key(raw, message):
    with pytest.raises(TargetsError, match=re.escape(message)):
        parse_targets(raw)


def test_targets_file_holds_the_owners_numbers():
    raw = json.loads((ROOT / "perf" / "targets.json").read_text())
    owners = {"p99_latency_ms": 500, "error_rate_max": 0.001, "cache_hit_rate_min": 0.8}
    assert {k: raw[k] for k in owners} == owners
    assert TARGETS.p99_latency_seconds == 0.5


def test_the_minimum_sample_count_is_reachable_and_is_the_scripts_threshold(thresholds):
    """Property: a run that measured fewer requests than the minimum fails, and a full run of the
    committed scenario (RATE a second for DURATION, three requests each) can reach it."""
    source = SCRIPT.read_text(encoding="utf-8")
    rate = int(re.search(r"^const RATE = (\d+);", source, re.M).group(1))
    seconds = int(re.search(r"^const DURATION_SECONDS = (\d+);", source, re.M).group(1))
    per_iteration = len(re.findall(r"http\.get\(", source.split("export default function", 1)[1]))
    assert only(thresholds, "http_reqs", "count")[1:3] == (">=", TARGETS.min_requests_per_run)
    assert 0 < TARGETS.min_requests_per_run <= rate * seconds * per_iteration


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


# --- the scenario guard, run in Node with k6's modules stubbed --------------------------------
# No k6 binary is installable from the registries this project uses; the guard is plain
# JavaScript, so Node runs the script's own setup() against the options k6 would hand it.

GUARD_HARNESS = r"""
const source = require('fs').readFileSync(process.argv[1], 'utf8');
const options = JSON.parse(process.argv[2]);
const body = source
  .replace(/^import .*$/gm, '')
  .replace(/^export default function/gm, 'function iteration')
  .replace(/^export /gm, '');
const run = new Function('exec', 'http', 'check', 'Rate', '__ENV',
  body + '\nassertScenarioIsCommitted(); return "ok";');
try {
  console.log(run({ test: { options } }, {}, () => true, function () { this.add = () => {}; },
    { BASE_URL: 'https://staging.example.com' }));
} catch (error) {
  console.log('refused: ' + error.message);
  process.exit(1);
}
"""
COMMITTED = {"executor": "constant-arrival-rate", "rate": 20, "duration": "1m0s"}


@pytest.mark.parametrize(
    ("scenarios", "accepted"),
    [
        ({"steady": COMMITTED}, True),
        ({"steady": {**COMMITTED, "duration": "1m"}}, True),
        # `k6 run --duration 5s` / `--vus 1`: k6 replaces the scenarios with its default one
        ({"default": {"executor": "constant-vus", "vus": 1, "duration": "5s"}}, False),
        # `--iterations 1`
        ({"default": {"executor": "shared-iterations", "iterations": 1, "vus": 1}}, False),
        ({"steady": {**COMMITTED, "duration": "5s"}}, False),
        ({"steady": {**COMMITTED, "rate": 1}}, False),
        ({"steady": COMMITTED, "extra": COMMITTED}, False),
        ({}, False),
    ],
    ids=[
        "committed",
        "committed-short-form",
        "duration",
        "iterations",
        "short",
        "slow",
        "two",
        "none",
    ],
)
def test_setup_refuses_a_run_whose_scenario_was_replaced(scenarios, accepted):
    """Property: the k6 gate fails (setup throws, k6 exits non-zero) unless it runs exactly the
    committed scenario, so no CLI override can make every threshold pass on zero samples."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, "-e", GUARD_HARNESS, str(SCRIPT), json.dumps({"scenarios": scenarios})],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode == 0) is accepted, done.stdout + done.stderr
    if not accepted:
        assert "the steady scenario was replaced" in done.stdout
