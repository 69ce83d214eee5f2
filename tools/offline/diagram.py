"""A Mermaid diagram of what the program registers: components, their parts and connections.

Drawn from an offline `StackRun`, so `docs/architecture.md` shows the architecture the code
builds, not one somebody remembered. Components (`custom=False` records) become subgraphs
nested by `parent`; their custom children are grouped by type, except security groups, which
are nodes of their own so that the rules between them can be drawn as edges labelled with
protocol and port. Other dependencies between components are dotted edges. Output is deterministic:
the same run always renders the same text, so a test can tell when the document is stale.

    python -m tools.offline.diagram            # writes docs/architecture.md from the prod stack
    python -m tools.offline.diagram --check    # exits 1 when docs/architecture.md is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundation import sgrules
from foundation.records import ResourceRecord, StackRun, stack_index
from foundation.stackmodel import is_unknown

STACK_TYPE = "pulumi:pulumi:Stack"
SECURITY_GROUP = sgrules.SECURITY_GROUP
RULE_TYPES = frozenset(sgrules.RULE_TYPES)
DEFAULT_OUTPUT = Path("docs/architecture.md")
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    label: str
    dotted: bool = False


@dataclass(frozen=True)
class _PlacedPermission:
    """One permission (foundation.sgrules) placed: the group it belongs to and its peer."""

    own: str
    ingress: bool
    label: str
    groups: tuple[str, ...]
    cidrs: tuple[Any, ...]
    prefix_lists: tuple[Any, ...]


def short_type(type_token: str) -> str:
    """`aws:ec2/subnet:Subnet` -> `ec2.Subnet`; a component type -> its class name."""
    parts = type_token.split(":")
    if len(parts) != 3:
        return type_token
    package, module, cls = parts
    if package == "aws":
        return f"{module.split('/')[0]}.{cls}"
    return cls


def _label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "x"


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value) and value != ""


def _port(value: Any) -> Any:
    """Ports arrive as floats (protobuf Struct numbers); print whole numbers as integers."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _port_label(rule: sgrules.SgRule[ResourceRecord]) -> str:
    protocol = rule.protocol if isinstance(rule.protocol, str) else "tcp"
    if rule.all_traffic:
        return "all traffic"
    low, high = rule.from_port, rule.to_port
    if not isinstance(low, int) or (low == 0 and high in (0, 65535)):
        return f"{protocol} all ports"
    if low == high or not isinstance(high, int):
        return f"{protocol} {low}"
    return f"{protocol} {low}-{high}"


