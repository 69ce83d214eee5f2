"""Generate the policy packs' derived files, or check that they are current (`--check`).

- `policies/cost/perfcheck_cost/taggable_types.json`: every pulumi-aws resource type whose
  constructor accepts `tags`, read from the installed pulumi_aws sources (text scan, no import:
  importing all of pulumi_aws takes a minute), so the cost pack knows which resources must carry
  cost tags without depending on pulumi_aws itself.
- the rule tables in `policies/README.md` (between the `<!-- generated:... -->` markers), from
  the packs' metadata and the per-stack config files, so the documentation cannot drift.

Usage: python -m tools.gen_policy_files [--check]
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
KIT_SOURCE = POLICIES / "shared" / "perfcheck_policykit"
PACKS = ("guardrails", "cost", "deploy")
TAGGABLE_TABLE = POLICIES / "cost" / "perfcheck_cost" / "taggable_types.json"
FAMILY_TABLE = POLICIES / "guardrails" / "perfcheck_guardrails" / "family_members.json"
ECS_SHAPE_TABLE = ROOT / "foundation" / "ecs_container_shape.json"
README = POLICIES / "README.md"
STACKS = ("staging", "prod")

_TYPE_TOKEN = re.compile(
    r'@pulumi\.type_token\("(?P<token>[^"]+)"\)\nclass (?P<cls>\w+)\(pulumi\.CustomResource\):'
)
_INTERNAL_INIT = re.compile(r"    def _internal_init\(__self__,(?P<params>.*?)\):\n", re.S)
_PARAM = re.compile(r"^\s+(\w+): ", re.M)


def pulumi_aws_root() -> Path:
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pulumi_aws is not installed in this environment (make .venv/.installed)")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def scan_constructor_inputs(root: Path) -> dict[str, frozenset[str]]:
    """Custom resource type token -> the snake_case inputs its `_internal_init` takes."""
    inputs: dict[str, frozenset[str]] = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "pulumi.CustomResource" not in text:
            continue
        matches = list(_TYPE_TOKEN.finditer(text))
        for i, match in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            init = _INTERNAL_INIT.search(text, match.end(), end)
            params = _PARAM.findall(init.group("params")) if init else []
            inputs[match.group("token")] = frozenset(params)
    return inputs


def scan_resource_types(root: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(all custom resource type tokens, those whose `_internal_init` takes `tags`)."""
    inputs = scan_constructor_inputs(root)
    return frozenset(inputs), frozenset(t for t, names in inputs.items() if "tags" in names)


def scan_taggable_types(root: Path) -> list[str]:
    """Type tokens of the pulumi_aws custom resources whose `_internal_init` takes `tags`."""
    return sorted(scan_resource_types(root)[1])


def taggable_table_text() -> str:
    """The taggable types as the cost pack reads them (taggable_types.py loads the table)."""
    table = {
        "generatedBy": "tools/gen_policy_files.py (do not edit; run `make regen`)",
        "pulumiAws": importlib.metadata.version("pulumi_aws"),
        "types": scan_taggable_types(pulumi_aws_root()),
    }
    return json.dumps(table, indent=2) + "\n"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def family_members_text() -> str:
    """Per family (type_families.FAMILY_INPUTS), every pulumi-aws type whose constructor takes
    one of the family's inputs, with those inputs (camelCase): judged_types.py loads it."""
    inputs = scan_constructor_inputs(pulumi_aws_root())
    families = _pack_module("guardrails", "type_families").FAMILY_INPUTS
    table = {
        "generatedBy": "tools/gen_policy_files.py (do not edit; run `make regen`)",
        "pulumiAws": importlib.metadata.version("pulumi_aws"),
        "families": {
            family: {
                token: sorted(_camel(n) for n in names & signature)
                for token, names in sorted(inputs.items())
                if names & signature
            }
            for family, (signature, _) in families.items()
        },
    }
    return json.dumps(table, indent=1) + "\n"


def _shape_tree(shape: Any, depth: int = 0) -> Any:
    """A botocore shape as the normaliser's tree: a dict for a structure (member -> subtree),
    "map" for a map (keys kept as written), None for scalars; lists take their member's tree."""
    if depth > 8:
        return None
    if shape.type_name == "list":
        return _shape_tree(shape.member, depth + 1)
    if shape.type_name == "map":
        return "map"
    if shape.type_name == "structure":
        return {name: _shape_tree(member, depth + 1) for name, member in shape.members.items()}
    return None


