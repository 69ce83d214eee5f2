"""Type families (issue 22, item 1): one property, judged on every type of its family.

Properties guarded:
- every (type, input path) of the family tables exists in the installed pulumi_aws 7 schema
  (a typo in a token or an input name fails here, not silently in a rule that never matches);
- each rule that judges a family declares every type of its table (a type dropped from a rule's
  list is a family member passed unseen);
- the family members are judged like the type the app uses (same finding, by table).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pulumi_aws
import pulumi_awsx
import pytest

from tests.policies.builders import record
from tests.policies.support import run_case, violations
from tools.offline.policy_driver import load_pack

load_pack("guardrails")  # puts the pack on sys.path

from perfcheck_guardrails import (  # noqa: E402
    data_safety,
    ecs_containers,
    ecs_services,
    family_rules,
    prod_invariants,
    type_families,
)

AWS_ROOT = Path(pulumi_aws.__file__).parent


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@functools.cache
def _module_files(module: str) -> tuple[str, str]:
    """(resource files' text by token lookup, the module's _inputs.py text)."""
    directory = AWS_ROOT / ("lambda_" if module == "lambda" else module)
    inputs = directory / "_inputs.py"
    return str(directory), inputs.read_text(encoding="utf-8") if inputs.is_file() else ""


def _args_class_text(token: str) -> str:
    """The source of the resource's `<Class>Args` class (its inputs), found by the token."""
    _, middle, cls = token.split(":")
    module, camel = middle.split("/")
    directory, _ = _module_files(module)
    source = Path(directory) / f"{_snake(camel)}.py"
    text = source.read_text(encoding="utf-8")
    assert f"'{token}'" in text, f"{token}: not the type token of {source}"
    match = re.search(rf"^class {cls}Args:\n(.*?)^class ", text, re.S | re.M)
    assert match, f"{token}: no {cls}Args class in {source}"
    return match.group(1)


def _has_input(text: str, name: str) -> bool:
    """Whether `text` (an Args class, or a module's _inputs.py) has the camelCase input `name`
    (pulumi-aws spells a multi-word name in @pulumi.getter(name=...), a one-word one as the
    method name)."""
    if f'@pulumi.getter(name="{name}")' in text:
        return True
    return name == _snake(name) and re.search(rf"@pulumi.getter\n    def {name}\(self\)", text)


@pytest.mark.parametrize(
    ("token", "path"), type_families.SCHEMA_PATHS, ids=lambda v: str(v).replace(" ", "")
)
def test_every_table_entry_is_an_input_of_its_type_in_pulumi_aws(
    token: str, path: tuple[str, ...]
) -> None:
    args = _args_class_text(token)
    first, *nested = [p for p in path if p != "*"]
    assert _has_input(args, first), f"{token}: no input '{first}'"
    _, inputs = _module_files(token.split(":")[1].split("/")[0])
    for segment in nested:
        assert _has_input(inputs, segment), f"{token}: no nested input '{segment}' in {path}"


def test_the_schema_check_fails_on_a_typo() -> None:
    """The check above is not vacuous: a misspelt input or token fails it."""
    args = _args_class_text("aws:docdb/cluster:Cluster")
    assert _has_input(args, "storageEncrypted")
    assert not _has_input(args, "storageEncryption")
    with pytest.raises((AssertionError, FileNotFoundError)):
        _args_class_text("aws:docdb/clusters:Cluster")


def test_awsx_vpc_nat_strategy_is_an_input_of_awsx() -> None:
    text = (Path(pulumi_awsx.__file__).parent / "ec2" / "vpc.py").read_text(encoding="utf-8")
    assert "'awsx:ec2:Vpc'" in text and 'name="natGateways"' in text
    inputs = (Path(pulumi_awsx.__file__).parent / "ec2" / "_inputs.py").read_text()
    assert "def strategy(self)" in inputs
    enums = (Path(pulumi_awsx.__file__).parent / "ec2" / "_enums.py").read_text()
    for strategy in prod_invariants.NAT_STRATEGIES:
        assert f'"{strategy}"' in enums, strategy


