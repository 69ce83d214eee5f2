"""Network: subnet plan, AZs and NAT per stack, flow logs, and least-privilege security groups."""

from __future__ import annotations

import ipaddress
import json

import pytest

from components.network import plan_subnets
from foundation.records import StackRun

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


@pytest.mark.parametrize(
    "cidr,azs", [("10.0.0.0/16", 2), ("10.30.0.0/16", 3), ("172.16.0.0/20", 3)]
)
def test_subnet_plan_fits_the_vpc_without_overlap(cidr: str, azs: int) -> None:
    plan = plan_subnets(cidr, azs)
    vpc = ipaddress.IPv4Network(cidr)
    blocks = [ipaddress.IPv4Network(b) for b in plan.public + plan.private + plan.isolated]
    assert len(plan.public) == len(plan.private) == len(plan.isolated) == azs
    assert all(block.subnet_of(vpc) for block in blocks)
    for index, block in enumerate(blocks):
        assert not any(block.overlaps(other) for other in blocks[index + 1 :])
    assert all(
        ipaddress.IPv4Network(p).num_addresses > ipaddress.IPv4Network(q).num_addresses
        for p, q in zip(plan.private, plan.public, strict=True)
    )


def test_vpc_spans_the_configured_azs_with_the_stack_nat_strategy(each_stack: StackRun) -> None:
    vpc = each_stack.one("awsx:ec2:Vpc")
    expected_azs, expected_nat = {"staging": (2, "Single"), "prod": (3, "OnePerAz")}[
        each_stack.stack
    ]
    assert vpc.wire_inputs["numberOfAvailabilityZones"] == expected_azs
    assert vpc.wire_inputs["natGateways"] == {"strategy": expected_nat}
    kinds = {spec["type"]: spec["cidrBlocks"] for spec in vpc.wire_inputs["subnetSpecs"]}
    assert set(kinds) == {"Public", "Private", "Isolated"}
    assert all(len(blocks) == expected_azs for blocks in kinds.values())


def test_flow_logs_capture_all_traffic_into_an_encrypted_group_with_retention(
    each_stack: StackRun,
) -> None:
    flow_log = each_stack.one("aws:ec2/flowLog:FlowLog")
    assert flow_log.wire_inputs["trafficType"] == "ALL"
    group = each_stack.one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    assert flow_log.wire_inputs["logDestination"] == group.outputs["arn"]
    assert group.wire_inputs["retentionInDays"] == {"staging": 14, "prod": 90}[each_stack.stack]
    key = each_stack.one("aws:kms/key:Key", "network-flow-logs-key")
    assert group.wire_inputs["kmsKeyId"] == key.outputs["arn"]
    assert key.wire_inputs["enableKeyRotation"] is True


def test_no_security_group_rule_is_open_to_the_internet_except_egress_https(
    each_stack: StackRun,
) -> None:
    for rule in each_stack.by_type(INGRESS):
        assert "cidrIpv4" not in rule.wire_inputs and "cidrIpv6" not in rule.wire_inputs, rule.name
    open_egress = [
        r for r in each_stack.by_type(EGRESS) if r.wire_inputs.get("cidrIpv4") == "0.0.0.0/0"
    ]
    # The tasks, and the one-off roles task (its images come from ECR Public, through NAT).
    assert sorted((r.name, r.wire_inputs["fromPort"]) for r in open_egress) == [
        ("database-roles-to-https", 443),
        ("network-service-to-https", 443),
    ]


def test_every_rule_has_a_description_and_one_port(each_stack: StackRun) -> None:
    for rule in each_stack.by_type(INGRESS) + each_stack.by_type(EGRESS):
        assert rule.wire_inputs.get("description"), rule.name
        assert rule.wire_inputs["fromPort"] == rule.wire_inputs["toPort"], rule.name


def _group_id(run: StackRun, tier: str) -> str:
    return run.one("aws:ec2/securityGroup:SecurityGroup", f"network-{tier}-sg").outputs["id"]


def test_load_balancer_accepts_only_cloudfront(each_stack: StackRun) -> None:
    lb = _group_id(each_stack, "lb")
    rules = [r for r in each_stack.by_type(INGRESS) if r.wire_inputs["securityGroupId"] == lb]
    assert len(rules) == 1
    assert rules[0].wire_inputs["prefixListId"].startswith("pl-")


