"""The Mermaid renderer on a synthetic run shaped like what the program registers."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest

from foundation.records import UNKNOWN, ProviderRecord, ResourceRecord, StackRun
from tools.offline.diagram import render_markdown, render_mermaid, short_type

PROJECT, STACK = "perfcheck", "prod"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
PROVIDER = ProviderRecord(
    urn=f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default_7_51_1",
    type="pulumi:providers:aws",
    name="default_7_51_1",
    inputs={"region": "eu-west-1", "defaultTags": '{"tags": {"Project": "perfcheck"}}'},
)


def urn(type_chain: list[str], name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{'$'.join(type_chain)}::{name}"


class Builder:
    """Registers records the way the engine sees them: parent chains, ids, dependencies."""

    def __init__(self):
        self.records: list[ResourceRecord] = [
            ResourceRecord(STACK_URN, "pulumi:pulumi:Stack", f"{PROJECT}-{STACK}", False, {}, {})
        ]
        self.chains: dict[str, list[str]] = {STACK_URN: []}

    def add(self, type_, name, *, parent=STACK_URN, custom=True, inputs=None, deps=(), props=None):
        chain = [*self.chains[parent], type_]
        resource_urn = urn(chain, name)
        self.chains[resource_urn] = chain
        outputs = dict(inputs or {})
        if custom:
            outputs["id"] = f"{name}-id"
        self.records.append(
            ResourceRecord(
                urn=resource_urn,
                type=type_,
                name=name,
                custom=custom,
                wire_inputs=inputs or {},
                outputs=outputs,
                parent=parent,
                dependencies=tuple(deps),
                property_dependencies=props or {},
                provider=PROVIDER if custom else None,
            )
        )
        return resource_urn

    def run(self, records=None):
        return StackRun(STACK, PROJECT, tuple(records or self.records), {})


def ingress(b, name, parent, group, source_group, port):
    return b.add(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        name,
        parent=parent,
        inputs={
            "securityGroupId": f"{group.rsplit('::', 1)[1]}-id",
            "referencedSecurityGroupId": f"{source_group.rsplit('::', 1)[1]}-id",
            "ipProtocol": "tcp",
            "fromPort": port,
            "toPort": port,
        },
        props={"securityGroupId": (group,), "referencedSecurityGroupId": (source_group,)},
    )


@pytest.fixture(scope="module")
def stack_run() -> StackRun:
    b = Builder()
    net = b.add("perfcheck:components:Network", "net", custom=False)
    b.add("aws:ec2/vpc:Vpc", "net-vpc", parent=net)
    for i in range(3):
        b.add("aws:ec2/subnet:Subnet", f"net-private-{i}", parent=net)

    web = b.add("perfcheck:components:WebService", "web", custom=False)
    alb_sg = b.add("aws:ec2/securityGroup:SecurityGroup", "web-alb", parent=web)
    svc_sg = b.add("aws:ec2/securityGroup:SecurityGroup", "web-tasks", parent=web)
    alb = b.add("aws:lb/loadBalancer:LoadBalancer", "web-alb", parent=web)
    scaling = b.add("perfcheck:components:Autoscaling", "web-scaling", parent=web, custom=False)
    b.add("aws:appautoscaling/target:Target", "web-scaling-target", parent=scaling)

    db = b.add("perfcheck:components:Database", "db", custom=False)
    db_sg = b.add("aws:ec2/securityGroup:SecurityGroup", "db", parent=db)
    instance = b.add(
        "aws:rds/instance:Instance",
        "db-instance",
        parent=db,
        inputs={"vpcSecurityGroupIds": ["db-id"]},
        props={"vpcSecurityGroupIds": (db_sg,)},
    )
    ingress(b, "db-from-tasks", db, db_sg, svc_sg, 5432)

    cache = b.add("perfcheck:components:Cache", "cache", custom=False)
    cache_sg = b.add(
        "aws:ec2/securityGroup:SecurityGroup",
        "cache",
        parent=cache,
        inputs={
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 6379,
                    "toPort": 6379,
                    "securityGroups": ["web-tasks-id"],
                }
            ]
        },
        props={"ingress": (svc_sg,)},
    )
    b.add(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "cache-rg",
        parent=cache,
        props={"securityGroupIds": (cache_sg,)},
    )

    b.add(
        "aws:ecs/service:Service",
        "web-service",
        parent=web,
        deps=(instance,),
        props={"networkConfiguration": (svc_sg,)},
    )
    ingress(b, "tasks-from-alb", web, svc_sg, alb_sg, 3000)
    b.add(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "alb-from-cloudfront",
        parent=web,
        inputs={
            "type": "ingress",
            "securityGroupId": "web-alb-id",
            "protocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
            "prefixListIds": ["pl-3b927c52"],
        },
        props={"securityGroupId": (alb_sg,)},
    )
    b.add(
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "tasks-to-anywhere",
        parent=web,
        inputs={"securityGroupId": "web-tasks-id", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"},
        props={"securityGroupId": (svc_sg,)},
    )

    cdn = b.add("perfcheck:components:Cdn", "cdn", custom=False)
    b.add(
        "aws:cloudfront/distribution:Distribution",
        "cdn-distribution",
        parent=cdn,
        inputs={"origins": [{"domainName": UNKNOWN}]},
        props={"origins": (alb,)},
    )
    return b.run()


@pytest.fixture(scope="module")
def diagram(stack_run) -> str:
    return render_mermaid(stack_run)


def block(diagram: str, subgraph_id: str) -> str:
    """The lines between `subgraph <id>[...]` and its own `end` (by indentation)."""
    match = re.search(rf"^( *)subgraph {subgraph_id}\[.*?\n(.*?)^\1end$", diagram, re.S | re.M)
    assert match, f"no subgraph {subgraph_id} in\n{diagram}"
    return match.group(2)


def test_components_are_subgraphs_nested_by_parent(diagram):
    assert diagram.startswith("flowchart LR\n")
    for ident, title in [
        ("c_net", "net: Network"),
        ("c_web", "web: WebService"),
        ("c_db", "db: Database"),
        ("c_cache", "cache: Cache"),
        ("c_cdn", "cdn: Cdn"),
    ]:
        assert f'subgraph {ident}["{title}"]' in diagram
    assert 'subgraph c_web_scaling["web-scaling: Autoscaling"]' in block(diagram, "c_web")
    assert "appautoscaling.Target" in block(diagram, "c_web_scaling")
    assert "appautoscaling.Target" not in block(diagram, "c_net")


def test_children_are_grouped_by_type_inside_their_component(diagram):
    net = block(diagram, "c_net")
    assert '["ec2.Subnet (3)"]' in net
    assert '["ec2.Vpc"]' in net
    assert '["rds.Instance"]' in block(diagram, "c_db")
    assert "ecs.Service" in block(diagram, "c_web") and "lb.LoadBalancer" in block(diagram, "c_web")


def test_security_groups_are_nodes_and_rules_are_labelled_edges(diagram):
    assert 'sg_web_alb{{"sg web-alb"}}' in block(diagram, "c_web")
    assert 'sg_db{{"sg db"}}' in block(diagram, "c_db")
    assert 'sg_web_tasks -->|"tcp 5432"| sg_db' in diagram
    assert 'sg_web_alb -->|"tcp 3000"| sg_web_tasks' in diagram
    assert 'sg_web_tasks -->|"tcp 6379"| sg_cache' in diagram  # inline ingress block
    assert 'ext_pl_3b927c52(("prefix list pl-3b927c52"))' in diagram
    assert 'ext_pl_3b927c52 -->|"tcp 443"| sg_web_alb' in diagram
    assert "0.0.0.0/0" not in diagram, "egress to anywhere is left out"
    assert "SecurityGroupIngressRule" not in diagram and "securityGroupRule" not in diagram


def test_dependencies_between_components_are_dotted_edges(diagram):
    dotted = set(re.findall(r"^  (\S+) -\.-> (\S+)$", diagram, re.M))
    assert ("c_web", "c_db") in dotted  # the ECS service depends on the RDS instance
    assert ("c_cdn", "c_web") in dotted  # the distribution's origin is the ALB
    # a reference to another component's security group is drawn as traffic, not as a dependency
    assert ("c_db", "c_web") not in dotted and ("c_cache", "c_web") not in dotted
    assert all(a != b for a, b in dotted)
    assert ("c_web_scaling", "c_web") not in dotted and ("c_web", "c_web_scaling") not in dotted


def test_stack_and_providers_are_not_drawn(diagram):
    assert "pulumi:pulumi:Stack" not in diagram and "perfcheck-prod" not in diagram
    assert "providers" not in diagram


def test_output_is_deterministic_whatever_the_registration_order(stack_run, diagram):
    shuffled = list(stack_run.resources)
    random.Random(7).shuffle(shuffled)
    assert render_mermaid(replace(stack_run, resources=tuple(shuffled))) == diagram
    assert render_mermaid(stack_run) == diagram


def test_every_node_and_edge_line_is_mermaid_shaped(diagram):
    depth = 0
    node = r"[A-Za-z0-9_]+"
    shapes = [
        rf"subgraph {node}\[\"[^\"]+\"\]",
        r"end",
        rf"{node}\[\"[^\"]+\"\]",
        rf"{node}\{{\{{\"[^\"]+\"\}}\}}",
        rf"{node}\(\(\"[^\"]+\"\)\)",
        rf"{node} -->\|\"[^\"]+\"\| {node}",
        rf"{node} -\.-> {node}",
    ]
    for line in diagram.splitlines()[1:]:
        text = line.strip()
        assert any(re.fullmatch(shape, text) for shape in shapes), f"odd line: {line!r}"
        depth += text.startswith("subgraph ") - (text == "end")
        assert depth >= 0
    assert depth == 0


def test_quotes_in_names_are_escaped():
    b = Builder()
    b.add("perfcheck:components:Network", 'say "hi"', custom=False)
    text = render_mermaid(b.run())
    assert "say #quot;hi#quot;: Network" in text


def test_ids_stay_unique_when_names_collide():
    b = Builder()
    first = b.add("perfcheck:components:Network", "a-b", custom=False)
    second = b.add("perfcheck:components:Cache", "a_b", custom=False)
    b.add("aws:ec2/vpc:Vpc", "vpc", parent=first, deps=(second,))
    text = render_mermaid(b.run())
    # ids are handed out in urn order: the Cache's urn sorts first
    assert 'subgraph c_a_b["a_b: Cache"]' in text and 'subgraph c_a_b_2["a-b: Network"]' in text
    assert "c_a_b_2 -.-> c_a_b" in text


def test_markdown_wraps_the_diagram_in_a_mermaid_block(stack_run, diagram):
    text = render_markdown(stack_run)
    assert text.startswith("# Architecture\n")
    assert "`prod` stack" in text
    assert f"```mermaid\n{diagram}```\n" in text


@pytest.mark.parametrize(
    ("token", "short"),
    [
        ("aws:ec2/subnet:Subnet", "ec2.Subnet"),
        ("aws:rds/instance:Instance", "rds.Instance"),
        ("perfcheck:components:WebService", "WebService"),
        ("odd", "odd"),
    ],
)
def test_short_type(token, short):
    assert short_type(token) == short


def test_main_writes_the_document_and_check_reports_staleness(stack_run, tmp_path, monkeypatch):
    import sys
    import types

    from tools.offline import diagram

    fake_runner = types.ModuleType("tools.offline.runner")
    fake_runner.run_stack = lambda stack: replace(stack_run, stack=stack)
    monkeypatch.setitem(sys.modules, "tools.offline.runner", fake_runner)
    output = tmp_path / "architecture.md"

    assert diagram.main(["--output", str(output), "--check"]) == 1  # missing counts as stale
    assert diagram.main(["--output", str(output)]) == 0
    assert output.read_text() == render_markdown(stack_run)
    assert diagram.main(["--output", str(output), "--check"]) == 0
    output.write_text(output.read_text().replace("sg_db", "sg_database"))
    assert diagram.main(["--output", str(output), "--check"]) == 1


def test_the_request_path_is_drawn_on_the_real_program() -> None:
    """Distribution -> VPC origin -> internal ALB, and the production rule's weighted forward to
    the target groups, as labelled edges (and nothing when the path is broken)."""
    from tools.offline.runner import cached_run

    run = cached_run("prod")
    text = render_mermaid(run)
    assert re.search(r"cloudfront_Distribution -->\|\"origin\"\| \S+cloudfront_VpcOrigin", text)
    assert re.search(r"VpcOrigin -->\|\"VPC origin HTTP 80\"\| \S+lb_LoadBalancer", text)
    assert re.search(
        r"lb_ListenerRule -->\|\"forward 100/0 \(ECS shifts\)\"\| \S+TargetGroup", text
    )
    vpc_origin = run.one("aws:cloudfront/vpcOrigin:VpcOrigin")
    elsewhere = replace(
        vpc_origin,
        wire_inputs={
            **vpc_origin.wire_inputs,
            "vpcOriginEndpointConfig": {"arn": "arn:aws:elasticloadbalancing:other"},
        },
    )
    broken = replace(
        run, resources=tuple(elsewhere if r is vpc_origin else r for r in run.resources)
    )
    assert "VPC origin" not in render_mermaid(broken)
