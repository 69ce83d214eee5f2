"""Restore procedures that Pulumi's state can follow (review 21, second pass, R1 and R2).

The provider knows a DB instance by its resource id (`db-...`), not by its name
(terraform-provider-aws, internal/service/rds: the id "is the same as AWS calls the
dbi-resource-id ... unchangeable/immutable"), so a `refresh` after renaming instances follows the
renamed old one. And a restored instance keeps the key of what it was restored from (RDS's
RestoreDBInstanceToPointInTime takes no KMS key), while `kms_key_id` replaces an instance.
"""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from tools.doc_commands import FENCE, ROOT, SHELL_LANGUAGES, documents

RENAME = "--new-db-instance-identifier"


def shell_blocks(text: str) -> list[str]:
    """The shell blocks of a Markdown text, each as one string."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        fence = FENCE.match(line)
        if fence and current is None and fence.group(2) in SHELL_LANGUAGES:
            current = []
        elif fence and current is not None:
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _blocks() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), block)
        for path in documents(ROOT)
        for block in shell_blocks(path.read_text())
    ]


def _renaming_blocks() -> list[tuple[str, str]]:
    return [(path, block) for path, block in _blocks() if RENAME in block]


def repoints_state_before_refresh(block: str) -> bool:
    """A block that renames instances points the state at the restored instance's resource id
    (its `DbiResourceId`, written into an exported state that is imported again) before it
    refreshes."""
    refresh = block.find("pulumi refresh")
    read, export, load = (
        block.find(step) for step in ("DbiResourceId", "pulumi stack export", "pulumi stack import")
    )
    return refresh == -1 or (0 <= read < load < refresh and 0 <= export < load)


def test_every_documented_instance_swap_repoints_the_state_before_refreshing() -> None:
    blocks = _renaming_blocks()
    assert blocks, "the point-in-time swap renames instances: the search found none"
    assert [path for path, block in blocks if not repoints_state_before_refresh(block)] == []


@pytest.mark.parametrize(
    ("block", "follows"),
    [
        ("aws rds modify-db-instance --new-db-instance-identifier x\npulumi refresh\n", False),
        (
            "pulumi refresh\npulumi stack export\n... DbiResourceId ...\npulumi stack import\n",
            False,
        ),
        (
            "pulumi stack export\n... DbiResourceId ...\npulumi stack import\npulumi refresh\n",
            True,
        ),
        (
            "pulumi stack import\n... DbiResourceId ...\npulumi stack export\npulumi refresh\n",
            False,
        ),
        (
            "... DbiResourceId ...\npulumi stack import\npulumi stack export\npulumi refresh\n",
            False,
        ),
        (
            "pulumi stack export\npulumi stack import\n... DbiResourceId ...\npulumi refresh\n",
            False,
        ),
    ],
)
def test_the_check_tells_a_followed_swap_from_one_refresh_would_lose(
    block: str, follows: bool
) -> None:
    assert repoints_state_before_refresh(block) is follows


def test_the_region_loss_restore_is_copied_into_the_stack_not_swapped_in() -> None:
    """The DR restore sits under the backups' key, so it cannot become prod-dr's instance."""
    text = (ROOT / "docs" / "runbooks" / "disaster-recovery.md").read_text()
    region_loss = text[text.index("## Region lost") : text.index("## Cache lost")]
    assert RENAME not in region_loss
    assert re.search(r"perfcheck:migration\.sourceHost'", region_loss)
    assert "--source-db-instance-automated-backups-arn" in region_loss


def _region_loss() -> str:
    text = (ROOT / "docs" / "runbooks" / "disaster-recovery.md").read_text()
    return text[text.index("## Region lost") : text.index("## Cache lost")]


def test_the_dr_stack_is_pointed_at_prods_current_release_before_its_up() -> None:
    """Prod-dr's stack file pins the release it was copied with; the release prod runs is in
    prod's state (R4). Both images are set from it before the DR stack's first `up`."""
    section = _region_loss()
    up = section.index("pulumi up --stack prod-dr")
    assert 0 <= section.index("pulumi stack output images --stack prod") < up
    for app in ("nextjs", "hono"):
        assert 0 <= section.index(f"'perfcheck:service.{app}.image'") < up


def test_the_self_managed_backend_has_a_state_bucket_in_the_dr_region() -> None:
    """With the S3 backend the state and its keys live in the lost region (R5)."""
    section = _region_loss()
    assert "--state-bucket" in section and "pulumi login s3://" in section


def test_the_release_pushed_before_the_replication_rule_is_copied_to_the_dr_region() -> None:
    """ECR replicates only pushes made after the rule exists (R4); the first release is pushed
    before prod's first `up` creates the rule, so first-deploy.md backfills it, with an
    operation and parameter ECR's API has (botocore's model)."""
    import botocore.session

    text = (ROOT / "docs" / "first-deploy.md").read_text()
    command = re.search(r"`aws ecr start-replication-backfill --destination ([^`]+)`", text)
    assert command is not None
    operation = (
        botocore.session.get_session()
        .get_service_model("ecr")
        .operation_model("StartReplicationBackfill")
    )
    fields = dict(part.split("=") for part in command.group(1).split(","))
    assert set(fields) <= set(operation.input_shape.members["destination"].members)
    assert operation.input_shape.required_members == ["destination"]


# --- what RDS accepts on a restore (review 21, third pass, R16) ----------------------------------


CLI_OPTIONS = frozenset({"query", "output", "region", "profile", "no-cli-pager", "debug"})
"""The AWS CLI's own options, which are no operation's members."""


def _rds_commands() -> list[tuple[str, str, list[str]]]:
    """(document, operation, options) of every `aws rds ...` line in a shell block (not the
    CLI's waiters)."""
    commands = []
    for path, block in _blocks():
        for line in block.replace("\\\n", " ").splitlines():
            words = line.split()
            if words[:2] == ["aws", "rds"] and len(words) > 2 and words[2] != "wait":
                options = [w[2:] for w in words[3:] if w.startswith("--")]
                options = [o for o in options if o not in CLI_OPTIONS]
                commands.append((path, words[2], options))
    return commands


def _engine_only(documentation: str) -> str | None:
    """The engine a member's documentation restricts it to ("Applies to RDS for Oracle only")."""
    match = re.search(
        r"Applies to RDS for ([A-Za-z ]+?) only", re.sub(r"<[^>]+>", "", documentation)
    )
    return match.group(1) if match else None


def test_no_documented_rds_command_passes_an_option_of_another_engine() -> None:
    """Property: every option of every `aws rds` command in the documents is one the operation
    takes for PostgreSQL (botocore's RDS model); `--manage-master-user-password` on a restore
    "Applies to RDS for Oracle only"."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("rds")
    operations = {botocore.xform_name(name, "-"): name for name in model.operation_names}
    wrong = []
    commands = _rds_commands()
    for path, command, options in commands:
        members = model.operation_model(operations[command]).input_shape.members
        by_option = {botocore.xform_name(name, "-"): shape for name, shape in members.items()}
        for option in options:
            shape = by_option.get(option.removeprefix("no-")) or by_option.get(option)
            assert shape is not None, f"{path}: aws rds {command} has no --{option}"
            engine = _engine_only(shape.documentation or "")
            if engine is not None and engine != "PostgreSQL":
                wrong.append(f"{path}: aws rds {command} --{option} (RDS for {engine} only)")
    assert any(c == "restore-db-instance-to-point-in-time" for _, c, _ in commands)
    assert wrong == []


def test_a_restored_instance_gets_its_managed_master_secret_after_the_restore() -> None:
    """Property: a procedure that restores an instance and later reads its master secret first
    turns secret management on with modify-db-instance (restores cannot), on that instance."""
    for path, block in _blocks():
        for restored in re.findall(
            r"restore-db-instance-\S+.*?--target-db-instance-identifier (\S+)", block, re.S
        ):
            enable = re.search(
                r"modify-db-instance[^\n]*(?:\\\n[^\n]*)*?--db-instance-identifier "
                + re.escape(restored)
                + r"[^\n]*(?:\\\n[^\n]*)*?--manage-master-user-password",
                block,
            )
            assert enable is not None, f"{path}: {restored} is never given a managed secret"
            assert enable.start() > block.index(restored)


EXISTING_INSTANCE = re.compile(r"must match the identifier of an existing DB instance", re.I)


def test_the_dr_region_is_never_asked_for_the_lost_instance_by_a_name_that_must_exist() -> None:
    """Property: a command sent to the DR region (`--region $DR`) names the primary's instance
    (`$ID`, which exists only in the lost region) through no parameter that botocore says "must
    match the identifier of an existing DB instance" (review 21 pass 4, R18): such a request
    has nothing to match in the DR region, so the step cannot show what it promises."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("rds")
    operations = {botocore.xform_name(name, "-"): name for name in model.operation_names}
    judged, wrong = 0, []
    for path, block in _blocks():
        for line in block.replace("\\\n", " ").splitlines():
            words = line.split()
            if words[:2] != ["aws", "rds"] or "--region $DR" not in " ".join(words):
                continue
            if words[2] == "wait":
                continue
            members = model.operation_model(operations[words[2]]).input_shape.members
            by_option = {botocore.xform_name(name, "-"): shape for name, shape in members.items()}
            for option, value in pairwise(words[3:]):
                shape = by_option.get(option.removeprefix("--"))
                if shape is not None and EXISTING_INSTANCE.search(shape.documentation or ""):
                    judged += 1
                    if "$ID" in value:
                        wrong.append(f"{path}: aws rds {words[2]} {option} {value} --region $DR")
    assert judged > 0
    assert wrong == []
