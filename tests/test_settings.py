"""Stack settings: valid stacks load; each kind of bad value gives one clear line, no resources."""

from __future__ import annotations

import json

import pytest

from settings import SettingsError, settings_from_config
from tools.offline import preview
from tools.offline.runner import ProgramFailed, run_stack, stack_config


def config_with(stack: str, section: str, **changes: object) -> dict[str, str]:
    """The stack file's flat config with keys of one structured section changed (None deletes)."""
    config, _ = stack_config(stack)
    key = f"perfcheck:{section}"
    value = json.loads(config[key])
    for name, new in changes.items():
        if new is None:
            value.pop(name, None)
        else:
            value[name] = new
    config[key] = json.dumps(value)
    return config


def problems_of(config: dict[str, str], stack: str = "prod") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", stack, config)
    return caught.value.problems


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_stack_files_are_valid(stack: str) -> None:
    config, secret = stack_config(stack)
    settings = settings_from_config("perfcheck", stack, config, secret)
    assert settings.environment == stack
    assert settings.cost_tags["Environment"] == stack


def test_prod_is_production_grade_and_staging_is_small() -> None:
    prod = settings_from_config("perfcheck", "prod", stack_config("prod")[0])
    staging = settings_from_config("perfcheck", "staging", stack_config("staging")[0])
    assert prod.database.multi_az and prod.database.deletion_protection and prod.protect
    assert prod.network.availability_zones == 3 and prod.network.nat_gateways == "one-per-az"
    assert prod.cache.multi_az and prod.cache.nodes >= 2
    assert prod.database.backup_retention_days >= 7
    assert staging.network.availability_zones == 2 and staging.network.nat_gateways == "single"
    assert staging.service.max_tasks < prod.service.max_tasks


def test_wrong_type_names_key_value_and_expectation() -> None:
    lines = problems_of(config_with("prod", "network", availabilityZones="three"))
    assert lines == [
        'perfcheck:network.availabilityZones: got "three"; expected a whole number '
        "(no quotes, no decimal point)"
    ]


def test_out_of_range_value() -> None:
    lines = problems_of(config_with("prod", "network", availabilityZones=5))
    assert lines == ["perfcheck:network.availabilityZones: got 5; expected at most 3"]


def test_unknown_key_in_a_section_lists_allowed_keys() -> None:
    (line,) = problems_of(config_with("prod", "database", instanceClas="db.r7g.large"))
    assert line.startswith(
        "perfcheck:database.instanceClas: unknown key (value not shown); did you mean "
        "instanceClass? allowed: engineVersion,"
    )
    assert "instanceClass" in line


def test_unknown_top_level_key() -> None:
    config, _ = stack_config("prod")
    config["perfcheck:databse"] = "{}"
    (line,) = problems_of(config)
    assert line.startswith(
        "perfcheck:databse: unknown key (value not shown); did you mean database? allowed: "
        "environment, protect,"
    )


def test_missing_required_key() -> None:
    lines = problems_of(config_with("prod", "database", instanceClass=None))
    assert lines == ["perfcheck:database.instanceClass: missing; required (text)"]


def test_missing_region() -> None:
    config, _ = stack_config("prod")
    del config["aws:region"]
    assert problems_of(config) == ["aws:region: missing; required (e.g. eu-west-1)"]


def test_every_problem_is_reported_at_once() -> None:
    config = config_with("prod", "service", architecture="arm", maxTasks="x", extra=1)
    config["perfcheck:protect"] = "yes"
    lines = problems_of(config)
    assert len(lines) == 4
    assert {line.split(":")[1].split(" ")[0] for line in lines} == {
        "protect",
        "service.architecture",
        "service.maxTasks",
        "service.extra",
    }


def test_invalid_fargate_pair_is_refused_with_the_allowed_sizes() -> None:
    (line,) = problems_of(config_with("prod", "service", cpu=1024, memory=1024))
    assert line.startswith(
        "perfcheck:service: cpu/memory (1024/1024): memory 1024 MiB does not fit"
    )
    assert "2048-8192 in steps of 1024" in line


def test_pool_budget_over_the_connection_limit_without_proxy_is_refused() -> None:
    config = config_with("prod", "database", proxyEnabled=False, instanceClass="db.t4g.small")
    (line,) = problems_of(config)
    assert line.startswith("perfcheck:database.poolSizePerTask: connection budget exceeded")
    assert "12 x 200% during deploys x poolSizePerTask 10 = 240 connections" in line
    assert "turn on database.proxyEnabled" in line


def test_the_same_budget_passes_with_the_proxy() -> None:
    config = config_with("prod", "database", proxyEnabled=True, instanceClass="db.t4g.small")
    assert settings_from_config("perfcheck", "prod", config).database.proxy_enabled


def test_secret_values_are_never_echoed() -> None:
    config, _ = stack_config("prod")
    config["perfcheck:protect"] = "hunter2-secret"
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config, {"perfcheck:protect"})
    assert "hunter2" not in str(caught.value)
    assert "[secret]" in str(caught.value)


def test_bad_settings_register_nothing() -> None:
    with pytest.raises(ProgramFailed) as caught:
        run_stack("prod", config=config_with("prod", "network", availabilityZones="three"))
    assert "perfcheck:network.availabilityZones" in caught.value.message
    assert caught.value.resources == ()


def test_preview_exits_2_with_one_line_per_problem_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = config_with("prod", "network", availabilityZones=9, natGateways="many")
    monkeypatch.setattr(preview, "run_stack", lambda stack: run_stack(stack, config=broken))
    assert preview.main(["--stack", "prod"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "perfcheck:network.availabilityZones: got 9" in err
    assert 'perfcheck:network.natGateways: got "many"; expected one of: single, one-per-az' in err
    assert "Nothing was registered: 0 resources." in err


def test_alarm_defaults_are_the_owners_targets_the_k6_gate_uses() -> None:
    from perf.targets import load_targets
    from settings.schema import AlarmSettings

    targets = load_targets()
    defaults = AlarmSettings.model_validate({})
    assert defaults.p99_latency_seconds * 1000 == targets.p99_latency_ms
    assert defaults.error_rate_percent / 100 == pytest.approx(targets.error_rate_max)
    assert defaults.cache_hit_rate_percent / 100 == pytest.approx(targets.cache_hit_rate_min)
    assert defaults.cdn_cache_hit_rate_percent / 100 == pytest.approx(targets.cache_hit_rate_min)
