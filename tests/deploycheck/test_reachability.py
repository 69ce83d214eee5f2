"""Reachability: each proxy, service and VPC function has a path to every AWS API it calls.

A small network is added to the production-like stack: an awsx VPC (public / private with NAT /
isolated), an RDS Proxy reading a secret from the isolated subnets, a Fargate service in the
private subnets, and interface endpoints for Secrets Manager and KMS whose groups admit the proxy.
That baseline is clean; each case breaks one path and expects the finding that names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from perfcheck_deploy.reachability import ENDPOINT_SG_ID, NO_PATH_ID
from through_pack import pack_findings as run_deploy_checks

from foundation.records import UNKNOWN

if TYPE_CHECKING:
    from conftest import StackBuilder

VPC = "vpc-0reach000000000001"
PRIVATE = ["subnet-0priv0000000000a", "subnet-0priv0000000000b"]
ISOLATED = ["subnet-0isol0000000000a", "subnet-0isol0000000000b"]
PUBLIC = ["subnet-0pub00000000000a", "subnet-0pub00000000000b"]
REACHABILITY = {NO_PATH_ID, ENDPOINT_SG_ID}


def _group(b: StackBuilder, name: str) -> str:
    b.add(
        "aws:ec2/securityGroup:SecurityGroup",
        name,
        {"vpcId": VPC, "description": name},
        outputs={"id": f"sg-0{name.replace('-', '')[:16]:0<16}"},
    )
    return b.out(name)


def _rule(b: StackBuilder, name: str, kind: str, group: str, **target: Any) -> None:
    b.add(
        f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule",
        name,
        {"securityGroupId": group, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, **target},
    )


def _endpoint(b: StackBuilder, service: str, group: str) -> None:
    b.add(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        f"endpoint-{service}",
        {
            "vpcId": VPC,
            "serviceName": f"com.amazonaws.eu-west-1.{service}",
            "vpcEndpointType": "Interface",
            "privateDnsEnabled": True,
            "subnetIds": ISOLATED,
            "securityGroupIds": [group],
        },
        outputs={"id": f"vpce-0{service:0<16}"},
    )


def add_network(b: StackBuilder) -> None:
    b.add(
        "awsx:ec2:Vpc",
        "vpc",
        {
            "cidrBlock": "10.40.0.0/16",
            "natGateways": {"strategy": "Single"},
            "subnetSpecs": [
                {"type": "Public", "cidrBlocks": ["10.40.32.0/21", "10.40.96.0/21"]},
                {"type": "Private", "cidrBlocks": ["10.40.0.0/19", "10.40.64.0/19"]},
                {"type": "Isolated", "cidrBlocks": ["10.40.40.0/21", "10.40.104.0/21"]},
            ],
        },
        outputs={
            "vpcId": VPC,
            "publicSubnetIds": PUBLIC,
            "privateSubnetIds": PRIVATE,
            "isolatedSubnetIds": ISOLATED,
        },
    )
    proxy_sg = _group(b, "proxy-sg")
    service_sg = _group(b, "service-sg")
    _rule(b, "service-https-out", "Egress", service_sg, cidrIpv4="0.0.0.0/0")
    for service in ("secretsmanager", "kms"):
        endpoint_sg = _group(b, f"{service}-endpoint-sg")
        _endpoint(b, service, endpoint_sg)
        for caller, caller_sg in (("proxy", proxy_sg), ("service", service_sg)):
            _rule(
                b,
                f"{service}-from-{caller}",
                "Ingress",
                endpoint_sg,
                referencedSecurityGroupId=caller_sg,
            )
        _rule(b, f"proxy-to-{service}", "Egress", proxy_sg, referencedSecurityGroupId=endpoint_sg)
    b.add(
        "aws:rds/proxy:Proxy",
        "proxy",
        {
            "engineFamily": "POSTGRESQL",
            "vpcSubnetIds": ISOLATED,
            "vpcSecurityGroupIds": [proxy_sg],
            "auths": [{"authScheme": "SECRETS", "secretArn": b.arn("secretsmanager", "secret:db")}],
        },
    )
    b.add(
        "aws:ecs/service:Service",
        "service",
        {
            "taskDefinition": b.out("perfcheck-prod-app", "arn"),
            "networkConfiguration": {"subnets": PRIVATE, "securityGroups": [service_sg]},
        },
    )


@pytest.fixture
def net(prod: StackBuilder) -> StackBuilder:
    prod.records["perfcheck-prod-app"]["outputs"]["arn"] = prod.arn(
        "ecs", "task-definition/perfcheck-prod-app:1"
    )
    add_network(prod)
    return prod


def reachability(b: StackBuilder) -> list[tuple[str, str, str]]:
    return [
        (f.check_id, f.resource_name, str(f))
        for f in run_deploy_checks(b.run())
        if f.check_id in REACHABILITY
    ]


def test_the_baseline_network_is_clean_and_judged(net: StackBuilder) -> None:
    assert reachability(net) == []
    # Judged, not skipped: without the secretsmanager endpoint the proxy is flagged.
    del net.records["endpoint-secretsmanager"]
    assert [(c, r) for c, r, _ in reachability(net)] == [(NO_PATH_ID, "proxy")]


def _drop(*names: str) -> Callable[[StackBuilder], None]:
    def apply(b: StackBuilder) -> None:
        for name in names:
            del b.records[name]

    return apply


def _set(resource: str, **changes: Any) -> Callable[[StackBuilder], None]:
    return lambda b: b.set(resource, **changes)


def _isolated_service(b: StackBuilder) -> None:
    b.inputs("service")["networkConfiguration"]["subnets"] = ISOLATED


def _no_nat(b: StackBuilder) -> None:
    b.inputs("vpc")["natGateways"] = {"strategy": "None"}


CASES: dict[str, tuple[Callable[[StackBuilder], None], set[tuple[str, str]], list[str]]] = {
    # A proxy in isolated subnets without any endpoint: neither Secrets Manager nor KMS.
    "proxy-without-endpoints": (
        _drop("endpoint-secretsmanager", "endpoint-kms"),
        {(NO_PATH_ID, "proxy")},
        ["needs secretsmanager", "needs kms", "no NAT route", "isolated"],
    ),
    # The endpoint exists, but its group does not admit the proxy on 443.
    "endpoint-does-not-admit-the-proxy": (
        _drop("secretsmanager-from-proxy"),
        {(ENDPOINT_SG_ID, "proxy")},
        ["endpoint-secretsmanager", "do not admit", "443"],
    ),
    # An ingress rule on the wrong port admits nothing on 443.
    "endpoint-admits-the-wrong-port": (
        _set("kms-from-proxy", fromPort=5432, toPort=5432),
        {(ENDPOINT_SG_ID, "proxy")},
        ["endpoint-kms"],
    ),
    # The endpoint admits the proxy, but the proxy's own group may not send 443 to it.
    "proxy-may-not-send-to-the-endpoint": (
        _drop("proxy-to-kms"),
        {(ENDPOINT_SG_ID, "proxy")},
        ["no TCP 443 egress", "endpoint-kms"],
    ),
    # Private DNS sends the service's Secrets Manager calls to the endpoint even with NAT: the
    # endpoint's group must admit the service too.
    "endpoint-does-not-admit-the-tasks-despite-nat": (
        _drop("secretsmanager-from-service"),
        {(ENDPOINT_SG_ID, "service")},
        ["secretsmanager", "private DNS"],
    ),
    # Tasks moved to isolated subnets: image pulls and logs have no route and no endpoint.
    "tasks-in-isolated-subnets": (
        _isolated_service,
        {(NO_PATH_ID, "service")},
        ["no NAT route"],
    ),
    # The VPC's NAT strategy is None: the private subnets have no route out either.
    "vpc-without-nat": (_no_nat, {(NO_PATH_ID, "service")}, ["private", "no NAT route"]),
    # With NAT but no 443 out, the tasks reach nothing: neither the internet nor the endpoint.
    "tasks-without-https-egress": (
        _drop("service-https-out"),
        {(NO_PATH_ID, "service"), (ENDPOINT_SG_ID, "service")},
        ["no TCP 443 egress to the internet"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_path_is_named(net: StackBuilder, case: str) -> None:
    mutate, expected, fragments = CASES[case]
    mutate(net)
    found = reachability(net)
    assert {(check, resource) for check, resource, _ in found} == expected
    text = " ".join(message for _, _, message in found)
    for fragment in fragments:
        assert fragment in text, (fragment, text)


def test_a_public_ecr_image_needs_nat_even_with_every_endpoint(net: StackBuilder) -> None:
    """ECR Public has no interface endpoint: tasks pulling from it need a NAT route."""
    _isolated_service(net)
    for service in ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "xray", "monitoring"):
        if f"endpoint-{service}" not in net.records:
            group = _group(net, f"{service.replace('.', '-')}-ep-sg")
            _endpoint(net, service, group)
            _rule(net, f"{service}-admits", "Ingress", group, cidrIpv4="10.40.0.0/16")

    def public_images(containers: dict[str, dict[str, Any]]) -> None:
        for container in containers.values():
            container["image"] = "public.ecr.aws/docker/library/node:22-alpine"

    net.edit_containers(public_images)
    messages = [m for check, _, m in reachability(net) if check == NO_PATH_ID]
    assert any("ecr-public" in m for m in messages), messages


def test_plain_route_tables_are_followed(net: StackBuilder) -> None:
    """Subnets declared as plain resources: a NAT route in the associated table is a path."""
    net.add(
        "aws:ec2/subnet:Subnet",
        "plain-subnet",
        {"vpcId": VPC, "cidrBlock": "10.40.200.0/24"},
        outputs={"id": "subnet-0plain00000000001"},
    )
    net.add("aws:ec2/routeTable:RouteTable", "plain-rt", {"vpcId": VPC}, outputs={"id": "rtb-01"})
    net.add(
        "aws:ec2/route:Route",
        "plain-default",
        {"routeTableId": "rtb-01", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-01"},
    )
    net.add(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "plain-assoc",
        {"subnetId": "subnet-0plain00000000001", "routeTableId": "rtb-01"},
    )
    net.inputs("service")["networkConfiguration"]["subnets"] = ["subnet-0plain00000000001"]
    assert reachability(net) == []
    del net.records["plain-default"]
    assert {(c, r) for c, r, _ in reachability(net)} == {(NO_PATH_ID, "service")}


def test_a_vpc_function_needs_a_path_for_its_role_calls(net: StackBuilder) -> None:
    net.add(
        "aws:iam/role:Role",
        "fn-role",
        {"assumeRolePolicy": "{}"},
        outputs={"arn": net.arn("iam", "role/fn", ""), "name": "fn", "id": "fn"},
    )
    net.add(
        "aws:iam/rolePolicy:RolePolicy",
        "fn-policy",
        {
            "role": "fn",
            "policy": net.policy(
                {"Effect": "Allow", "Action": "ecs:UpdateService", "Resource": "*"}
            ),
        },
    )
    net.add(
        "aws:lambda/function:Function",
        "fn",
        {
            "role": net.arn("iam", "role/fn", ""),
            "vpcConfig": {"subnetIds": ISOLATED, "securityGroupIds": [net.out("proxy-sg")]},
        },
    )
    found = reachability(net)
    assert [(c, r) for c, r, _ in found] == [(NO_PATH_ID, "fn")]
    assert "needs ecs" in found[0][2]


def test_values_unknown_at_preview_are_not_judged(net: StackBuilder) -> None:
    _drop("endpoint-secretsmanager", "endpoint-kms")(net)
    net.set("proxy", vpcSubnetIds=UNKNOWN)
    assert reachability(net) == []


PLAIN_SUBNET = "subnet-0plain00000000002"


def _plain_network(net: StackBuilder, table: dict[str, Any], route: dict[str, Any] | None) -> None:
    """The service moved to a plain subnet whose table is `table`'s inputs, plus `route` as a
    separate Route resource (None: none)."""
    net.add(
        "aws:ec2/subnet:Subnet",
        "plain-subnet-2",
        {"vpcId": VPC, "cidrBlock": "10.40.201.0/24"},
        outputs={"id": PLAIN_SUBNET},
    )
    net.add(
        "aws:ec2/routeTable:RouteTable",
        "plain-rt-2",
        {"vpcId": VPC, **table},
        outputs={"id": "rtb-02"},
    )
    if route is not None:
        net.add("aws:ec2/route:Route", "plain-route-2", {"routeTableId": "rtb-02", **route})
    net.add(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "plain-assoc-2",
        {"subnetId": PLAIN_SUBNET, "routeTableId": "rtb-02"},
    )
    net.inputs("service")["networkConfiguration"]["subnets"] = [PLAIN_SUBNET]


ANYWHERE_ROUTE = {"destinationCidrBlock": "0.0.0.0/0"}


@pytest.mark.parametrize(
    ("table", "route", "has_path"),
    [
        ({}, {**ANYWHERE_ROUTE, "gatewayId": "igw-01"}, True),  # internet gateway
        ({}, {**ANYWHERE_ROUTE, "transitGatewayId": "tgw-01"}, True),  # central egress
        ({"routes": [{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-01"}]}, None, True),
        ({"routes": [{"cidrBlock": "10.0.0.0/8", "natGatewayId": "nat-01"}]}, None, False),
        ({}, {"destinationCidrBlock": "10.0.0.0/8", "natGatewayId": "nat-01"}, False),
        ({}, None, False),  # local routes only
    ],
    ids=["igw", "transit", "inline-nat", "inline-not-default", "route-not-default", "local"],
)
def test_a_plain_subnet_has_a_path_out_only_through_a_default_route_to_a_gateway(
    net: StackBuilder, table: dict[str, Any], route: dict[str, Any] | None, has_path: bool
) -> None:
    """A subnet declared as a plain resource reaches AWS's public endpoints when its table has a
    0.0.0.0/0 route to a NAT, internet or transit gateway, written inline in the table or as a
    separate Route; a route to a narrower range, or only the local routes, is no path."""
    _plain_network(net, table, route)
    found = {(c, r) for c, r, _ in reachability(net)}
    assert found == (set() if has_path else {(NO_PATH_ID, "service")}), found
