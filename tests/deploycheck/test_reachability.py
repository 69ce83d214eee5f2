"""Reachability: each proxy, service and VPC function has a path to every AWS API it calls.

Every case is a mutation of the real prod program's network (captured once per session): an
awsx VPC (public / private with NAT / isolated subnets), the Fargate service in the private
subnets, interface endpoints whose groups admit their callers, the RDS Proxy in the isolated
subnets. `net` adds one thing the program does not do: the proxy reads a Secrets Manager auth
secret (SECRETS), so it needs Secrets Manager and KMS from the isolated subnets, and the network
gets a KMS endpoint and the rules that admit the proxy. That baseline is clean; each case breaks
one path and expects the finding that names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from perfcheck_deploy.reachability import ENDPOINT_SG_ID, NO_PATH_ID

from foundation.records import UNKNOWN

if TYPE_CHECKING:
    from conftest import ProgramStack

VPC_COMPONENT = "network-vpc"
PROXY, SERVICE = "database-proxy", "web-service"
PROXY_SG, SERVICE_SG = "network-db-proxy-sg", "network-service-sg"
REACHABILITY = {NO_PATH_ID, ENDPOINT_SG_ID}


def subnets(b: ProgramStack, kind: str) -> list[str]:
    """The program's subnets of one kind (awsx's outputs: public, private, isolated)."""
    return list(b.out(VPC_COMPONENT, f"{kind}SubnetIds"))


def _rule(b: ProgramStack, name: str, kind: str, group: str, **target: Any) -> None:
    b.add(
        f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule",
        name,
        {"securityGroupId": group, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, **target},
    )


def _endpoint(b: ProgramStack, service: str) -> str:
    """An interface endpoint like the program's, with a security group of its own (its id)."""
    group = f"sg-0{service.replace('.', '')[:16]:0<16}"
    b.add(
        "aws:ec2/securityGroup:SecurityGroup",
        f"endpoint-{service}-sg",
        {"vpcId": b.out(VPC_COMPONENT, "vpcId"), "description": service},
        outputs={"id": group},
    )
    b.add(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        f"endpoint-{service}",
        {
            "vpcId": b.out(VPC_COMPONENT, "vpcId"),
            "serviceName": f"com.amazonaws.eu-west-1.{service}",
            "vpcEndpointType": "Interface",
            "privateDnsEnabled": True,
            "subnetIds": subnets(b, "isolated"),
            "securityGroupIds": [group],
        },
        outputs={"id": f"vpce-0{service.replace('.', '')[:16]:0<16}"},
    )
    return group


def proxy_reads_its_secret(b: ProgramStack) -> None:
    """The proxy authenticates with a Secrets Manager secret; the network admits what it needs."""
    b.set(
        PROXY,
        auths=[{"authScheme": "SECRETS", "secretArn": b.arn("secretsmanager", "secret:db")}],
    )
    proxy_sg, service_sg = b.out(PROXY_SG), b.out(SERVICE_SG)
    kms_sg = _endpoint(b, "kms")
    _rule(b, "kms-from-service", "Ingress", kms_sg, referencedSecurityGroupId=service_sg)
    for service, endpoint_sg in (
        ("secretsmanager", b.out("network-endpoint-secretsmanager-sg")),
        ("kms", kms_sg),
    ):
        _rule(
            b, f"{service}-from-proxy", "Ingress", endpoint_sg, referencedSecurityGroupId=proxy_sg
        )
        _rule(b, f"proxy-to-{service}", "Egress", proxy_sg, referencedSecurityGroupId=endpoint_sg)


@pytest.fixture
def net(program: ProgramStack) -> ProgramStack:
    proxy_reads_its_secret(program)
    return program


def reachability(b: ProgramStack) -> list[tuple[str, str, str]]:
    return [
        (f.check_id, f.resource_name, str(f)) for f in b.findings() if f.check_id in REACHABILITY
    ]


def test_the_baseline_network_is_clean_and_judged(net: ProgramStack) -> None:
    assert reachability(net) == []
    # Judged, not skipped: without the secretsmanager endpoint the proxy is flagged.
    net.remove("network-endpoint-secretsmanager")
    assert {(c, r) for c, r, _ in reachability(net)} == {(NO_PATH_ID, PROXY)}


def _drop(*names: str) -> Callable[[ProgramStack], None]:
    def apply(b: ProgramStack) -> None:
        for name in names:
            b.remove(name)

    return apply


def _set(resource: str, **changes: Any) -> Callable[[ProgramStack], None]:
    return lambda b: b.set(resource, **changes)


def _isolated_service(b: ProgramStack) -> None:
    b.inputs(SERVICE)["networkConfiguration"]["subnets"] = subnets(b, "isolated")


def _no_nat(b: ProgramStack) -> None:
    b.inputs(VPC_COMPONENT)["natGateways"] = {"strategy": "None"}


