"""Settings messages in the stack file's words, and the dated AWS lists they check against."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal, get_args

import pytest
from pydantic import BaseModel

from foundation.aws_regions import REGIONS
from foundation.instance_classes import DATABASE_CLASSES, ELASTICACHE_NODE_TYPES
from settings import SettingsError
from settings.loader import plain_type, settings_from_config
from settings.schema import PATTERN_HELP, Settings, looks_like_secret
from tools.offline.runner import ROOT, stack_config


def _models(model: type[BaseModel] = Settings) -> list[type[BaseModel]]:
    found = [model]
    for field in model.model_fields.values():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += _models(annotation)
    return found


def _patterns(annotation: Any) -> list[str]:
    found = []
    for marker in getattr(annotation, "__metadata__", ()):
        for item in (marker, *getattr(marker, "metadata", ())):
            if getattr(item, "pattern", None):
                found.append(item.pattern)
    for arg in get_args(annotation):
        found += _patterns(arg)
    return found


def test_every_pattern_a_setting_is_checked_against_is_described_in_plain_words() -> None:
    patterns = {
        pattern
        for model in _models()
        for field in model.model_fields.values()
        for pattern in _patterns(field.annotation)
        + [m.pattern for m in field.metadata if getattr(m, "pattern", None)]
    }
    assert len(patterns) >= 12  # the walk found the patterns (windows are parsed, not matched)
    assert patterns <= set(PATTERN_HELP), sorted(patterns - set(PATTERN_HELP))


def test_every_field_type_reads_as_plain_words() -> None:
    for model in _models():
        for name, field in model.model_fields.items():
            text = plain_type(field.annotation)
            jargon = re.search(r"Literal|typing|<class|Annotated|NoneType|\bstr\b|\bint\b", text)
            assert jargon is None, (model.__name__, name, text)


def test_regions_match_the_installed_botocore() -> None:
    import botocore.session

    session = botocore.session.get_session()
    known = set(session.get_available_regions("ec2")) | set(
        session.get_available_regions("ec2", partition_name="aws-us-gov")
    )
    assert known == set(REGIONS)


def test_every_class_in_a_cost_allow_list_exists_in_the_dated_lists() -> None:
    files = sorted((ROOT / "policies" / "config").glob("*.cost.json"))
    assert files
    for path in files:
        config = json.loads(path.read_text())
        classes = config.get("rds-instance-class-allowed", {}).get("allowedInstanceClasses", [])
        nodes = config.get("elasticache-node-type-allowed", {}).get("allowedNodeTypes", [])
        assert classes and nodes, path.name
        assert set(classes) <= DATABASE_CLASSES["postgres"], path.name
        assert set(nodes) <= ELASTICACHE_NODE_TYPES["valkey"], path.name


@pytest.mark.parametrize(
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "postgres://admin:hunter2@db.internal/app",
        "token=abc",
        "Zx8Qp2Lm9Rt4Vb7Nc1Kd6Hs3",
        "-----BEGIN RSA PRIVATE KEY-----",
    ],
)
def test_secret_looking_values_are_recognised(value: str) -> None:
    assert looks_like_secret(value)


@pytest.mark.parametrize(
    "value", ["platform-team", "perfcheck-staging", "team-payments-eu-west", "Q4 2026 launch"]
)
def test_ordinary_tag_values_pass(value: str) -> None:
    assert not looks_like_secret(value)


WORDS_JOINED = [
    "Q3-Campaign-Launch-Readiness-Review-2026",
    "FY2027-Platform-Migration-Wave3",
    "Cost-Center-EMEA-Retail-2026-v2",
    "Release_2026_11_Payments_Hotfix",
    "Perfcheck.Prod-Blue-Green.Cutover-2026",
]


@pytest.mark.parametrize("value", WORDS_JOINED)
def test_words_and_numbers_joined_by_separators_are_a_name_not_a_secret(value: str) -> None:
    """Property: a value whose every segment is a word or a number is a name, however long and
    mixed its character classes (the randomness test alone took these for secrets)."""
    assert not looks_like_secret(value)


@pytest.mark.parametrize(
    "value", ["Ab3dE-fG7hI-jK9lM-nO1pQ", "kX9pL2mQ-7vR4tZ8w-N3bY6cF1", "Release-kX9pL2mQ7vR4tZ8w"]
)
def test_random_segments_joined_by_separators_stay_secrets(value: str) -> None:
    """The other side: separators do not excuse segments that mix letters and digits (every
    segment must be a word or a number, not just one)."""
    assert looks_like_secret(value)


def _problems(**changes: Any) -> list[str]:
    config, secret = stack_config("staging")
    config = dict(config)
    for key, value in changes.items():
        config[key] = value
    with pytest.raises(SettingsError) as error:
        settings_from_config("perfcheck", "staging", config, secret)
    return error.value.problems


def test_an_unknown_top_level_key_never_echoes_its_value_even_when_structured() -> None:
    (line,) = _problems(**{"perfcheck:secrets": json.dumps({"dbPassword": "hunter2-value"})})
    assert "hunter2-value" not in line
    assert line.startswith("perfcheck:secrets: unknown key (value not shown); allowed:")


def test_a_secret_looking_owner_tag_is_refused_without_echoing_it() -> None:
    tags = {"owner": "ghp_0123456789abcdefghijABCDEFGHIJ012345", "costCenter": "x"}
    (line,) = _problems(**{"perfcheck:tags": json.dumps(tags)})
    assert line.startswith("perfcheck:tags.owner: looks like a credential (value not shown)")
    assert "ghp_" not in line


def test_a_cache_node_type_is_checked_up_front_against_the_engine_list() -> None:
    config, _ = stack_config("staging")
    cache = json.loads(config["perfcheck:cache"])
    (line,) = _problems(**{"perfcheck:cache": json.dumps({**cache, "nodeType": "cache.t4g.mirco"})})
    assert line.startswith('perfcheck:cache.nodeType: got "cache.t4g.mirco"; not an ElastiCache')
    assert "did you mean cache.t4g.micro" in line


def test_a_real_but_unpriced_instance_class_is_named_real_and_what_to_do_is_said() -> None:
    config, _ = stack_config("staging")
    database = json.loads(config["perfcheck:database"])
    changed = json.dumps({**database, "instanceClass": "db.m6i.large"})
    (line,) = _problems(**{"perfcheck:database": changed})
    assert line.startswith(
        'perfcheck:database.instanceClass: got "db.m6i.large"; an RDS for PostgreSQL class, but '
        "foundation/prices.json has no price for it"
    )
    assert "unknown" not in line and "db.t4g.medium" in line


def test_every_class_the_settings_accept_is_real_and_has_a_connection_limit() -> None:
    from foundation.capacity import RDS_MEMORY_GIB, postgres_max_connections

    assert set(RDS_MEMORY_GIB) <= DATABASE_CLASSES["postgres"]
    assert postgres_max_connections("db.r7g.large") == 1802


def test_a_list_item_is_named_as_pulumi_config_set_path_spells_it() -> None:
    (line,) = _problems(**{"perfcheck:alarms": json.dumps({"notificationEmails": ["bob"]})})
    assert line == (
        'perfcheck:alarms.notificationEmails[0]: got "bob"; expected an e-mail address such as '
        "oncall@example.com"
    )


def test_prod_stack_file_acknowledges_that_nobody_is_paged_yet() -> None:
    text = (Path(ROOT) / "Pulumi.prod.yaml").read_text()
    assert "nobodyPagedReason:" in text and "notificationEmails" in text


def test_the_environment_cost_tag_is_the_stack_name() -> None:
    config, secret = stack_config("staging")
    settings = settings_from_config("perfcheck", "dev", config, secret)
    assert settings.environment == "staging"
    assert settings.cost_tags["Environment"] == "dev"


def test_types_read_as_the_stack_file_spells_them() -> None:
    assert plain_type(list[str]) == "a list of text"
    assert plain_type(Literal["staging", "prod"]) == "one of: staging, prod"
    assert plain_type(bool | None) == "true or false"


def test_a_secret_section_never_shows_its_value_even_in_the_type_string_hint() -> None:
    config, secret = stack_config("staging")
    service = json.loads(config["perfcheck:service"])
    config = {**config, "perfcheck:service": json.dumps({**service, "imageTag": 987654321})}
    with pytest.raises(SettingsError) as error:
        settings_from_config("perfcheck", "staging", config, {*secret, "perfcheck:service"})
    (line,) = error.value.problems
    assert "987654321" not in line
    assert "--type string 'perfcheck:service.imageTag' [secret]" in line


def test_a_mistyped_namespace_is_named_not_silently_ignored() -> None:
    config, secret = stack_config("staging")
    config = dict(config)
    config["perfchek:database"] = config.pop("perfcheck:database")
    with pytest.raises(SettingsError) as error:
        settings_from_config("perfcheck", "staging", config, secret)
    assert error.value.problems[0] == (
        "perfchek:database: unknown namespace 'perfchek' (value not shown); did you mean "
        "perfcheck:database?"
    )


@pytest.mark.parametrize("key", ["aws:secretKey", "aws:token", "aws:SecretKey"])
def test_a_provider_credential_in_plain_text_is_refused_naming_config_set_secret(key: str) -> None:
    config, secret = stack_config("staging")
    value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    config = {**config, key: value}
    with pytest.raises(SettingsError) as error:
        settings_from_config("perfcheck", "staging", config, secret)
    (line,) = [p for p in error.value.problems if p.startswith(key)]
    assert f"`pulumi config set --secret {key} <value>`" in line
    assert value not in str(error.value)


def test_an_encrypted_provider_credential_and_a_plain_access_key_id_are_accepted() -> None:
    config, secret = stack_config("staging")
    config = {**config, "aws:secretKey": "ciphertext", "aws:accessKey": "AKIAIOSFODNN7EXAMPLE"}
    settings_from_config("perfcheck", "staging", config, {*secret, "aws:secretKey"})