def test_database_accepts_only_the_service_or_its_proxy(each_stack: StackRun) -> None:
    database = _group_id(each_stack, "database")
    sources = {
        r.wire_inputs.get("referencedSecurityGroupId")
        for r in each_stack.by_type(INGRESS)
        if r.wire_inputs["securityGroupId"] == database
    }
    # Both stacks run RDS Proxy (staging exercises the same path as prod); the one-off roles
    # task applies grants on the instance itself.
    roles = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "database-roles-sg")
    assert sources == {_group_id(each_stack, "db-proxy"), roles.outputs["id"]}


def test_cache_accepts_only_the_service(each_stack: StackRun) -> None:
    cache = _group_id(each_stack, "cache")
    rules = [r for r in each_stack.by_type(INGRESS) if r.wire_inputs["securityGroupId"] == cache]
    assert [
        (r.wire_inputs["referencedSecurityGroupId"], r.wire_inputs["fromPort"]) for r in rules
    ] == [(_group_id(each_stack, "service"), 6379)]


def test_every_interface_endpoint_uses_private_dns_and_admits_only_its_callers_on_443(
    each_stack: StackRun,
) -> None:
    from foundation.endpoints import INTERFACE_SERVICES

    endpoints = each_stack.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    interface = {
        e.wire_inputs["serviceName"].rsplit(".", 1)[-1] if "ecr" not in e.name else e.name: e
        for e in endpoints
        if e.wire_inputs["vpcEndpointType"] == "Interface"
    }
    assert len(interface) == len(INTERFACE_SERVICES)
    azs = {"staging": 1, "prod": 3}[each_stack.stack]
    groups = {g.outputs["id"]: g for g in each_stack.by_type("aws:ec2/securityGroup:SecurityGroup")}
    callers = {
        "service": each_stack.one("aws:ec2/securityGroup:SecurityGroup", "network-service-sg"),
        "proxy": each_stack.one("aws:ec2/securityGroup:SecurityGroup", "network-db-proxy-sg"),
    }
    for endpoint in interface.values():
        assert endpoint.wire_inputs["privateDnsEnabled"] is True
        assert len(endpoint.wire_inputs["subnetIds"]) == azs
        assert '"aws:PrincipalAccount"' in endpoint.wire_inputs["policy"]
        (group_id,) = endpoint.wire_inputs["securityGroupIds"]
        assert group_id in groups
        rules = [
            r for r in each_stack.by_type(INGRESS) if r.wire_inputs["securityGroupId"] == group_id
        ]
        assert rules and all(
            (r.wire_inputs["fromPort"], r.wire_inputs["toPort"]) == (443, 443)
            and "cidrIpv4" not in r.wire_inputs
            for r in rules
        )
        admitted = {r.wire_inputs["referencedSecurityGroupId"] for r in rules}
        service = endpoint.wire_inputs["serviceName"].split(".", 3)[-1]
        # The proxy reads no secret (end-to-end IAM), so no endpoint admits it; the one-off
        # roles task writes logs.
        expected = {callers["service"].outputs["id"]}
        if service == "logs":
            roles = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "database-roles-sg")
            expected.add(roles.outputs["id"])
        assert admitted == expected, service
        assert callers["proxy"].outputs["id"] not in admitted
    gateway = [e for e in endpoints if e.wire_inputs["vpcEndpointType"] == "Gateway"]
    assert [e.wire_inputs["serviceName"].rsplit(".", 1)[-1] for e in gateway] == ["s3"]
    # S3 also lets ECR's layer downloads through (their URLs are not signed by this account).
    s3_policy = {s["Sid"]: s for s in json.loads(gateway[0].wire_inputs["policy"])["Statement"]}
    assert s3_policy["EcrImageLayers"]["Resource"] == (
        "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"
    )
    assert s3_policy["EcrImageLayers"]["Action"] == "s3:GetObject"


def test_both_stacks_have_a_checked_path_for_every_caller(each_stack: StackRun) -> None:
    """Zero reachability findings, and not because nothing was judged."""
    from perfcheck_deploy import reachability, run_deploy_checks
    from perfcheck_deploy.stack import StackIndex

    assert [
        str(f) for f in run_deploy_checks(each_stack) if f.check_id.startswith("reachability")
    ] == []
    index = StackIndex(each_stack)
    service = each_stack.one("aws:ecs/service:Service")
    needs = reachability._task_needs(index, service) or {}
    assert {"ecr.api", "ecr.dkr", "s3", "logs", "secretsmanager", "xray"} <= set(needs)
    network = reachability.network_of(index)
    isolated = [s for s in network.subnets.values() if s.tier == "isolated"]
    assert isolated and all(s.route == "none" for s in isolated)