CASES: dict[str, tuple[Callable[[ProgramStack], None], set[tuple[str, str]], list[str]]] = {
    # A proxy in isolated subnets without any endpoint: neither Secrets Manager nor KMS.
    "proxy-without-endpoints": (
        _drop("network-endpoint-secretsmanager", "endpoint-kms"),
        {(NO_PATH_ID, PROXY)},
        ["needs secretsmanager", "needs kms", "no NAT route", "isolated"],
    ),
    # The endpoint exists, but its group does not admit the proxy on 443.
    "endpoint-does-not-admit-the-proxy": (
        _drop("secretsmanager-from-proxy"),
        {(ENDPOINT_SG_ID, PROXY)},
        ["network-endpoint-secretsmanager", "do not admit", "443"],
    ),
    # An ingress rule on the wrong port admits nothing on 443.
    "endpoint-admits-the-wrong-port": (
        _set("kms-from-proxy", fromPort=5432, toPort=5432),
        {(ENDPOINT_SG_ID, PROXY)},
        ["endpoint-kms"],
    ),
    # The endpoint admits the proxy, but the proxy's own group may not send 443 to it.
    "proxy-may-not-send-to-the-endpoint": (
        _drop("proxy-to-kms"),
        {(ENDPOINT_SG_ID, PROXY)},
        ["no TCP 443 egress", "endpoint-kms"],
    ),
    # Private DNS sends the service's Secrets Manager calls to the endpoint even with NAT: the
    # endpoint's group must admit the service too.
    "endpoint-does-not-admit-the-tasks-despite-nat": (
        _drop("network-endpoint-secretsmanager-from-service"),
        {(ENDPOINT_SG_ID, SERVICE)},
        ["secretsmanager", "private DNS"],
    ),
    # Tasks moved to isolated subnets: what has no endpoint (ECR Public) has no route either.
    "tasks-in-isolated-subnets": (
        _isolated_service,
        {(NO_PATH_ID, SERVICE)},
        ["no NAT route", "isolated"],
    ),
    # The VPC's NAT strategy is None: the private subnets have no route out either (the service
    # and the one-off bootstrap task, both pulling an image from ECR Public, lose their path).
    "vpc-without-nat": (
        _no_nat,
        {(NO_PATH_ID, SERVICE), (NO_PATH_ID, "database-bootstrap-task")},
        ["private", "no NAT route"],
    ),
    # With NAT but no 443 out, the tasks reach nothing: neither the internet nor the endpoints.
    "tasks-without-https-egress": (
        _drop("network-service-to-https"),
        {(NO_PATH_ID, SERVICE), (ENDPOINT_SG_ID, SERVICE)},
        ["no TCP 443 egress to the internet"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_path_is_named(net: ProgramStack, case: str) -> None:
    mutate, expected, fragments = CASES[case]
    mutate(net)
    found = reachability(net)
    assert {(check, resource) for check, resource, _ in found} == expected
    text = " ".join(message for _, _, message in found)
    for fragment in fragments:
        assert fragment in text, (fragment, text)


def test_a_public_ecr_image_needs_nat_even_with_every_endpoint(net: ProgramStack) -> None:
    """ECR Public has no interface endpoint: tasks pulling from it need a NAT route."""
    _isolated_service(net)
    service_sg = net.out(SERVICE_SG)
    for service in ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "xray", "monitoring"):
        if f"network-endpoint-{service.replace('.', '-')}" not in net:
            group = _endpoint(net, service)
            _rule(net, f"{service}-admits", "Ingress", group, referencedSecurityGroupId=service_sg)

    def public_images(containers: dict[str, dict[str, Any]]) -> None:
        for container in containers.values():
            container["image"] = "public.ecr.aws/docker/library/node:22-alpine"

    net.edit_containers(public_images)
    messages = [m for check, _, m in reachability(net) if check == NO_PATH_ID]
    assert any("ecr-public (pulling the nextjs image)" in m for m in messages), messages


def test_plain_route_tables_are_followed(net: ProgramStack) -> None:
    """Subnets declared as plain resources: a NAT route in the associated table is a path."""
    vpc = net.out(VPC_COMPONENT, "vpcId")
    net.add(
        "aws:ec2/subnet:Subnet",
        "plain-subnet",
        {"vpcId": vpc, "cidrBlock": "10.30.200.0/24"},
        outputs={"id": "subnet-0plain00000000001"},
    )
    net.add("aws:ec2/routeTable:RouteTable", "plain-rt", {"vpcId": vpc}, outputs={"id": "rtb-01"})
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
    net.inputs(SERVICE)["networkConfiguration"]["subnets"] = ["subnet-0plain00000000001"]
    assert reachability(net) == []
    net.remove("plain-default")
    assert {(c, r) for c, r, _ in reachability(net)} == {(NO_PATH_ID, SERVICE)}


def test_a_vpc_function_needs_a_path_for_its_role_calls(net: ProgramStack) -> None:
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
            "vpcConfig": {
                "subnetIds": subnets(net, "isolated"),
                "securityGroupIds": [net.out(PROXY_SG)],
            },
        },
    )
    found = reachability(net)
    assert [(c, r) for c, r, _ in found] == [(NO_PATH_ID, "fn")]
    assert "needs ecs" in found[0][2]


