"""The packs as the CLI sees them: files, metadata, schemas, and a real gRPC boot."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import StackValidationPolicy

from tests.policies.builders import compliant_resources
from tools import gen_policy_files
from tools.offline.policy_driver import PACK_NAMES, POLICIES_DIR, analyze_request, load_pack

PACKS = PACK_NAMES
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _policies() -> list[tuple[str, Any]]:
    return [(pack, policy) for pack in PACKS for policy in load_pack(pack).policies]


def test_policy_names_are_kebab_case_and_unique() -> None:
    names = [policy.name for _, policy in _policies()]
    assert all(KEBAB.match(name) for name in names), names
    assert len(names) == len(set(names))


@pytest.mark.parametrize("policy", [p for _, p in _policies()], ids=lambda p: p.name)
def test_every_rule_carries_its_metadata(policy: Any) -> None:
    assert policy.description.endswith(".") and len(policy.description) > 30
    assert policy.severity is not None
    assert policy.remediation_steps and len(policy.remediation_steps) > 20
    assert policy.judges_unknowns  # documented in the README table of unknowns
    assert "exemptions" in policy.config_schema.properties
    if isinstance(policy, StackValidationPolicy):
        assert policy.resource_types


def _objects(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            yield where, schema
        for key, value in schema.items():
            yield from _objects(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _objects(value, f"{where}[{index}]")


@pytest.mark.parametrize("policy", [p for _, p in _policies()], ids=lambda p: p.name)
def test_config_schemas_are_closed_and_typed(policy: Any) -> None:
    for name, schema in policy.config_schema.properties.items():
        assert "type" in schema and "description" in schema, name
        for where, obj in _objects(schema, name):
            assert obj.get("additionalProperties") is False, where


def test_declared_resource_types_exist_in_pulumi_aws() -> None:
    every, _ = gen_policy_files.scan_resource_types(gen_policy_files.pulumi_aws_root())
    declared = set()
    for _, policy in _policies():
        if policy.resource_types is not None:
            declared |= set(policy.resource_types)
    assert {t for t in declared if t.startswith("aws:")} - every == set()
    assert {t for t in declared if not t.startswith("aws:")} <= {
        "pulumi:pulumi:Stack",
        "pulumi:providers:aws",
        "awsx:ec2:Vpc",  # checked against pulumi_awsx in test_type_families
    }


def test_generated_files_are_current() -> None:
    text = gen_policy_files.TAGGABLE_TABLE.read_text(encoding="utf-8")
    assert text == gen_policy_files.taggable_table_text(), "stale: run `make regen`"
    readme = gen_policy_files.README.read_text(encoding="utf-8")
    assert readme == gen_policy_files.readme_text(), "README tables stale: `make regen`"


def test_readme_lists_every_rule_with_its_levels() -> None:
    readme = (POLICIES_DIR / "README.md").read_text(encoding="utf-8")
    for pack, policy in _policies():
        assert f"| {pack} | `{policy.name}`" in readme
        assert f"| `{policy.name}` | " in readme  # the unknowns table
    assert "| guardrails | `rds-multi-az` | high |" in readme
    assert "| advisory | mandatory |" in readme
    assert "## Advisory findings on prod" in readme


def test_taggable_types_follow_the_tags_argument() -> None:
    cost = load_pack("cost")
    (tags_rule,) = [p for p in cost.policies if p.name == "required-cost-tags"]
    assert "aws:rds/instance:Instance" in tags_rule.resource_types
    assert "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" in tags_rule.resource_types
    assert "aws:iam/rolePolicyAttachment:RolePolicyAttachment" not in tags_rule.resource_types
    assert "aws:ec2/securityGroupRule:SecurityGroupRule" not in tags_rule.resource_types


@pytest.mark.parametrize("pack", PACKS)
def test_pack_directory_is_a_python_policy_pack(pack: str) -> None:
    directory = POLICIES_DIR / pack
    project = yaml.safe_load((directory / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    assert re.match(r"^\d+\.\d+\.\d+$", str(project["version"]))
    assert project["description"]
    requirements = (directory / "requirements.txt").read_text()
    assert "pulumi-policy==" in requirements and "-r " not in requirements  # published alone
    assert (directory / "__main__.py").exists()


def test_the_packs_pin_the_same_sdk_and_the_deploy_pack_its_aws_models() -> None:
    def pins(pack: str) -> list[str]:
        lines = (POLICIES_DIR / pack / "requirements.txt").read_text().splitlines()
        return [line for line in lines if line and not line.startswith("#")]

    assert pins("guardrails") == pins("cost") == pins("deploy")[:2]
    # botocore and parliament are the deploy pack's own, pinned as the development environment.
    dev = (POLICIES_DIR.parent / "requirements-dev.txt").read_text().splitlines()
    for pin in pins("deploy")[2:]:
        assert pin.split("==")[0] in ("botocore", "parliament") and pin in dev, pin
    shared = (POLICIES_DIR / "requirements.txt").read_text()
    assert all(f"-r {pack}/requirements.txt" in shared for pack in PACK_NAMES)


def _serve(pack: str) -> subprocess.Popen[str]:
    # Exactly what the Python language host runs for a policy pack (cwd = the pack directory).
    return subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(POLICIES_DIR / pack)],
        cwd=POLICIES_DIR / pack,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_main_serves_the_pack_over_grpc_with_the_pack_servicer() -> None:
    processes = {pack: _serve(pack) for pack in PACKS}  # boot both at once
    try:
        for pack, process in processes.items():
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            assert line.isdigit(), (line, process.stderr.read() if process.poll() else "")
            with grpc.insecure_channel(f"127.0.0.1:{line}") as channel:
                stub = analyzer_pb2_grpc.AnalyzerStub(channel)
                info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
                loaded = load_pack(pack)
                assert info.name == loaded.name
                assert [p.name for p in info.policies] == [p.name for p in loaded.policies]

                # The served class is the kit's PackServicer: it rejects an unknown config key.
                request = proto.ConfigureAnalyzerRequest()
                first = loaded.policies[0].name
                request.policyConfig[first].properties.update({"notAKey": 1})
                with pytest.raises(grpc.RpcError) as caught:
                    stub.Configure(request, timeout=10)
                assert "'notAKey' is not a config key" in caught.value.details()
                assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT

                response = stub.Analyze(
                    analyze_request(compliant_resources("prod")["db"]), timeout=10
                )
                assert isinstance(response, proto.AnalyzeResponse)
    finally:
        errors = {}
        for pack, process in processes.items():
            process.kill()
            process.wait(timeout=10)
            errors[pack] = process.stderr.read() if process.stderr else ""
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
    assert all("Traceback" not in text for text in errors.values()), errors


def test_packaged_packs_are_self_contained_and_import_without_pulumi_aws(tmp_path: Path) -> None:
    # A published pack is uploaded alone and installs only its requirements.txt: the packaged
    # directory must carry the kit, and importing it must not need pulumi_aws or the repository.
    from tools.package_policy_packs import package

    packaged = tmp_path / "packs"
    for pack in PACKS:
        assert (package(pack, packaged) / "perfcheck_policykit" / "servicer.py").exists()
    code = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name.split('.')[0] == 'pulumi_aws':\n"
        "        raise ImportError('pulumi_aws is not a pack dependency')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        f"sys.path[:0] = {[str(packaged / pack) for pack in PACKS]!r}\n"
        "import perfcheck_guardrails, perfcheck_cost, perfcheck_deploy\n"
        "print(sum(len(m.POLICIES) for m in (perfcheck_guardrails, perfcheck_cost, "
        "perfcheck_deploy)))\n"
    )
    # Run from an empty directory with -I (isolated): nothing from the repository is importable.
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(_policies())
    assert "perfcheck_policykit" not in {p.name for p in (POLICIES_DIR / "guardrails").iterdir()}
