"""`make new-stack NAME=dev FROM=staging`: a stack file and policy configs copied from a stack.

The README's "Adding a stack" in one command: copies `Pulumi.<FROM>.yaml` to `Pulumi.<NAME>.yaml`
(with a VPC range no other stack uses) and `policies/config/<FROM>.<pack>.json` to
`<NAME>.<pack>.json`, so the new stack is judged exactly like the one it copies, and adds it to
the pull request's offline-preview matrix (the gate previews every stack). Refuses, with
what to do, when the name is taken or invalid, or the source stack has no policy configs.
Exit codes: 0 created, 2 refused (nothing written).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from settings.schema import STACK_NAME, STACK_NAME_MAX
from tools.offline.policy_driver import PACK_NAMES, add_pack_paths
from tools.offline.runner import (
    ROOT,
    StackFileError,
    available_stacks,
    free_vpc_range,
    project_name,
    read_stack_file,
    stack_file_lines,
)


class NewStackRefused(Exception):
    """Why the stack cannot be created; nothing has been written."""


def new_stack(name: str, source: str, directory: Path = ROOT) -> list[Path]:
    """Create the stack's files in `directory`; returns them. Raises NewStackRefused."""
    stacks = available_stacks(directory)
    if not STACK_NAME.fullmatch(name):
        raise NewStackRefused(
            f"NAME={name!r}: a stack name is lowercase letters, digits and hyphens, starting "
            f"with a letter, at most {STACK_NAME_MAX} characters (it prefixes every physical name)"
        )
    if name in stacks:
        raise NewStackRefused(f"NAME={name}: Pulumi.{name}.yaml already exists")
    if source not in stacks:
        raise NewStackRefused(f"FROM={source}: no such stack; stacks: {', '.join(stacks)}")
    _refuse_a_prod_stack_from_a_non_prod_one(directory, name, source)
    config_dir = directory / "policies" / "config"
    sources = [config_dir / f"{source}.{pack}.json" for pack in PACK_NAMES]
    missing = [str(path.relative_to(directory)) for path in sources if not path.exists()]
    if missing:
        raise NewStackRefused(
            f"FROM={source}: its policy configs are missing ({', '.join(missing)}); a stack "
            "without them runs every rule as mandatory. Copy from a stack that has them "
            "(FROM=staging or FROM=prod)"
        )
    targets = [config_dir / f"{name}.{pack}.json" for pack in PACK_NAMES]
    taken = [str(path.relative_to(directory)) for path in targets if path.exists()]
    if taken:
        raise NewStackRefused(f"NAME={name}: {', '.join(taken)} already exist(s)")
    stack_file = directory / f"Pulumi.{name}.yaml"
    stack_file.write_text(_copied_stack_file(directory, source, name))
    for origin, target in zip(sources, targets, strict=True):
        shutil.copy(origin, target)
    return [stack_file, *targets, *_previewed_in_pull_requests(directory, name)]


PREVIEW_MATRIX = re.compile(r"^(\s*stack: \[)([^\]]*\bprod\b[^\]]*)(\]\s*)$", re.MULTILINE)
"""The pull request's offline-preview matrix (`stack: [staging, prod, prod-dr]`): the one flow
list naming prod (the cloud preview's names staging only)."""


def _previewed_in_pull_requests(directory: Path, name: str) -> list[Path]:
    """Add the stack to the pull request's offline preview, which the delivery gate requires of
    every stack file (a stack no pull request previews is ungated). Without the matrix line in
    its usual form, nothing is changed and the gate test says what is missing."""
    workflow = directory / ".github" / "workflows" / "pull-request.yml"
    text = workflow.read_text() if workflow.exists() else ""
    found = PREVIEW_MATRIX.findall(text)
    if len(found) != 1:
        return []
    workflow.write_text(PREVIEW_MATRIX.sub(lambda m: f"{m[1]}{m[2]}, {name}{m[3]}", text, count=1))
    return [workflow]


def _refuse_a_prod_stack_from_a_non_prod_one(directory: Path, name: str, source: str) -> None:
    """A stack named prod/prod-* keeps every rule at its own level (the packs' prod floor), so a
    copy of a non-prod stack's policy configs would be refused by its first preview: refuse here,
    before anything is written, and say which stack to copy (review 6, R36)."""
    add_pack_paths()
    from perfcheck_policykit.prod_floor import prod_reason  # the kit, as the packs import it

    project = project_name(ROOT)
    settings = read_stack_file(directory / f"Pulumi.{source}.yaml").get("config") or {}
    config = {key: str(value) for key, value in settings.items()}
    why_prod = prod_reason(name, project, config)
    if why_prod and prod_reason(source, project, config) is None:
        raise NewStackRefused(
            f"NAME={name}: a prod stack ({why_prod}) keeps every rule at its own level, which "
            f"the policy configs of FROM={source} (not a prod stack) may lower and its preview "
            "would refuse; copy a prod stack: FROM=prod"
        )


def _copied_stack_file(directory: Path, source: str, name: str) -> str:
    """The source's text (comments kept) with its own VPC range and a header saying where from."""
    path = directory / f"Pulumi.{source}.yaml"
    read_stack_file(path)  # refuses a broken source with file:line:column
    lines = path.read_text().splitlines(keepends=True)
    project = project_name(ROOT)
    cidr_line = stack_file_lines(path).get(f"{project}:network.cidr")
    try:
        fresh = free_vpc_range(directory, project)
    except ValueError as error:
        raise NewStackRefused(str(error)) from None
    if cidr_line is not None:
        indent = re.match(r"\s*", lines[cidr_line - 1]).group(0)  # type: ignore[union-attr]
        lines[cidr_line - 1] = f"{indent}cidr: {fresh}\n"
    else:
        lines.append(f"  {project}:network:\n    cidr: {fresh}\n")  # pragma: no cover
    header = (
        f"# Stack '{name}', copied from '{source}' by `make new-stack`; its policy configs are\n"
        f"# policies/config/{name}.*.json. VPC range {fresh} is not used by another stack.\n"
    )
    return header + "".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make new-stack", description=__doc__)
    parser.add_argument("--name", required=True, help="the new stack's name (NAME=)")
    parser.add_argument("--from", dest="source", default="staging", help="stack to copy (FROM=)")
    parser.add_argument("--dir", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        created = new_stack(args.name, args.source, args.dir)
    except (NewStackRefused, StackFileError) as error:
        sys.stderr.write(f"make new-stack: {error}\n")
        return 2
    for path in created:
        verb = "updated" if path.parent.name == "workflows" else "created"
        sys.stdout.write(f"{verb} {path.relative_to(args.dir)}\n")
    sys.stdout.write(
        f"Next: review the sizes and tags.costCenter in Pulumi.{args.name}.yaml, then "
        f"`make preview STACK={args.name}`"
        f" until it passes, then `pulumi stack init {args.name}` and the first deploy "
        "(docs/first-deploy.md).\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