def ecs_shape_text() -> str:
    """The ECS ContainerDefinition shape from botocore's service model, as foundation reads it
    (foundation/ecs_container_shape.py loads the table)."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    table = {
        "generatedBy": "tools/gen_policy_files.py (do not edit; run `make regen`)",
        "botocore": botocore.__version__,
        "containerDefinition": _shape_tree(model.shape_for("ContainerDefinition")),
    }
    return json.dumps(table, indent=2) + "\n"


def _pack_module(pack: str, module: str) -> Any:
    """A module of a pack, imported from its directory (as _packs does)."""
    _packs()
    return importlib.import_module(f"perfcheck_{pack}.{module}")


def _packs() -> list[tuple[str, Any]]:
    """(pack key, pack module) for both packs, imported from their directories."""
    found = []
    if str(KIT_SOURCE.parent) not in sys.path:
        sys.path.insert(0, str(KIT_SOURCE.parent))
    for pack in PACKS:
        directory = str(POLICIES / pack)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        found.append((pack, importlib.import_module(f"perfcheck_{pack}")))
    return found


def _levels(pack: str, policy: Any) -> list[str]:
    levels = []
    for stack in STACKS:
        config = json.loads((POLICIES / "config" / f"{stack}.{pack}.json").read_text())
        entry = config.get(policy.name, {})
        level = entry if isinstance(entry, str) else entry.get("enforcementLevel")
        level = level or policy.enforcement_level.value
        extras = (
            {}
            if isinstance(entry, str)
            else {k: v for k, v in entry.items() if k != "enforcementLevel"}
        )
        exemptions = extras.pop("exemptions", [])
        reviewed = extras.pop("reviewedTypes", [])  # resource-type-judged: listed in the config
        shown = ", ".join(f"{k}={_short(v)}" for k, v in extras.items())
        if reviewed:
            shown = ", ".join(filter(None, [shown, f"{len(reviewed)} reviewed types"]))
        if exemptions:
            count = len(exemptions)
            shown = ", ".join(filter(None, [shown, f"{count} exemption{'s' * (count != 1)}"]))
        levels.append(f"{level} ({shown})" if shown else level)
    return levels


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def rules_table() -> str:
    lines = [
        "| Pack | Rule | Severity | What it checks | staging | prod | Config keys |",
        "|---|---|---|---|---|---|---|",
    ]
    for pack, module in _packs():
        for policy in module.POLICIES:
            keys = sorted(k for k in policy.config_schema.properties if k != "exemptions")
            kind = " (stack)" if policy.__class__.__name__ == "StackRule" else ""
            lines.append(
                f"| {pack} | `{policy.name}`{kind} | {policy.severity.value} | "
                f"{_cell(policy.description)} | "
                + " | ".join(_levels(pack, policy))
                + f" | {', '.join(f'`{k}`' for k in keys) or '-'} |"
            )
    return "\n".join(lines)


_TASK = "aws:ecs/taskDefinition:TaskDefinition"
_LISTED_TYPES = 20
_LISTENERS = {"aws:lb/listener:Listener", "aws:alb/listener:Listener"}


def _normalised(policy: Any) -> str:
    parts = []
    types = policy.resource_types or frozenset()
    if len(types) > _LISTED_TYPES:
        types = frozenset()  # a rule over every taggable type reads only tags
    if _TASK in types:
        parts.append("containerDefinitions decoded as pulumi-aws does (key case, last duplicate)")
    if types & _LISTENERS:
        parts.append("listener protocol any case, omitted = HTTP")
    if getattr(policy, "normalises", ""):
        parts.append(policy.normalises)
    return "; ".join(parts) or "-"


def coverage_table() -> str:
    lines = ["| Rule | Resource types judged | Normalised before judging |", "|---|---|---|"]
    for _, module in _packs():
        for policy in module.POLICIES:
            types = policy.resource_types
            if types is None:
                shown = "every type (skips understood packages unread)"
            elif len(types) > _LISTED_TYPES:
                shown = f"{len(types)} types (every pulumi-aws type that takes `tags`)"
            else:
                shown = "<br>".join(f"`{t}`" for t in sorted(types)) or "-"
            lines.append(f"| `{policy.name}` | {shown} | {_cell(_normalised(policy))} |")
    return "\n".join(lines)


def unknowns_table() -> str:
    lines = ["| Rule | During preview, when a value is unknown |", "|---|---|"]
    for _, module in _packs():
        for policy in module.POLICIES:
            lines.append(f"| `{policy.name}` | {_cell(policy.judges_unknowns)} |")
    return "\n".join(lines)


def readme_text() -> str:
    text = README.read_text(encoding="utf-8")
    tables = (
        ("rules", rules_table()),
        ("coverage", coverage_table()),
        ("unknowns", unknowns_table()),
    )
    for name, body in tables:
        start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
        if start not in text or end not in text:
            raise SystemExit(f"{README} lacks the {start} ... {end} markers")
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{body}\n{end}{tail}"
    return text


def write_all() -> None:
    TAGGABLE_TABLE.write_text(taggable_table_text(), encoding="utf-8")
    FAMILY_TABLE.write_text(family_members_text(), encoding="utf-8")
    ECS_SHAPE_TABLE.write_text(ecs_shape_text(), encoding="utf-8")
    README.write_text(readme_text(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    args = parser.parse_args(argv)
    if not args.check:
        write_all()
        print("policy files regenerated")
        return 0
    problems: list[str] = []
    if TAGGABLE_TABLE.read_text(encoding="utf-8") != taggable_table_text():
        problems.append(str(TAGGABLE_TABLE.relative_to(ROOT)))
    if FAMILY_TABLE.read_text(encoding="utf-8") != family_members_text():
        problems.append(str(FAMILY_TABLE.relative_to(ROOT)))
    if ECS_SHAPE_TABLE.read_text(encoding="utf-8") != ecs_shape_text():
        problems.append(str(ECS_SHAPE_TABLE.relative_to(ROOT)))
    if README.read_text(encoding="utf-8") != readme_text():
        problems.append(str(README.relative_to(ROOT)))
    if problems:
        print("out of date (run `make regen`):", *problems, sep="\n  ")
        return 1
    print("policy files are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