@pytest.mark.parametrize(
    ("rule", "table"),
    [
        (data_safety.RDS_NOT_PUBLIC, type_families.PUBLICLY_ACCESSIBLE),
        (data_safety.RDS_DELETION_PROTECTION, type_families.DELETION_PROTECTION),
        (data_safety.RDS_BACKUP_RETENTION, type_families.BACKUP_RETENTION),
        (family_rules.FRONT_DOOR_TLS_MINIMUM, type_families.TLS_MINIMUM),
        (family_rules.FRONT_DOOR_TLS_MINIMUM, type_families.HTTPS_REQUIRED),
        (ecs_services.SERVICE_NO_PUBLIC_IP, dict.fromkeys(type_families.TASK_NETWORKED)),
        (ecs_containers.NON_ROOT_USER, dict.fromkeys(type_families.TASK_DEFINITIONS)),
        (prod_invariants.ECS_EXEC_DISABLED, dict.fromkeys(type_families.EXECUTE_COMMAND)),
    ],
    ids=lambda v: getattr(v, "name", "table"),
)
def test_each_family_rule_declares_every_type_of_its_table(rule: object, table: dict) -> None:
    assert set(table) <= rule.resource_types  # type: ignore[attr-defined]


def test_every_encryption_family_member_is_judged_by_some_rule() -> None:
    judged = family_rules.DATA_ENCRYPTED_AT_REST.resource_types
    for token in type_families.ENCRYPTION_AT_REST:
        assert token in judged or token in type_families.DEDICATED_AT_REST_TYPES, token
    policies = load_pack("guardrails").policies
    for token in type_families.DEDICATED_AT_REST_TYPES:
        assert any(token in (p.resource_types or ()) for p in policies), token


def _member(type_token: str, name: str, inputs: dict) -> object:
    return lambda r: {
        name: record("prod", type_token, name, {"tags": r["db"].wire_inputs["tags"], **inputs})
    }


@pytest.mark.parametrize(
    ("token", "inputs", "fragment"),
    [
        ("aws:redshift/cluster:Cluster", {"encrypted": False}, "encrypted is false"),
        ("aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy", {}, "kmsKeyId is not set"),
        (
            "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
            {"destination": "extended_s3"},
            "serverSideEncryption.enabled is not set",
        ),
        ("aws:elasticsearch/domain:Domain", {}, "encryptAtRest.enabled is not set"),
        ("aws:sqs/queue:Queue", {}, "kmsMasterKeyId not set; sqsManagedSseEnabled not set"),
    ],
)
def test_encryption_at_rest_is_judged_across_the_family(
    token: str, inputs: dict, fragment: str
) -> None:
    """Members written for this test (not the issue's examples): each unencrypted member of the
    family is a mandatory finding naming its own setting."""
    report = run_case(_member(token, "member", inputs))
    found = [v for v in violations(report, "data-encrypted-at-rest") if v.name == "member"]
    assert found and fragment in found[0].message, [v.message for v in found]
    assert found[0].enforcement_level == "mandatory"


def test_aws_always_encrypted_members_pass_without_a_setting() -> None:
    report = run_case(_member("aws:backup/vault:Vault", "vault", {}))
    assert violations(report, "data-encrypted-at-rest") == []


def test_memorydb_snapshots_are_judged_like_rds_backups() -> None:
    report = run_case(_member("aws:memorydb/cluster:Cluster", "sessions", {"tlsEnabled": True}))
    (finding,) = [v for v in violations(report, "rds-backup-retention") if v.name == "sessions"]
    assert "snapshotRetentionLimit is not set (AWS default 0 days)" in finding.message


def test_rest_api_tls_policies_are_botocores_less_tls_1_0() -> None:
    """The REST API TLS table is AWS's list: every SecurityPolicy botocore's apigateway model
    names except TLS_1_0 (a policy AWS adds fails here until it is judged)."""
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("apigateway", "service-2")
    enum = set(model["shapes"]["SecurityPolicy"]["enum"])
    assert set(type_families.TLS_12_REST_API) == enum - {"TLS_1_0"}
