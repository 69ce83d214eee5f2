"""Reachability: everything placed in subnets has a network path to every AWS API it calls.

AWS accepts a proxy, a service or a function in subnets it cannot get out of; the failure shows
only later (RDS Proxy targets stay unavailable, tasks fail to pull images or read secrets). So this
check follows, for each ECS service, RDS Proxy and VPC Lambda, its subnets' routes and its
security groups to each service it needs:

- an interface endpoint for the service in its VPC with private DNS on answers for the service
  VPC-wide (then it is the only path, NAT or not): the endpoint's security group must admit one
  of the caller's groups (or its subnet's range) on 443, and the caller's groups must allow 443
  out to it;
- else the subnet needs a route out (NAT, or an internet gateway) and the caller's groups 443 out
  to 0.0.0.0/0; S3 is also reached through a gateway endpoint on the subnet's route table.

What a caller needs comes from the records: a task's images, log driver, `secrets` and its task
role's actions; a proxy's Secrets Manager auth entries; a function's role actions
(foundation/endpoints.py maps actions to endpoint services). Routes come from `awsx:ec2:Vpc`
records (public: internet gateway; private: NAT unless the NAT strategy is None; isolated: none)
and from plain subnet / route table / route / association records.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from foundation import iampolicy, sgrules
from foundation.containers import InvalidJson, parse_containers
from foundation.endpoints import (
    ACTION_ENDPOINTS,
    GATEWAY_SERVICES,
    HTTPS_PORT,
    NO_PRIVATELINK,
    endpoint_service_name,
    service_of_endpoint,
    services_for_actions,
    services_for_image,
)
from foundation.records import ResourceRecord
from foundation.stackmodel import text
from perfcheck_deploy.findings import Finding, finding, not_known
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

NO_PATH_ID = describe(
    "reachability-no-path",
    "a proxy, task or VPC function has a route (NAT) or an endpoint to every AWS API it calls",
)
PRIVATE_DNS_ID = describe(
    "vpc-endpoint-private-dns",
    "an interface endpoint with private DNS is in a VPC with DNS support and DNS hostnames on",
)
ENDPOINT_SG_ID = describe(
    "reachability-endpoint-sg",
    "the interface endpoint a caller resolves to admits the caller's security group on 443, and "
    "the caller may send 443 to it",
)

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
PROXY = "aws:rds/proxy:Proxy"
FUNCTION = "aws:lambda/function:Function"
AWSX_VPC = "awsx:ec2:Vpc"
PLAIN_VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ANYWHERE = "0.0.0.0/0"
KNOWN_ENDPOINTS = frozenset(ACTION_ENDPOINTS.values()) | {"ecr.api", "ecr.dkr"}
"""Services a VPC endpoint exists for; a registry host such as docker.io is not one of them."""

Route = str  # "nat", "internet", "none"


@dataclass(frozen=True)
class Subnet:
    id: str
    vpc_id: str | None
    cidr: str | None
    route: Route | None
    """How the subnet gets out: nat, internet, none; None when not known at preview."""
    tier: str
    route_table: str | None = None
    awsx_vpc: str | None = None
    """The URN of the awsx VPC that made it (its gateway endpoints cover all its tables)."""


@dataclass(frozen=True)
class Endpoint:
    record: ResourceRecord
    vpc_id: str | None
    service: str | None
    kind: str
    private_dns: bool
    security_groups: tuple[str, ...]
    route_tables: tuple[str, ...]
    from_awsx_vpc: str | None


@dataclass(frozen=True)
class ResolvedPermission:
    """One permission of a group (foundation.sgrules), with its peer as a group id or a CIDR."""

    permission: sgrules.SgRule[ResourceRecord]
    group: str | None
    cidr: str | None

    def carries_https(self) -> bool:
        """TCP 443 is admitted; a protocol or port not known at preview is given the benefit
        of the doubt (a deploy check flags only what it knows)."""
        return self.permission.carries("tcp", HTTPS_PORT) is not False


@dataclass
class Network:
    subnets: dict[str, Subnet] = field(default_factory=dict)
    endpoints: list[Endpoint] = field(default_factory=list)
    ingress: dict[str, list[ResolvedPermission]] = field(default_factory=dict)
    egress: dict[str, list[ResolvedPermission]] = field(default_factory=dict)
    vpc_cidrs: dict[str, str] = field(default_factory=dict)


def _texts(value: Any) -> list[str] | None:
    """A known list of strings, or None when the list (or any item) is not known."""
    if not isinstance(value, list) or is_unknown(value):
        return None
    return [item for item in value if isinstance(item, str)]


def _awsx_subnets(record: ResourceRecord, network: Network) -> None:
    outputs = record.outputs
    inputs = record.inputs
    vpc_id = text(outputs.get("vpcId"))
    if vpc_id and text(inputs.get("cidrBlock")):
        network.vpc_cidrs[vpc_id] = inputs["cidrBlock"]
    strategy = (inputs.get("natGateways") or {}).get("strategy") or "OnePerAz"
    cidrs_by_tier: dict[str, list[str]] = {}
    for spec in inputs.get("subnetSpecs") or []:
        if isinstance(spec, Mapping) and isinstance(spec.get("type"), str):
            cidrs_by_tier[spec["type"].lower()] = list(spec.get("cidrBlocks") or [])
    for tier, key in (
        ("public", "publicSubnetIds"),
        ("private", "privateSubnetIds"),
        ("isolated", "isolatedSubnetIds"),
    ):
        ids = _texts(outputs.get(key)) or []
        cidrs = cidrs_by_tier.get(tier, [])
        route = {"public": "internet", "isolated": "none"}.get(
            tier, "none" if str(strategy).lower() == "none" else "nat"
        )
        for position, subnet_id in enumerate(ids):
            network.subnets[subnet_id] = Subnet(
                id=subnet_id,
                vpc_id=vpc_id,
                cidr=cidrs[position] if position < len(cidrs) else None,
                route=route,
                tier=tier,
                awsx_vpc=record.urn,
            )


def _plain_subnets(index: StackIndex, network: Network) -> None:
    """Subnets, route tables, routes and associations declared as plain resources."""
    table_routes: dict[str, Route | None] = {}

    def add_route(table: str, destination: Any, route: Mapping[str, Any]) -> None:
        if destination != ANYWHERE:
            return
        if route.get("natGatewayId"):
            kind: Route | None = "nat"
        elif route.get("gatewayId") or route.get("transitGatewayId"):
            kind = "internet"
        else:
            kind = None
        if table_routes.get(table) in (None, "none"):
            table_routes[table] = kind

    for table in index.of_type(ROUTE_TABLE):
        table_id = text(table.outputs.get("id"))
        if table_id is None:
            continue
        table_routes.setdefault(table_id, "none")
        for route in index.inputs(table).get("routes") or []:
            if isinstance(route, Mapping):
                add_route(table_id, route.get("cidrBlock"), route)
    for route in index.of_type(ROUTE):
        inputs = index.inputs(route)
        table_id = text(inputs.get("routeTableId"))
        if table_id is not None:
            table_routes.setdefault(table_id, "none")
            add_route(table_id, inputs.get("destinationCidrBlock"), inputs)
    association_of: dict[str, str] = {}
    for association in index.of_type(ASSOCIATION):
        inputs = index.inputs(association)
        subnet_id, table_id = text(inputs.get("subnetId")), text(inputs.get("routeTableId"))
        if subnet_id and table_id:
            association_of[subnet_id] = table_id
    for subnet in index.of_type(SUBNET):
        subnet_id = text(subnet.outputs.get("id"))
        if subnet_id is None:
            continue
        inputs = index.inputs(subnet)
        table_id = association_of.get(subnet_id)
        network.subnets[subnet_id] = Subnet(
            id=subnet_id,
            vpc_id=text(inputs.get("vpcId")),
            cidr=text(inputs.get("cidrBlock")),
            # Without an association a subnet uses the VPC's main table: local routes only.
            route=table_routes.get(table_id, "none") if table_id else "none",
            tier="subnet",
            route_table=table_id,
        )


def _rules(index: StackIndex, network: Network) -> None:
    for permission in sgrules.stack_rules(index):
        if permission.direction not in ("ingress", "egress"):
            continue
        owner = text(
            permission.resource.outputs.get("id")
            if permission.owner_prop is None
            else permission.owner_value
        )
        if owner is None:
            continue
        kind, peer = permission.peer_kind, text(permission.peer)
        group = owner if kind == sgrules.SELF else peer if kind == sgrules.GROUP else None
        cidr = peer if kind in (sgrules.IPV4, sgrules.IPV6) else None
        target = network.ingress if permission.direction == "ingress" else network.egress
        target.setdefault(owner, []).append(ResolvedPermission(permission, group, cidr))


def _endpoints(index: StackIndex, network: Network) -> None:
    for record in index.of_type(ENDPOINT):
        inputs = index.inputs(record)
        service_name = text(inputs.get("serviceName"))
        awsx = [
            dep.urn
            for dep in index.dependencies(record, "routeTableIds", (AWSX_VPC,))
            if dep.type == AWSX_VPC
        ]
        network.endpoints.append(
            Endpoint(
                record=record,
                vpc_id=text(inputs.get("vpcId")),
                service=service_of_endpoint(service_name) if service_name else None,
                kind=str(inputs.get("vpcEndpointType") or "Gateway"),
                private_dns=inputs.get("privateDnsEnabled") is True,
                security_groups=tuple(_texts(inputs.get("securityGroupIds")) or ()),
                route_tables=tuple(_texts(inputs.get("routeTableIds")) or ()),
                from_awsx_vpc=awsx[0] if awsx else None,
            )
        )


def network_of(index: StackIndex) -> Network:
    """The routes, endpoints and rules of the stack, built once per index."""
    cached = getattr(index, "_reachability_network", None)
    if cached is None:
        cached = Network()
        for record in index.of_type(AWSX_VPC):
            _awsx_subnets(record, cached)
        _plain_subnets(index, cached)
        _rules(index, cached)
        _endpoints(index, cached)
        index._reachability_network = cached  # type: ignore[attr-defined]
    return cached


# What each caller needs -------------------------------------------------------------------------


def _policy_actions(document: Any) -> list[str]:
    try:
        parsed = iampolicy.parse_policy(document)
    except iampolicy.PolicyDocumentError:
        return []
    if not isinstance(parsed, iampolicy.PolicyDocument):
        return []
    return parsed.allowed_actions(default_allow=True)


def _role_actions(index: StackIndex, role_arn: Any) -> list[str]:
    role = index.find(role_arn, (ROLE,))
    if role is None:
        return []
    references = {value for key in ("id", "name", "arn") if (value := text(role.outputs.get(key)))}
    actions: list[str] = []
    for inline in index.inputs(role).get("inlinePolicies") or []:
        if isinstance(inline, Mapping):
            actions += _policy_actions(inline.get("policy"))
    for policy in index.of_type(ROLE_POLICY):
        inputs = index.inputs(policy)
        if inputs.get("role") in references or role.urn in policy.property_dependencies.get(
            "role", ()
        ):
            actions += _policy_actions(inputs.get("policy"))
    return actions


def _add(needs: dict[str, str], services: Iterable[str], why: str) -> None:
    for service in services:
        needs.setdefault(service, why)


def _task_needs(index: StackIndex, service: ResourceRecord) -> dict[str, str] | None:
    inputs = index.inputs(service)
    task = index.resolve(
        service, "taskDefinition", inputs.get("taskDefinition"), (TASK_DEFINITION,)
    )
    if task is None:
        return None
    needs = _task_definition_needs(index, task)
    if needs is not None and inputs.get("enableExecuteCommand") is True:
        _add(needs, ["ssmmessages"], "ECS Exec")
    return needs


def _task_definition_needs(index: StackIndex, task: ResourceRecord) -> dict[str, str] | None:
    task_inputs = index.inputs(task)
    raw = task_inputs.get("containerDefinitions")
    try:
        containers = parse_containers(raw) if isinstance(raw, str) else None
    except InvalidJson:
        return None
    if not isinstance(containers, list):
        return None
    needs: dict[str, str] = {}
    for container in containers:
        name = container.get("name", "?")
        image = container.get("image")
        if isinstance(image, str) and not is_unknown(image):
            _add(needs, services_for_image(image), f"pulling the {name} image")
        if (container.get("logConfiguration") or {}).get("logDriver") == "awslogs":
            _add(needs, ["logs"], f"the {name} container's awslogs driver")
        for secret in container.get("secrets") or []:
            source = str(secret.get("valueFrom", ""))
            kind = "secretsmanager" if ":secretsmanager:" in source else "ssm"
            _add(needs, [kind], f"the {name} container's secret {secret.get('name')}")
    _add(
        needs,
        services_for_actions(_role_actions(index, task_inputs.get("taskRoleArn"))),
        "the task role's calls",
    )
    return needs


def _proxy_needs(index: StackIndex, proxy: ResourceRecord) -> dict[str, str]:
    needs: dict[str, str] = {}
    for auth in index.inputs(proxy).get("auths") or []:
        if isinstance(auth, Mapping) and (
            auth.get("authScheme") == "SECRETS" or auth.get("secretArn")
        ):
            _add(needs, ["secretsmanager", "kms"], "reading its auth secret")
    return needs


def _function_needs(index: StackIndex, function: ResourceRecord) -> dict[str, str]:
    needs: dict[str, str] = {}
    actions = _role_actions(index, index.inputs(function).get("role"))
    _add(needs, services_for_actions(actions), "the function role's calls")
    return needs


@dataclass(frozen=True)
class Placement:
    path: str
    subnets: list[str]
    groups: list[str]


def _placement(index: StackIndex, record: ResourceRecord) -> Placement | None:
    inputs = index.inputs(record)
    if record.type == SERVICE:
        config = inputs.get("networkConfiguration") or {}
        subnets, groups = config.get("subnets"), config.get("securityGroups")
        path = "networkConfiguration"
    elif record.type == PROXY:
        subnets, groups = inputs.get("vpcSubnetIds"), inputs.get("vpcSecurityGroupIds")
        path = "vpcSubnetIds"
    else:
        config = inputs.get("vpcConfig") or {}
        subnets, groups = config.get("subnetIds"), config.get("securityGroupIds")
        path = "vpcConfig"
    known_subnets, known_groups = _texts(subnets), _texts(groups)
    if not known_subnets or known_groups is None:
        return None
    return Placement(path, known_subnets, known_groups)


# Judging ----------------------------------------------------------------------------------------


def _covers(cidr: str | None, inner: str | None) -> bool:
    if cidr is None:
        return False
    if cidr == ANYWHERE:
        return True
    if inner is None:
        return False
    try:
        return ipaddress.ip_network(inner).subnet_of(ipaddress.ip_network(cidr))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False


def _admits(network: Network, endpoint: Endpoint, groups: list[str], subnet: Subnet) -> bool:
    for endpoint_group in endpoint.security_groups:
        for rule in network.ingress.get(endpoint_group, []):
            if rule.carries_https() and (rule.group in groups or _covers(rule.cidr, subnet.cidr)):
                return True
    return False


def _sends_to(
    network: Network, groups: list[str], targets: Iterable[str], cidr: str | None
) -> bool:
    wanted = set(targets)
    vpc_cidrs = set(network.vpc_cidrs.values())
    for group in groups:
        for rule in network.egress.get(group, []):
            if not rule.carries_https():
                continue
            if rule.group is not None and rule.group in wanted:
                return True
            if rule.cidr == ANYWHERE or (cidr is not None and _covers(rule.cidr, cidr)):
                return True
            if wanted and rule.cidr in vpc_cidrs:
                return True
    return False


def _gateway_covers(endpoint: Endpoint, subnet: Subnet) -> bool:
    if endpoint.from_awsx_vpc is not None and endpoint.from_awsx_vpc == subnet.awsx_vpc:
        return True
    return subnet.route_table is not None and subnet.route_table in endpoint.route_tables


def _judge(
    record: ResourceRecord,
    index: StackIndex,
    network: Network,
    placement: Placement,
    service: str,
    why: str,
) -> Iterator[Finding]:
    subnets = [network.subnets.get(s) for s in placement.subnets]
    known = [s for s in subnets if s is not None]
    if len(known) != len(subnets):
        return  # a subnet this run does not describe: nothing to judge it by
    vpc_ids = {s.vpc_id for s in known if s.vpc_id}
    endpoints = [e for e in network.endpoints if e.vpc_id is None or e.vpc_id in vpc_ids]
    if any(e.service is None for e in endpoints):
        return  # an endpoint whose service is unknown at preview may be this one
    region = index.region_of(record) or "<region>"
    full_name = endpoint_service_name(region, service)
    what = f"{record.type.split(':')[-1]} '{record.name}' needs {service} ({why})"

    interface = [
        e for e in endpoints if e.service == service and e.kind == "Interface" and e.private_dns
    ]
    if interface:
        endpoint = interface[0]
        for subnet in known:
            if not _admits(network, endpoint, placement.groups, subnet):
                yield finding(
                    ENDPOINT_SG_ID,
                    record,
                    placement.path,
                    f"{what}: its calls resolve (private DNS) to the interface endpoint "
                    f"'{endpoint.record.name}', whose security groups "
                    f"{list(endpoint.security_groups)} do not admit its groups "
                    f"{placement.groups} (or {subnet.id} {subnet.cidr or ''}) on TCP 443; the "
                    "calls time out.",
                    f"Add an ingress rule on 443 to the endpoint's security group referencing "
                    f"{placement.groups[0] if placement.groups else 'the caller group'}.",
                )
                return
        if not _sends_to(network, placement.groups, endpoint.security_groups, known[0].cidr):
            yield finding(
                ENDPOINT_SG_ID,
                record,
                placement.path,
                f"{what}: its security groups {placement.groups} allow no TCP 443 egress to the "
                f"interface endpoint '{endpoint.record.name}'.",
                "Add an egress rule on 443 referencing the endpoint's security group.",
            )
        return

    for subnet in known:
        if service in GATEWAY_SERVICES and any(
            e.service == service and e.kind == "Gateway" and _gateway_covers(e, subnet)
            for e in endpoints
        ):
            continue
        if subnet.route in ("nat", "internet"):
            if not _sends_to(network, placement.groups, (), None):
                yield finding(
                    NO_PATH_ID,
                    record,
                    placement.path,
                    f"{what}: subnet {subnet.id} routes out through a {subnet.route} gateway, but "
                    f"its security groups {placement.groups} allow no TCP 443 egress to the "
                    "internet.",
                    f"Allow 443 out, or add an interface endpoint for {full_name}.",
                )
                return
            continue
        if subnet.route is None:
            # Fail closed: a default route to a peering connection, an instance, a network
            # interface or an endpoint may or may not lead out; this check cannot follow it.
            yield finding(
                NO_PATH_ID,
                record,
                placement.path,
                f"{what}, but subnet {subnet.id} sends 0.0.0.0/0 to a target other than a NAT, "
                "internet or transit gateway (a peering connection, an instance, a network "
                f"interface or an endpoint), which this check cannot follow to {full_name}.",
                "Route 0.0.0.0/0 through a NAT gateway, add an interface endpoint, or exempt this "
                "finding for the stack with where the route leads.",
            )
            return
        alternative = (
            "it has no VPC endpoint: place the caller in subnets with a NAT route"
            if service in NO_PRIVATELINK or service not in KNOWN_ENDPOINTS
            else f"add an interface endpoint for {full_name} (private DNS on) or a NAT route"
        )
        yield finding(
            NO_PATH_ID,
            record,
            placement.path,
            f"{what}, but subnet {subnet.id} ({subnet.tier}) has no NAT route and the VPC has no "
            f"endpoint for {full_name}: no path.",
            f"Fix: {alternative}.",
        )
        return


def _vpc_dns(index: StackIndex, vpc_id: str) -> dict[str, Any] | None:
    """The DNS attributes of the VPC with this id (awsx or plain), as given."""
    for record in index.of_type(AWSX_VPC, PLAIN_VPC):
        own = record.outputs.get("vpcId") if record.type == AWSX_VPC else record.outputs.get("id")
        if own == vpc_id:
            inputs = index.inputs(record)
            return {
                "enableDnsSupport": inputs.get("enableDnsSupport", True),
                # awsx turns hostnames on by default; a plain aws.ec2.Vpc leaves them off.
                "enableDnsHostnames": inputs.get("enableDnsHostnames", record.type == AWSX_VPC),
            }
    return None


@checks(ENDPOINT)
def check_private_dns(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    """EC2 refuses private DNS on an endpoint unless the VPC resolves DNS and has hostnames."""
    inputs = index.inputs(record)
    vpc_id = text(inputs.get("vpcId"))
    if inputs.get("privateDnsEnabled") is not True or vpc_id is None:
        return
    dns = _vpc_dns(index, vpc_id)
    if dns is None:
        return
    off = [key for key, value in dns.items() if value is False]
    if off:
        yield finding(
            PRIVATE_DNS_ID,
            record,
            "privateDnsEnabled",
            f"InvalidParameter: Enabling private DNS requires both enableDnsSupport and "
            f"enableDnsHostnames VPC attributes set to true for {vpc_id} ({', '.join(off)} off).",
            "Turn on enableDnsSupport and enableDnsHostnames on the VPC.",
        )


# One-off tasks: started by `pulumi up` (a Lambda invocation naming the task definition, its
# subnets and groups) or by a runbook (`aws ecs run-task` with the stack outputs below).
INVOCATION = "aws:lambda/invocation:Invocation"
RUNBOOK_TASKS: Mapping[str, tuple[str, str]] = {
    "databaseRolesTaskDefinitionArn": ("databaseRolesSecurityGroupId", "privateSubnetIds"),
    "migrationTaskDefinitionArn": ("migrationSecurityGroupId", "privateSubnetIds"),
}
"""Stack output of a task definition a runbook runs -> the outputs it passes as the task's
security group and subnets (docs/runbooks/data-tier-first-deploy.md, database-migration.md)."""
ONE_OFF_ID = describe(
    "reachability-one-off-task",
    "every task definition no service runs is started by a known procedure (an `up` invocation "
    "or a runbook's stack outputs), so its network path can be judged",
)


def _plain_output(value: Any) -> Any:
    if isinstance(value, Mapping) and "value" in value and len(value) == 2:
        return value["value"]  # a secret output's wire wrapper
    return value


def one_off_placements(index: StackIndex, task: ResourceRecord) -> list[tuple[str, Placement]]:
    """(who starts it, where) for each procedure that runs this task definition."""
    arn = task.outputs.get("arn")
    found: list[tuple[str, Placement]] = []
    for invocation in index.of_type(INVOCATION):
        raw = index.inputs(invocation).get("input")
        try:
            request = json.loads(raw) if isinstance(raw, str) and not is_unknown(raw) else {}
        except ValueError:
            request = {}
        if isinstance(request, Mapping) and request.get("taskDefinition") == arn:
            subnets, groups = _texts(request.get("subnets")), _texts(request.get("securityGroups"))
            if subnets and groups is not None:
                found.append((f"invocation '{invocation.name}'", Placement("", subnets, groups)))
    outputs = {k: _plain_output(v) for k, v in index.run.outputs.items()}
    for task_output, (group_output, subnets_output) in RUNBOOK_TASKS.items():
        if outputs.get(task_output) == arn:
            subnets, group = _texts(outputs.get(subnets_output)), text(outputs.get(group_output))
            if subnets and group:
                found.append((f"runbook run-task ({task_output})", Placement("", subnets, [group])))
    return found


def _served(index: StackIndex) -> frozenset[str]:
    """URNs of the task definitions some service runs (each service resolved once per stack)."""
    served = set()
    for service in index.of_type(SERVICE):
        value = index.inputs(service).get("taskDefinition")
        found = index.resolve(service, "taskDefinition", value, (TASK_DEFINITION,))
        if found is not None:
            served.add(found.urn)
    return frozenset(served)


@checks(TASK_DEFINITION)
def check_one_off_task(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    arn = record.outputs.get("arn")
    if not isinstance(arn, str) or is_unknown(arn):
        return
    if record.urn in index.memo("served task definitions", lambda: _served(index)):
        return  # the service's own check follows it
    placements = one_off_placements(index, record)
    if not placements and not index.run.outputs:
        return  # a run without recorded stack outputs: the runbooks' procedures are unknown
    if not placements:
        yield finding(
            ONE_OFF_ID,
            record,
            "",
            f"no service runs task definition '{record.name}' and no procedure names it (a "
            "Lambda invocation's taskDefinition, or a runbook's stack output): nothing says which "
            "subnets and security group it starts in, so no one knows it can reach what it calls.",
            "Export its ARN with its security group (perfcheck_deploy/reachability.py "
            "RUNBOOK_TASKS), "
            "or start it from an invocation that names both.",
        )
        return
    needs = _task_definition_needs(index, record)
    if not needs:
        return
    network = network_of(index)
    for who, placement in placements:
        for service, why in sorted(needs.items()):
            for problem in _judge(record, index, network, placement, service, why):
                yield dataclasses.replace(problem, aws_says=f"started by {who}: {problem.aws_says}")


def _caller_needs(index: StackIndex, record: ResourceRecord) -> dict[str, str] | None:
    """Service -> why, for a service's tasks, a proxy or a function."""
    if record.type == SERVICE:
        return _task_needs(index, record)
    if record.type == PROXY:
        return _proxy_needs(index, record)
    return _function_needs(index, record)


