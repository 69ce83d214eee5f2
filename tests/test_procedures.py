"""Each procedure the README documents runs as written (offline), so none can rot silently."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from perfcheck_deploy import run_deploy_checks

from foundation.records import StackRun
from settings.schema import STACK_NAME, STACK_NAME_MAX
from tests import shared_results
from tools import new_stack
from tools.offline import preview
from tools.offline.policy_driver import PACK_NAMES
from tools.offline.runner import (
    ROOT,
    available_stacks,
    run_stack,
    stack_config,
    vpc_range_overlaps,
)

README = (ROOT / "README.md").read_text()


def repository_copy(tmp_path: Path) -> Path:
    """The files a new stack is made from and changes: stack files, policy configs and the pull
    request's workflow."""
    for path in ROOT.glob("Pulumi.*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copytree(ROOT / "policies" / "config", tmp_path / "policies" / "config")
    shutil.copytree(ROOT / ".github" / "workflows", tmp_path / ".github" / "workflows")
    return tmp_path


def unused_stack_name(directory: Path, stem: str = "dev") -> str:
    """A stack name no file in `directory` uses (the repository may hold a `dev` stack already)."""
    taken = set(available_stacks(directory))
    return next(name for n in range(100) if (name := f"{stem}{n or ''}") not in taken)


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


@pytest.mark.parametrize("source", ["staging", "prod"])
def test_adding_a_stack_as_the_readme_says_passes_the_preview(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = _section("Adding a stack")
    assert "`make new-stack NAME=<name> FROM=staging`" in steps
    assert "`make preview STACK=<name>`" in steps
    directory = repository_copy(tmp_path)
    name = unused_stack_name(directory)
    assert new_stack.main(["--name", name, "--from", source, "--dir", str(directory)]) == 0
    created = capsys.readouterr().out
    assert f"created Pulumi.{name}.yaml" in created
    assert f"created policies/config/{name}.cost.json" in created
    code = preview.main(["--stack", name, "--stacks-dir", str(directory)])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert "Result: OK" in out and "0 blocking" in out
    assert vpc_range_overlaps(name, directory) == []  # new-stack picked a free range itself
    # ... and the pull request previews it (the delivery gate requires every stack file be).
    workflow = yaml.safe_load((directory / ".github/workflows/pull-request.yml").read_text())
    offline = [
        job["strategy"]["matrix"]["stack"]
        for job in workflow["jobs"].values()
        if "prod" in ((job.get("strategy") or {}).get("matrix") or {}).get("stack", [])
    ]
    assert offline and all(name in stacks for stacks in offline), offline


def test_new_stack_picks_a_range_no_stack_overlaps_when_the_round_ones_are_taken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stack on 10.0.0.0/11 covers 10.10, 10.20 and 10.30: the new one must go elsewhere."""
    directory = repository_copy(tmp_path)
    staging = (ROOT / "Pulumi.staging.yaml").read_text()
    cidr = re.search(r"cidr: (\S+)", staging).group(1)  # type: ignore[union-attr]
    (directory / "Pulumi.wide.yaml").write_text(staging.replace(cidr, "10.0.0.0/11"))
    for pack in ("guardrails", "cost", "deploy"):
        shutil.copy(
            directory / f"policies/config/staging.{pack}.json",
            directory / f"policies/config/wide.{pack}.json",
        )
    name = unused_stack_name(directory)
    assert new_stack.main(["--name", name, "--from", "wide", "--dir", str(directory)]) == 0
    capsys.readouterr()
    assert vpc_range_overlaps(name, directory) == []
    chosen = re.search(r"cidr: (\S+)", (directory / f"Pulumi.{name}.yaml").read_text())
    assert chosen is not None and chosen.group(1).endswith(".0.0/16")


@pytest.mark.parametrize("name", ["prod-eu", "prod-b2"])
def test_a_prod_named_stack_is_copied_only_from_a_prod_stack(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Property: `make new-stack` never writes a prod stack whose policy configs its first
    preview refuses (the prod floor keeps every rule at its own level; staging's configs lower
    some): from a non-prod stack it refuses, naming FROM=prod, and writes nothing; from a prod
    stack it creates the stack (review 6, R36)."""
    directory = repository_copy(tmp_path)
    assert name not in available_stacks(directory)
    assert new_stack.main(["--name", name, "--from", "staging", "--dir", str(directory)]) == 2
    err = capsys.readouterr().err
    assert f"NAME={name}: a prod stack" in err and "FROM=prod" in err
    assert not (directory / f"Pulumi.{name}.yaml").exists()
    assert not list((directory / "policies" / "config").glob(f"{name}.*.json"))
    assert new_stack.main(["--name", name, "--from", "prod", "--dir", str(directory)]) == 0
    assert (directory / f"Pulumi.{name}.yaml").exists()


def test_new_stack_refuses_a_taken_name_an_invalid_name_and_a_source_without_policy_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = repository_copy(tmp_path)
    assert new_stack.main(["--name", "staging", "--dir", str(directory)]) == 2
    assert "Pulumi.staging.yaml already exists" in capsys.readouterr().err
    assert new_stack.main(["--name", "Dev_1", "--dir", str(directory)]) == 2
    assert "lowercase letters, digits and hyphens" in capsys.readouterr().err
    source = available_stacks(directory)[0]  # any stack there is
    (directory / "policies" / "config" / f"{source}.cost.json").unlink()
    name = unused_stack_name(directory, "qa")
    assert new_stack.main(["--name", name, "--from", source, "--dir", str(directory)]) == 2
    err = capsys.readouterr().err
    assert f"its policy configs are missing (policies/config/{source}.cost.json)" in err
    assert not (directory / f"Pulumi.{name}.yaml").exists()


def _renamed(run: StackRun, name: str) -> StackRun:
    """The run's resources as a stack called `name` would name them (every `<project>-<stack>`
    inside an input, the stack's physical-name prefix, with the new name)."""
    old = f"perfcheck-{run.stack}"

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(old, f"perfcheck-{name}")
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [swap(item) for item in value]
        return value

    resources = tuple(
        dataclasses.replace(r, wire_inputs=swap(dict(r.wire_inputs))) for r in run.resources
    )
    return dataclasses.replace(run, resources=resources)


def _name_findings(run: StackRun) -> list[str]:
    return [str(f) for f in run_deploy_checks(run) if f.check_id.startswith("name-")]


def test_every_stack_name_the_settings_accept_gives_names_aws_accepts(
    staging: StackRun, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Property: the stack's name prefixes physical names, so the longest name the settings and
    `make new-stack` accept still gives names the provider and AWS accept (IAM role name
    prefixes 38 characters, S3 bucket prefixes 37: the provider appends 26), and one character
    more would not: the maximum is the program's, not a round number. At 20 characters the RUM
    guest role and both log buckets failed (review 21 pass 5, R29)."""
    assert _name_findings(staging) == []
    assert _name_findings(_renamed(staging, "s" * STACK_NAME_MAX)) == []
    assert _name_findings(_renamed(staging, "s" * (STACK_NAME_MAX + 1))) != []
    directory = repository_copy(tmp_path)
    too_long = "s" * (STACK_NAME_MAX + 1)
    assert new_stack.main(["--name", too_long, "--dir", str(directory)]) == 2
    assert f"at most {STACK_NAME_MAX} characters" in capsys.readouterr().err
    assert STACK_NAME.fullmatch("s" * STACK_NAME_MAX) and not STACK_NAME.fullmatch(too_long)


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]+):", makefile, re.M))
    result = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    )
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    assert targets == listed
    assert {"preview", "test", "new-stack", "help"} <= listed


def test_make_new_stack_without_a_name_is_a_clear_error() -> None:
    result = subprocess.run(
        ["make", "-s", "new-stack"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0
    assert "NAME=<stack> is required" in result.stderr


def _commands(text: str, verb: str) -> list[str]:
    """Each `pulumi <verb>` command of a shell block, with its continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = [line.split(" #")[0].strip() for line in joined.splitlines()]
    return [line for line in lines if line.startswith(verb)]


def test_every_documented_update_runs_with_every_pack_and_its_stack_config() -> None:
    """Property: a documented `pulumi up`/`preview` passes every pack the workflows pass, each with
    the stack's config; the deploy pack's checks (in-use replacements, reachability, names) are
    what a manual update skipped without it (review 21 pass 5, R28)."""
    documents = [README, *(p.read_text() for p in sorted((ROOT / "docs").rglob("*.md")))]
    commands = [c for text in documents for verb in ("pulumi up", "pulumi preview")
                for c in _commands(text, verb)]  # fmt: skip
    full = [c for c in commands if not c.endswith("...") and "--stack" in c]
    assert len(full) >= 6
    for command in full:
        stack = re.search(r"--stack (\S+)", command).group(1)  # type: ignore[union-attr]
        for pack in PACK_NAMES:
            assert f"--policy-pack policies/{pack}" in command, command
            assert f"--policy-pack-config policies/config/{stack}.{pack}.json" in command, command


def test_the_ecr_bootstrap_targets_resources_and_outputs_the_program_has() -> None:
    """The README's bootstrap, on a stack that builds into its own repositories."""
    config, secret = stack_config("staging")
    service = json.loads(config["perfcheck:service"])
    for app in ("nextjs", "hono"):
        service[app] = {k: v for k, v in service[app].items() if k not in ("image", "imageDigest")}
    run = run_stack("staging", {**config, "perfcheck:service": json.dumps(service)}, secret)
    bootstrap = next(c for c in _commands(README, "pulumi up") if "--target" in c)
    targets = re.findall(r"--target '\*\*([a-z]+/[a-zA-Z]+:[A-Za-z]+)::([a-z-]+)'", bootstrap)
    assert len(targets) == 2
    for type_suffix, name in targets:
        assert any(r.type == f"aws:{type_suffix}" and r.name == name for r in run.resources), name
    assert "pulumi stack output --stack <name> repositoryUrls" in README
    assert set(run.outputs["repositoryUrls"]) == {"nextjs", "hono"}


def test_image_tag_is_set_as_text_wherever_the_docs_set_it() -> None:
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for line in path.read_text().splitlines():
            if "config set" in line and "imageTag" in line:
                assert "--type string" in line, f"{path.name}: {line}"


def _with_migration(stack: str) -> StackRun:
    """The stack with the migration task switched on, as the runbook's stage 1 does (one run per
    stack per test run: the runbook's test and the outputs' test read the same staging run)."""
    config, secret = stack_config(stack)
    config["perfcheck:migration"] = json.dumps(
        {
            "enabled": True,
            "sourceHost": "legacy-db.perfcheck.internal",
            "sourceSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:legacy-AbCdEf",
        }
    )
    return shared_results.program_run(stack, config, secret)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_migration_runbooks_task_passes_both_packs(stack: str) -> None:
    runbook = (ROOT / "docs" / "runbooks" / "database-migration.md").read_text()
    assert "pulumi config set --path 'perfcheck:migration.enabled' true" in runbook
    run = _with_migration(stack)
    task = run.one("aws:ecs/taskDefinition:TaskDefinition", "migration-task")
    assert task is not None
    report = preview.policy_stage(run).data
    on_task = [v for v in report.violations if v.name == "migration-task"]
    # Every rule accepts the task as the runbook deploys it, the client-only postgres image too.
    assert [v.policy for v in on_task] == []
    assert [u for u in report.exemption_uses if "migration-task" in str(u)] == []
    assert [v for v in report.mandatory() if v.pack == "perfcheck-deploy"] == []


def test_every_stack_output_the_documents_name_exists(staging: StackRun, prod: StackRun) -> None:
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    text = "\n".join(path.read_text() for path in documents)
    joined = re.sub(r"\s*\n\s*", " ", text)
    names = re.findall(
        r"pulumi stack output (?:--stack \S+ )?(?:--show-secrets )?([A-Za-z]+)", joined
    )
    assert {"distributionId", "repositoryUrls", "publicUrl"} <= set(names)
    migration = _with_migration("staging").outputs
    for name in names:
        if name.startswith("migration"):
            assert name in migration, name  # exported while the migration task is enabled
        else:
            assert name in staging.outputs and name in prod.outputs, name


def test_no_document_claims_a_workflow_step_that_does_not_exist() -> None:
    workflows = "\n".join(p.read_text() for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    text = (ROOT / "docs" / "cache-invalidation.md").read_text()
    if "create-invalidation" not in workflows:
        assert "does not run it today" in text
        assert "belongs to the delivery pipeline, which runs it" not in text


def test_local_development_uses_127_0_0_1_where_ports_are_published() -> None:
    compose = (ROOT / "local" / "compose.yaml").read_text()
    published = re.findall(r'"(\d+\.\d+\.\d+\.\d+):\d+:\d+"', compose)
    assert published and set(published) == {"127.0.0.1"}
    for path in (ROOT / "docs" / "local-development.md", ROOT / "local" / "compose.yaml"):
        for line in path.read_text().splitlines():
            assert not re.search(r"localhost[:/]|HOST=localhost", line), f"{path.name}: {line}"


def test_the_ci_script_does_what_its_comment_says() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    comment = " ".join(line for line in script.splitlines() if line.startswith("#"))
    commands = [line for line in script.splitlines() if line and not line.startswith("#")]
    for target in ("test", "lint", "preview"):
        runs = f"make {target}" in commands
        claims_here = re.search(rf"failure \([^)]*\b{target}", comment) is not None
        assert claims_here == runs or (target == "test" and runs), target
    assert "make test" in commands
    assert "make lint" in comment and "pull-request.yml" in comment


def test_every_claim_of_how_up_reports_a_rollback_cites_the_provider_source() -> None:
    """Property: a document that cites how `pulumi up` reported an ECS rollback (the issue
    pulumi/pulumi-aws#4487) also cites the provider source read (`findDeploymentStatus`) and says
    that which release pulumi-aws 7.51.1 bridges is not verified, in the same paragraph (issue 21
    item 10; review 21 pass 4, R19: delivery.md and README stated it as fact; pass 5, R34: the
    verifier's docstring still did)."""
    from tools.doc_commands import documents

    claims = []
    for path in [*documents(ROOT), *sorted((ROOT / "scripts").glob("*.py"))]:
        for paragraph in re.split(r"\n\s*\n", path.read_text()):
            if "pulumi-aws#4487" in paragraph:
                flat = " ".join(paragraph.split())
                cited = "findDeploymentStatus" in flat and "not verified" in flat
                claims.append((str(path.relative_to(ROOT)), cited))
    assert len(claims) >= 4
    assert [path for path, cited in claims if not cited] == []
