"""Restore procedures that Pulumi's state can follow (review 21, second pass, R1 and R2).

The provider knows a DB instance by its resource id (`db-...`), not by its name
(terraform-provider-aws, internal/service/rds: the id "is the same as AWS calls the
dbi-resource-id ... unchangeable/immutable"), so a `refresh` after renaming instances follows the
renamed old one. And a restored instance keeps the key of what it was restored from (RDS's
RestoreDBInstanceToPointInTime takes no KMS key), while `kms_key_id` replaces an instance.
"""

from __future__ import annotations

import re

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