@checks(SERVICE, PROXY, FUNCTION)
def check_reachability(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    placement = _placement(index, record)
    needs = _caller_needs(index, record) if placement is not None else None
    if not needs:
        return
    network = network_of(index)
    for service, why in sorted(needs.items()):
        yield from _judge(record, index, network, placement, service, why)


# Who each interface endpoint serves ------------------------------------------------------------

UNNEEDED_ENDPOINT_ID = describe(
    "endpoint-without-caller",
    "every interface endpoint serves at least one caller in its VPC that needs its service (an "
    "endpoint nothing calls is a monthly charge with no use)",
)


def _callers(index: StackIndex) -> Iterator[tuple[str, Placement, dict[str, str]]]:
    """(caller label, where it runs, service -> why) for every caller the model knows."""
    for record in index.of_type(SERVICE, PROXY, FUNCTION):
        placement = _placement(index, record)
        needs = _caller_needs(index, record) if placement is not None else None
        if needs:
            yield f"{record.type.split(':')[-1]} '{record.name}'", placement, needs
    for task in index.of_type(TASK_DEFINITION):
        needs = _task_definition_needs(index, task)
        for who, placement in one_off_placements(index, task):
            if needs:
                yield f"task '{task.name}' ({who})", placement, needs


def endpoint_callers(index: StackIndex) -> dict[str, list[str]]:
    """Interface endpoint (logical name) -> '<caller>: <why>' for each caller in its VPC that
    needs its service. Cached on the index."""
    cached = getattr(index, "_endpoint_callers", None)
    if cached is not None:
        return cached
    network = network_of(index)
    served: dict[str, list[str]] = {
        e.record.name: [] for e in network.endpoints if e.kind == "Interface"
    }
    for who, placement, needs in _callers(index):
        vpcs = {network.subnets[s].vpc_id for s in placement.subnets if s in network.subnets}
        for endpoint in network.endpoints:
            if endpoint.kind != "Interface" or endpoint.service not in needs:
                continue
            if endpoint.vpc_id is None or endpoint.vpc_id in vpcs:
                served[endpoint.record.name].append(f"{who}: {needs[endpoint.service]}")
    index._endpoint_callers = served  # type: ignore[attr-defined]
    return served


def _unknown_containers(index: StackIndex) -> list[str]:
    """The task definitions whose containers are not known yet (a first preview)."""
    return [
        task.name
        for task in index.of_type(TASK_DEFINITION)
        if is_unknown(index.inputs(task).get("containerDefinitions"))
    ]


@checks(ENDPOINT)
def check_endpoint_has_a_caller(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    if inputs.get("vpcEndpointType") != "Interface":
        return
    if is_unknown(inputs.get("serviceName")):
        yield not_known(UNNEEDED_ENDPOINT_ID, record, "serviceName")
        return
    if endpoint_callers(index).get(record.name):
        return
    unknown = _unknown_containers(index)
    if unknown:  # what those tasks call is not known until the update: judged then
        yield not_known(
            UNNEEDED_ENDPOINT_ID, record, f"callers (containerDefinitions of {', '.join(unknown)})"
        )
    else:
        yield finding(
            UNNEEDED_ENDPOINT_ID,
            record,
            "serviceName",
            f"no caller in the model (services, proxies, VPC functions, one-off tasks) needs "
            f"{inputs.get('serviceName')}: the endpoint is billed per AZ-hour for nothing.",
            "Remove it (foundation/endpoints.py INTERFACE_SERVICES), or model the caller that "
            "needs it.",
        )