def test_values_unknown_at_preview_are_not_judged(net: ProgramStack) -> None:
    _drop("network-endpoint-secretsmanager", "endpoint-kms")(net)
    net.set(PROXY, vpcSubnetIds=UNKNOWN)
    assert reachability(net) == []


PLAIN_SUBNET = "subnet-0plain00000000002"


def _plain_network(net: ProgramStack, table: dict[str, Any], route: dict[str, Any] | None) -> None:
    """The service moved to a plain subnet whose table is `table`'s inputs, plus `route` as a
    separate Route resource (None: none)."""
    vpc = net.out(VPC_COMPONENT, "vpcId")
    net.add(
        "aws:ec2/subnet:Subnet",
        "plain-subnet-2",
        {"vpcId": vpc, "cidrBlock": "10.30.201.0/24"},
        outputs={"id": PLAIN_SUBNET},
    )
    net.add(
        "aws:ec2/routeTable:RouteTable",
        "plain-rt-2",
        {"vpcId": vpc, **table},
        outputs={"id": "rtb-02"},
    )
    if route is not None:
        net.add("aws:ec2/route:Route", "plain-route-2", {"routeTableId": "rtb-02", **route})
    net.add(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "plain-assoc-2",
        {"subnetId": PLAIN_SUBNET, "routeTableId": "rtb-02"},
    )
    net.inputs(SERVICE)["networkConfiguration"]["subnets"] = [PLAIN_SUBNET]


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
        ({}, {**ANYWHERE_ROUTE, "vpcPeeringConnectionId": "pcx-01"}, False),  # not followed
        ({"routes": [{"cidrBlock": "0.0.0.0/0", "networkInterfaceId": "eni-01"}]}, None, False),
    ],
    ids=[
        *("igw", "transit", "inline-nat", "inline-not-default", "route-not-default", "local"),
        *("peering-unfollowed", "inline-eni-unfollowed"),
    ],
)
def test_a_plain_subnet_has_a_path_out_only_through_a_default_route_to_a_gateway(
    net: ProgramStack, table: dict[str, Any], route: dict[str, Any] | None, has_path: bool
) -> None:
    """A subnet declared as a plain resource reaches AWS's public endpoints when its table has a
    0.0.0.0/0 route to a NAT, internet or transit gateway, written inline in the table or as a
    separate Route; a route to a narrower range, or only the local routes, is no path; a default
    route to a target the check cannot follow (peering, a network interface) is a finding, never
    a pass (fail closed)."""
    _plain_network(net, table, route)
    found = {(c, r) for c, r, _ in reachability(net)}
    assert found == (set() if has_path else {(NO_PATH_ID, SERVICE)}), found


@pytest.mark.parametrize(
    ("admitted", "reaches"),
    [
        ("10.30.202.0/24", True),  # the subnet itself
        ("10.30.202.0/23", True),  # a range around it
        ("10.30.0.0/16", True),
        ("0.0.0.0/0", True),
        ("10.30.202.0/25", False),  # half of it: the other half's addresses are refused
        ("10.30.202.128/25", False),
        ("10.30.202.7/32", False),
        ("10.30.203.0/24", False),  # next to it
    ],
)
def test_an_endpoint_admits_a_subnet_by_cidr_only_when_the_range_covers_all_of_it(
    net: ProgramStack, admitted: str, reaches: bool
) -> None:
    """A task or proxy may get any address of its subnet, so an endpoint rule that admits part
    of the subnet leaves the rest without a path (blind:16, overlap read as cover)."""
    vpc = net.out(VPC_COMPONENT, "vpcId")
    net.add(
        "aws:ec2/subnet:Subnet",
        "plain-isolated",
        {"vpcId": vpc, "cidrBlock": "10.30.202.0/24"},
        outputs={"id": "subnet-0plain00000000003"},
    )
    net.set(PROXY, vpcSubnetIds=["subnet-0plain00000000003"])
    net.remove("secretsmanager-from-proxy")
    endpoint_sg = net.out("network-endpoint-secretsmanager-sg")
    _rule(net, "secretsmanager-from-range", "Ingress", endpoint_sg, cidrIpv4=admitted)
    found = {(c, r) for c, r, _ in reachability(net)}
    assert (PROXY not in {r for _, r in found}) is reaches, found