class _Diagram:
    """Builds the Mermaid text for one run; every collection is sorted before it is written."""

    def __init__(self, run: StackRun) -> None:
        self.run = run
        self.by_urn = {r.urn: r for r in run.resources}
        self.components = {r.urn: r for r in run.resources if not r.custom and r.type != STACK_TYPE}
        self.ids: dict[str, str] = {}
        self._taken: set[str] = set()
        self.external: dict[str, str] = {}

    # --- naming ---------------------------------------------------------------------------

    def node_id(self, key: str, hint: str) -> str:
        if key not in self.ids:
            base = _slug(hint)
            candidate, n = base, 2
            while candidate in self._taken:
                candidate, n = f"{base}_{n}", n + 1
            self._taken.add(candidate)
            self.ids[key] = candidate
        return self.ids[key]

    def owner(self, urn: str) -> str | None:
        """The nearest component at or above `urn` (None at the top level)."""
        seen: set[str] = set()
        current: str | None = urn
        while current is not None and current not in seen:
            seen.add(current)
            if current in self.components:
                return current
            record = self.by_urn.get(current)
            current = record.parent if record else None
        return None

    def ancestors(self, urn: str) -> set[str]:
        found: set[str] = set()
        record = self.by_urn.get(urn)
        while record is not None and record.parent and record.parent not in found:
            found.add(record.parent)
            record = self.by_urn.get(record.parent)
        return found

    # --- security groups ------------------------------------------------------------------

    @staticmethod
    def one_group(found: list[ResourceRecord] | None) -> str | None:
        """The one security group node a reference resolved to (None: none, or ambiguous)."""
        urns = {group.urn for group in found or () if group.type == SECURITY_GROUP}
        return urns.pop() if len(urns) == 1 else None

    def outside(self, value: str, kind: str) -> str:
        key = f"{kind}:{value}"
        label = value if kind == "cidr" else f"prefix list {value}"
        node = self.node_id(key, f"ext_{value}")
        self.external[node] = label
        return node

    def rules(self) -> list[_PlacedPermission]:
        """Every security group permission in the run, whichever way the program wrote it."""
        found: list[_PlacedPermission] = []
        index = stack_index(self.run)
        for rule in sgrules.stack_rules(index):
            own = self.one_group(sgrules.owner_groups(index, rule))
            if own is None or rule.direction not in ("ingress", "egress"):
                continue
            peer: Any = rule.peer if _known(rule.peer) else None
            groups = (
                (self.one_group(sgrules.peer_groups(index, rule)),)
                if rule.peer_kind in (sgrules.SELF, sgrules.GROUP)
                else ()
            )
            cidrs = (peer,) if rule.peer_kind in (sgrules.IPV4, sgrules.IPV6) else ()
            found.append(
                _PlacedPermission(
                    own=own,
                    ingress=rule.direction == "ingress",
                    label=_port_label(rule),
                    groups=tuple(group for group in groups if group),
                    cidrs=cidrs,
                    prefix_lists=(peer,) if rule.peer_kind == sgrules.PREFIX_LIST else (),
                )
            )
        return found

    def rule_edges(self) -> list[Edge]:
        """Group-to-group traffic both ways; traffic from outside only where it comes in."""
        edges: set[Edge] = set()
        for rule in self.rules():
            own = self.ids[rule.own]
            for other in rule.groups:
                source, target = (self.ids[other], own) if rule.ingress else (own, self.ids[other])
                edges.add(Edge(source, target, rule.label))
            if not rule.ingress:
                continue  # egress to the internet is everywhere and says little
            for cidr in rule.cidrs:
                if _known(cidr):
                    edges.add(Edge(self.outside(str(cidr), "cidr"), own, rule.label))
            for prefix in rule.prefix_lists:
                if _known(prefix):
                    edges.add(Edge(self.outside(str(prefix), "pl"), own, rule.label))
        return sorted(edges)

    # --- components -----------------------------------------------------------------------

    def dependency_edges(self) -> list[Edge]:
        edges: set[Edge] = set()
        for record in self.run.resources:
            source = self.owner(record.urn)
            if source is None:
                continue
            upstream = set(record.dependencies)
            for urns in record.property_dependencies.values():
                upstream |= set(urns)
            for urn in upstream:
                upstream_record = self.by_urn.get(urn)
                if upstream_record is not None and upstream_record.type == SECURITY_GROUP:
                    continue  # drawn as traffic between groups, not as a dependency
                target = self.owner(urn)
                if target is None or target == source:
                    continue
                if target in self.ancestors(source) or source in self.ancestors(target):
                    continue
                edges.add(Edge(self.ids[source], self.ids[target], "", dotted=True))
        return sorted(edges)

    # --- the request path -------------------------------------------------------------------

    def type_node(self, record: ResourceRecord) -> str | None:
        """The node a resource is drawn in (its type group inside its component)."""
        owner = self.owner(record.parent) if record.parent else None
        return self.ids.get(f"{owner}|{short_type(record.type)}")

    def path_edges(self) -> list[Edge]:
        """How a viewer request travels: distribution -> VPC origin -> load balancer, and the
        production rule's weighted forward to the target groups (weights ECS shifts)."""
        by_output: dict[str, ResourceRecord] = {}
        for record in self.run.resources:
            for key in ("id", "arn"):
                value = record.outputs.get(key)
                if isinstance(value, str) and _known(value):
                    by_output[value] = record
        edges: set[Edge] = set()

        def add(source: ResourceRecord, target: ResourceRecord | None, label: str) -> None:
            if target is None:
                return
            a, b = self.type_node(source), self.type_node(target)
            if a and b:
                edges.add(Edge(a, b, label))

        for distribution in self.run.by_type(DISTRIBUTION):
            for origin in distribution.inputs.get("origins") or []:
                vpc = (origin.get("vpcOriginConfig") or {}).get("vpcOriginId")
                add(distribution, by_output.get(vpc) if isinstance(vpc, str) else None, "origin")
        for vpc_origin in self.run.by_type(VPC_ORIGIN):
            endpoint = vpc_origin.inputs.get("vpcOriginEndpointConfig") or {}
            policy = endpoint.get("originProtocolPolicy")
            port = endpoint.get("httpsPort" if policy == "https-only" else "httpPort")
            label = f"VPC origin {'HTTPS' if policy == 'https-only' else 'HTTP'} {_port(port)}"
            add(vpc_origin, by_output.get(endpoint.get("arn", "")), label)
        for rule in self.run.by_type(LISTENER_RULE):
            for action in rule.inputs.get("actions") or []:
                groups = (action.get("forward") or {}).get("targetGroups") or []
                weights = "/".join(str(_port(g.get("weight"))) for g in groups)
                for group in groups:
                    label = f"forward {weights} (ECS shifts)"
                    add(rule, by_output.get(group.get("arn", "")), label)
        return sorted(edges)

    # --- rendering ------------------------------------------------------------------------

    def render(self) -> str:
        for urn, record in sorted(self.components.items()):
            self.node_id(urn, f"c_{record.name}")
        groups = sorted(
            (r for r in self.run.resources if r.type == SECURITY_GROUP), key=lambda r: r.urn
        )
        for record in groups:
            self.node_id(record.urn, f"sg_{record.name}")

        children: dict[str | None, list[str]] = defaultdict(list)
        for urn in sorted(self.components):
            children[self.owner(self.components[urn].parent or "")].append(urn)
        groups_in: dict[str | None, list[ResourceRecord]] = defaultdict(list)
        counts: dict[str | None, Counter[str]] = defaultdict(Counter)
        for record in self.run.resources:
            if not record.custom or record.type in RULE_TYPES:
                continue
            if record.type.startswith("pulumi:providers:"):
                continue
            home = self.owner(record.parent) if record.parent else None
            if record.type == SECURITY_GROUP:
                groups_in[home].append(record)
            else:
                counts[home][short_type(record.type)] += 1

        lines = ["flowchart LR"]
        lines += self._scope(None, children, groups_in, counts, depth=1)
        edges = self.path_edges() + self.rule_edges() + self.dependency_edges()
        for node, label in sorted(self.external.items()):
            lines.append(f"  {node}(({_label(label)}))")
        for edge in edges:
            arrow = "-.->" if edge.dotted else "-->"
            label = f"|{_label(edge.label)}|" if edge.label else ""
            lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
        return "\n".join(lines) + "\n"

    def _scope(
        self,
        owner: str | None,
        children: Mapping[str | None, list[str]],
        groups_in: Mapping[str | None, list[ResourceRecord]],
        counts: Mapping[str | None, Counter[str]],
        depth: int,
    ) -> list[str]:
        pad = "  " * depth
        lines: list[str] = []
        scope_id = self.ids[owner] if owner else "top"
        for type_name, count in sorted(counts.get(owner, Counter()).items()):
            text = type_name if count == 1 else f"{type_name} ({count})"
            node = self.node_id(f"{owner}|{type_name}", f"{scope_id}__{type_name}")
            lines.append(f"{pad}{node}[{_label(text)}]")
        for record in sorted(groups_in.get(owner, []), key=lambda r: r.urn):
            lines.append(f"{pad}{self.ids[record.urn]}{{{{{_label('sg ' + record.name)}}}}}")
        for urn in children.get(owner, []):
            record = self.components[urn]
            title = f"{record.name}: {short_type(record.type)}"
            lines.append(f"{pad}subgraph {self.ids[urn]}[{_label(title)}]")
            lines += self._scope(urn, children, groups_in, counts, depth + 1)
            lines.append(f"{pad}end")
        return lines


def render_mermaid(run: StackRun) -> str:
    """The Mermaid flowchart of a run's components and their connections (deterministic)."""
    return _Diagram(run).render()


def render_markdown(run: StackRun) -> str:
    """`docs/architecture.md`: the diagram with a short legend."""
    return (
        "# Architecture\n\n"
        f"Generated from the offline run of the `{run.stack}` stack by "
        "`python -m tools.offline.diagram`; do not edit by hand "
        "(a test fails when it is stale).\n\n"
        "Boxes are component resources with the AWS resources they own (grouped by type); "
        "hexagons are security groups, solid arrows the traffic their rules allow, dotted "
        "arrows dependencies between components.\n\n"
        "```mermaid\n" + render_mermaid(run) + "```\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/architecture.md from a stack.")
    parser.add_argument("--stack", default="prod", choices=("staging", "prod"))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)

    from tools.offline.runner import run_stack  # the runner runs the whole program: import late

    text = render_markdown(run_stack(args.stack))
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            print(
                f"{args.output} is stale: run `make regen` and commit it",
                file=sys.stderr,
            )
            return 1
        return 0
    if current != text:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
