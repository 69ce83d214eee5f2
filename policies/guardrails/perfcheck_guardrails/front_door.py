"""One front door: the internet reaches the stack through CloudFront (with its WAF and a VPC
origin to the internal load balancer) and nothing else, unless the config names it with a reason.

A stack policy over the exposure graph: every resource the internet can reach on its own (an
internet-facing load balancer, an API Gateway API and its VPC links, a Lambda function URL
without auth, an instance or task with a public IP, a data store or service with its public
switch on, an App Runner service, a Global Accelerator) and every path that reaches the internal
load balancer around CloudFront (an API Gateway integration through a VPC link or to the load
balancer's DNS name, a CloudFront custom origin named through a Route 53 alias or CNAME) is a
finding. `allowedFrontDoors` names the extra doors a stack accepts, each with its reason; an entry
that matches nothing is reported as stale. A public load balancer forwarding to a database port
is refused even when listed: no reason makes a database an internet front door.

Security groups open to the internet are judged by `security-group-no-public-ingress`, public IPs
on ECS services and task sets by `ecs-service-no-public-ip`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from perfcheck_policykit import StackContext, StackRule, values
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.rules import config_list
from pulumi_policy import PolicyResource, Severity

ROUTE53_RECORD: Final = "aws:route53/record:Record"
APIGW_REST_API: Final = "aws:apigateway/restApi:RestApi"
APIGW_INTEGRATION: Final = "aws:apigateway/integration:Integration"
APIGW_VPC_LINK: Final = "aws:apigateway/vpcLink:VpcLink"
APIGW2_API: Final = "aws:apigatewayv2/api:Api"
APIGW2_INTEGRATION: Final = "aws:apigatewayv2/integration:Integration"
APIGW2_VPC_LINK: Final = "aws:apigatewayv2/vpcLink:VpcLink"
LAMBDA_URL: Final = "aws:lambda/functionUrl:FunctionUrl"
LAMBDA_PERMISSION: Final = "aws:lambda/permission:Permission"
_PERMISSION_SCOPES: Final = ("sourceArn", "sourceAccount", "principalOrgId")
"""Conditions that narrow a resource policy's principal to one source, account or org."""
EIP: Final = "aws:ec2/eip:Eip"
APPRUNNER_SERVICE: Final = "aws:apprunner/service:Service"
ACCELERATOR: Final = "aws:globalaccelerator/accelerator:Accelerator"
TRANSFER_SERVER: Final = "aws:transfer/server:Server"

DATABASE_PORTS: Final = frozenset(
    {1433, 1521, 2379, 3306, 5432, 5984, 6379, 7000, 7687, 8086, 8123, 9000, 9042, 9200, 11211,
     26257, 27017, 28015}
)  # fmt: skip
"""Ports database engines listen on (SQL Server, Oracle, etcd, MySQL, PostgreSQL, CouchDB, Redis,
Cassandra, Neo4j, InfluxDB, ClickHouse, Elasticsearch, Memcached, CockroachDB, MongoDB, ...)."""

_PUBLIC_SWITCHES: Final[tuple[tuple[str, tuple[str, ...], bool | None, str], ...]] = (
    # (type, path, value that exposes it (None: absent exposes too), what)
    (T.EC2_INSTANCE, ("associatePublicIpAddress",), True, "a public IP address"),
    ("aws:rds/cluster:Cluster", ("publiclyAccessible",), True, "a public endpoint"),
    ("aws:rds/clusterInstance:ClusterInstance", ("publiclyAccessible",), True, "a public endpoint"),
    ("aws:redshift/cluster:Cluster", ("publiclyAccessible",), True, "a public endpoint"),
    ("aws:mq/broker:Broker", ("publiclyAccessible",), True, "a public endpoint"),
    (  # AWS DMS makes a replication instance public unless told otherwise
        "aws:dms/replicationInstance:ReplicationInstance",
        ("publiclyAccessible",),
        None,
        "a public endpoint",
    ),
    (
        "aws:eks/cluster:Cluster",
        ("vpcConfig", "endpointPublicAccess"),
        None,
        "a public API endpoint",
    ),
    (
        APPRUNNER_SERVICE,
        ("networkConfiguration", "ingressConfiguration", "isPubliclyAccessible"),
        None,
        "a public endpoint",
    ),
)

_PUBLIC_MODES: Final[tuple[tuple[str, tuple[str, ...], frozenset[str], bool, str], ...]] = (
    # (type, path, modes that expose it (any case), whether absent exposes too, what)
    (
        "aws:appsync/graphQLApi:GraphQLApi",
        ("visibility",),
        frozenset({"GLOBAL"}),
        True,
        "a public GraphQL endpoint",
    ),
    (
        "aws:msk/cluster:Cluster",
        ("brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type"),
        frozenset({"SERVICE_PROVIDED_EIPS"}),
        False,
        "public broker addresses",
    ),
)
"""Exposure stated by a mode rather than a boolean (AWS's default noted: an AppSync API is
reachable from the internet unless told otherwise). A type listed here counts as judged, so the
fail-closed type rule no longer reports it for its other properties: types whose other
properties no rule reads (a SageMaker notebook's size and keys, a Lightsail database's backups)
are left to that rule."""
ALWAYS_PUBLIC: Final[dict[str, str]] = {
    "aws:lightsail/instance:Instance": "a Lightsail instance (always has a public IP)",
    "aws:amplify/app:App": "an Amplify Hosting app (a public site of its own)",
}
OPENSEARCH_SECURITY_POLICY: Final = (
    "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
)

_PUBLIC_WITHOUT: Final[tuple[tuple[str, tuple[str, ...], str], ...]] = (
    # (type, path whose absence leaves a public endpoint, what)
    ("aws:opensearch/domain:Domain", ("vpcOptions",), "a public domain endpoint (no vpcOptions)"),
    (
        "aws:elasticsearch/domain:Domain",
        ("vpcOptions",),
        "a public domain endpoint (no vpcOptions)",
    ),
)


def _entries(config: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [e for e in config_list(config, "allowedFrontDoors") if isinstance(e, Mapping)]


def _listed(entry: Mapping[str, Any], resource: PolicyResource) -> bool:
    if entry.get("urn"):
        return entry["urn"] == resource.urn
    return entry.get("type") == resource.resource_type and entry.get("name") == resource.name


class _Doors:
    """The exposures found in one run, judged against the config's list once at the end."""

    def __init__(self, ctx: StackContext) -> None:
        self.ctx = ctx
        self.entries = _entries(ctx.config)
        self.used: set[int] = set()

    def found(
        self, resource: PolicyResource, prop: str, what: str, *, listable: bool = True
    ) -> None:
        if listable:
            for index, entry in enumerate(self.entries):
                if _listed(entry, resource):
                    self.used.add(index)
                    return
        self.ctx.violation(
            resource,
            prop,
            what,
            "one front door: the internet reaches the stack only through CloudFront (WAF, VPC "
            "origin to the internal load balancer)"
            + ("" if listable else "; a database port is never a front door")
            + (
                ", or an allowedFrontDoors entry naming this resource with a reason"
                if listable
                else ""
            ),
        )

    def stale(self) -> None:
        for index, entry in enumerate(self.entries):
            if index not in self.used:
                named = entry.get("urn") or f"{entry.get('type')} '{entry.get('name')}'"
                self.ctx.violation(
                    None,
                    f"allowedFrontDoors[{index}]",
                    f"an entry for {named} that matches no exposed resource (stale)",
                    "each entry to name a resource the internet reaches today; remove it",
                )


def _load_balancer_ports(ctx: StackContext, lb: PolicyResource) -> set[int]:
    """Ports the load balancer's listeners forward to (listener and target group ports)."""
    ports: set[int] = set()
    for listener in ctx.index.of_type(*T.LISTENERS):
        found = ctx.index.references(
            listener, "loadBalancerArn", ctx.get(listener, "loadBalancerArn"), T.LOAD_BALANCERS
        )
        if not found or lb not in found:
            continue
        port = values.as_number(ctx.get(listener, "port"))
        if port is not None:
            ports.add(int(port))
        for action in values.items(ctx.get(listener, "defaultActions")) or ():
            group = values.get(action, "targetGroupArn")
            for target in (
                ctx.index.references(
                    listener,
                    "defaultActions",
                    group,
                    ["aws:lb/targetGroup:TargetGroup"],
                    ("arn", "id"),
                )
                or ()
            ):
                target_port = values.as_number(ctx.get(target, "port"))
                if target_port is not None:
                    ports.add(int(target_port))
    return ports


def _internet_facing(doors: _Doors) -> None:
    ctx = doors.ctx
    for lb in ctx.index.of_type(*T.LOAD_BALANCERS, T.ELB_CLASSIC):
        internal = ctx.get(lb, "internal")
        if internal is values.UNKNOWN:
            ctx.unknown(lb, "internal")
            continue
        if values.as_bool(internal) is True:
            continue
        kind = values.lower(ctx.get(lb, "loadBalancerType")) or "application"
        if lb.resource_type == T.ELB_CLASSIC:
            kind = "classic"
        ports = _load_balancer_ports(ctx, lb)
        if lb.resource_type == T.ELB_CLASSIC:
            for listener in values.items(ctx.get(lb, "listeners")) or ():
                for key in ("lbPort", "instancePort"):
                    port = values.as_number(values.get(listener, key))
                    if port is not None:
                        ports.add(int(port))
        database = sorted(ports & DATABASE_PORTS)
        if database:
            doors.found(
                lb,
                "internal",
                f"an internet-facing {kind} load balancer forwarding to database port "
                + ", ".join(str(p) for p in database),
                listable=False,
            )
        else:
            doors.found(
                lb,
                "internal",
                f"an internet-facing {kind} load balancer (not set: the default)"
                if internal is None
                else f"an internet-facing {kind} load balancer",
            )


def _dns_targets(ctx: StackContext) -> dict[str, list[str]]:
    """Route 53 record name -> the names it resolves to (alias targets, CNAME values)."""
    targets: dict[str, list[str]] = {}
    for record in ctx.index.of_type(ROUTE53_RECORD):
        name = ctx.get(record, "name")
        fqdn = ctx.get(record, "fqdn")
        pointed: list[str] = []
        for alias in values.items(ctx.get(record, "aliases")) or ():
            target = values.get(alias, "name")
            if isinstance(target, str):
                pointed.append(target)
        for value in values.items(ctx.get(record, "records")) or ():
            if isinstance(value, str) and not values.is_unknown(value):
                pointed.append(value)
        for key in (name, fqdn):
            if isinstance(key, str) and not values.is_unknown(key):
                targets.setdefault(_host(key), []).extend(_host(p) for p in pointed)
    return targets


def _host(name: str) -> str:
    """A DNS name as resolvers compare it: lower case, no trailing dot, no dualstack prefix."""
    name = name.strip().lower().rstrip(".")
    return name.removeprefix("dualstack.")


def _resolve(name: str, dns: Mapping[str, list[str]], limit: int = 8) -> set[str]:
    """Every name `name` leads to through the stack's records (itself included)."""
    seen = {name}
    pending = [name]
    while pending and len(seen) < 64 and limit > 0:
        limit -= 1
        current = pending.pop()
        for target in dns.get(current, ()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def _balancers_by_dns(ctx: StackContext) -> dict[str, PolicyResource]:
    found: dict[str, PolicyResource] = {}
    for lb in ctx.index.of_type(*T.LOAD_BALANCERS):
        dns = ctx.get(lb, "dnsName")
        if isinstance(dns, str) and not values.is_unknown(dns):
            found[_host(dns)] = lb
    return found


def _aliased_origins(doors: _Doors, by_dns: Mapping[str, PolicyResource]) -> None:
    ctx = doors.ctx
    dns = _dns_targets(ctx)
    if not dns:
        return
    for distribution in ctx.index.of_type(*T.CLOUDFRONT_DISTRIBUTIONS):
        for index, origin in enumerate(values.items(ctx.get(distribution, "origins")) or ()):
            domain = values.get(origin, "domainName")
            if not isinstance(domain, str) or values.is_unknown(domain):
                continue
            host = _host(domain)
            if host in by_dns:
                continue  # named directly: alb-behind-cloudfront-internal judges it
            reached = [by_dns[n] for n in _resolve(host, dns) if n in by_dns]
            if reached and values.get(origin, "vpcOriginConfig") is None:
                doors.found(
                    distribution,
                    f"origins[{values.get(origin, 'originId') or index}].domainName",
                    f"a custom origin named through a DNS alias ({host}) that resolves to load "
                    f"balancer {', '.join(lb.name for lb in reached)}",
                    listable=False,
                )


def _api_gateways(doors: _Doors, by_dns: Mapping[str, PolicyResource]) -> None:
    ctx = doors.ctx
    for api in ctx.index.of_type(APIGW_REST_API):
        types = values.items(ctx.get(api, "endpointConfiguration", "types")) or []
        if types is values.UNKNOWN:
            ctx.unknown(api, "endpointConfiguration.types")
            continue
        if [values.enum(t) for t in types] != ["PRIVATE"]:
            doors.found(api, "endpointConfiguration.types", "a public API Gateway REST API")
    for api in ctx.index.of_type(APIGW2_API):
        doors.found(api, "protocolType", "a public API Gateway HTTP/WebSocket API")
    for link in ctx.index.of_type(APIGW_VPC_LINK, APIGW2_VPC_LINK):
        doors.found(link, "targetArns", "an API Gateway VPC link into the stack's network")
    for integration in ctx.index.of_type(APIGW_INTEGRATION, APIGW2_INTEGRATION):
        connection = values.enum(ctx.get(integration, "connectionType"))
        key = "integrationUri" if integration.resource_type == APIGW2_INTEGRATION else "uri"
        uri = ctx.get(integration, key)
        balancers: list[PolicyResource] = []
        if isinstance(uri, str) and not values.is_unknown(uri):
            host = _host(uri.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0])
            if host in by_dns:
                balancers.append(by_dns[host])
            listener_lbs = ctx.index.references(
                integration, key, uri, [*T.LISTENERS, *T.LOAD_BALANCERS], ("arn",)
            )
            for found in listener_lbs or ():
                if found.resource_type in T.LOAD_BALANCERS:
                    balancers.append(found)
                else:
                    balancers.extend(
                        ctx.index.references(
                            found,
                            "loadBalancerArn",
                            ctx.get(found, "loadBalancerArn"),
                            T.LOAD_BALANCERS,
                        )
                        or []
                    )
        if connection == "VPC_LINK" or balancers:
            target = ", ".join(dict.fromkeys(lb.name for lb in balancers)) or "a private target"
            doors.found(
                integration,
                key,
                f"an API Gateway integration reaching {target} around CloudFront"
                + (" through a VPC link" if connection == "VPC_LINK" else ""),
            )


def _function_urls(doors: _Doors) -> None:
    for url in doors.ctx.index.of_type(LAMBDA_URL):
        auth = doors.ctx.get(url, "authorizationType")
        if auth is values.UNKNOWN:
            doors.ctx.unknown(url, "authorizationType")
        elif values.enum(auth) != "AWS_IAM":
            doors.found(
                url, "authorizationType", f"a Lambda function URL with auth {values.show(auth)}"
            )


def _open_invoke_permissions(doors: _Doors) -> None:
    """A Lambda resource policy for principal '*' with no source, account or organisation
    condition lets anyone call the function: a door, whatever the action is called."""
    ctx = doors.ctx
    for permission in ctx.index.of_type(LAMBDA_PERMISSION):
        principal = ctx.get(permission, "principal")
        if principal is values.UNKNOWN:
            ctx.unknown(permission, "principal")
            continue
        if not isinstance(principal, str) or principal.strip() not in ("*", "arn:aws:iam::*:root"):
            continue
        scopes = [ctx.get(permission, key) for key in _PERMISSION_SCOPES]
        if any(scope is values.UNKNOWN for scope in scopes):
            continue  # a computed source ARN or account: scoped
        if all(scope in (None, "") for scope in scopes):
            doors.found(
                permission,
                "principal",
                f"a Lambda permission for principal {values.show(principal)} with no source, "
                "account or organisation condition (anyone may invoke)",
            )


def _public_switches(doors: _Doors) -> None:
    ctx = doors.ctx
    for type_token, path, exposing, what in _PUBLIC_SWITCHES:
        for resource in ctx.index.of_type(type_token):
            value = ctx.get(resource, *path)
            if value is values.UNKNOWN:
                ctx.unknown(resource, ".".join(path))
                continue
            flag = values.as_bool(value)
            if flag is True or (value is None and exposing is None):
                doors.found(
                    resource, ".".join(path), what + ("" if value is not None else " (the default)")
                )
    for type_token, path, modes, absent_exposes, what in _PUBLIC_MODES:
        for resource in ctx.index.of_type(type_token):
            value = ctx.get(resource, *path)
            if value is values.UNKNOWN:
                ctx.unknown(resource, ".".join(path))
            elif (value is None and absent_exposes) or (
                value is not None and str(value).strip().upper() in modes
            ):
                doors.found(
                    resource, ".".join(path), what + ("" if value is not None else " (the default)")
                )
    for type_token, what in ALWAYS_PUBLIC.items():
        for resource in ctx.index.of_type(type_token):
            doors.found(resource, "type", what)
    for policy in ctx.index.of_type(OPENSEARCH_SECURITY_POLICY):
        _opensearch_network_policy(doors, policy)
    for type_token, path, what in _PUBLIC_WITHOUT:
        for resource in ctx.index.of_type(type_token):
            value = ctx.get(resource, *path)
            if value is None:
                doors.found(resource, ".".join(path), what)
    for server in ctx.index.of_type(TRANSFER_SERVER):
        endpoint = ctx.get(server, "endpointType")
        if endpoint is values.UNKNOWN:
            ctx.unknown(server, "endpointType")
        elif endpoint is None or values.enum(endpoint) == "PUBLIC":
            doors.found(server, "endpointType", "a public Transfer Family endpoint")
    for eip in ctx.index.of_type(EIP):
        if ctx.get(eip, "instance") is not None or ctx.get(eip, "networkInterface") is not None:
            doors.found(eip, "instance", "an Elastic IP attached to an instance or interface")
    for template in ctx.index.of_type(T.EC2_LAUNCH_TEMPLATE):
        for index, interface in enumerate(
            values.items(ctx.get(template, "networkInterfaces")) or ()
        ):
            if values.as_bool(values.get(interface, "associatePublicIpAddress")) is True:
                doors.found(
                    template,
                    f"networkInterfaces[{index}].associatePublicIpAddress",
                    "public IPs on the instances it launches",
                )
    for accelerator in ctx.index.of_type(ACCELERATOR):
        doors.found(accelerator, "enabled", "a Global Accelerator (a public anycast entry point)")


def _opensearch_network_policy(doors: _Doors, policy: PolicyResource) -> None:
    """An OpenSearch Serverless network policy: a rule with AllowFromPublic opens the collections
    it names to the internet; text that is not a JSON list of rules is not understood (found)."""
    ctx = doors.ctx
    kind, text = ctx.get(policy, "type"), ctx.get(policy, "policy")
    if kind is values.UNKNOWN or text is values.UNKNOWN:
        ctx.unknown(policy, "policy")
        return
    if values.enum(kind) != "NETWORK":
        return
    try:
        rules = values.parse_json_property(text)
    except values.InvalidJson:
        rules = None
    rules = [rules] if isinstance(rules, Mapping) else rules
    if not isinstance(rules, list) or not all(isinstance(r, Mapping) for r in rules):
        doors.found(policy, "policy", "a network policy that is not a JSON list of rules")
        return
    if any(values.as_bool(values.get(rule, "AllowFromPublic")) is True for rule in rules):
        doors.found(policy, "policy", "AllowFromPublic (collections reachable from the internet)")


def _check(ctx: StackContext) -> None:
    doors = _Doors(ctx)
    by_dns = _balancers_by_dns(ctx)
    _internet_facing(doors)
    _aliased_origins(doors, by_dns)
    _api_gateways(doors, by_dns)
    _function_urls(doors)
    _open_invoke_permissions(doors)
    _public_switches(doors)
    doors.stale()


def _types() -> Iterable[str]:
    """The types the rule judges (listeners and target groups are only read, for their ports)."""
    return (
        *T.LOAD_BALANCERS,
        T.ELB_CLASSIC,
        *T.CLOUDFRONT_DISTRIBUTIONS,
        ROUTE53_RECORD,
        APIGW_REST_API,
        APIGW_INTEGRATION,
        APIGW_VPC_LINK,
        APIGW2_API,
        APIGW2_INTEGRATION,
        APIGW2_VPC_LINK,
        LAMBDA_URL,
        LAMBDA_PERMISSION,
        EIP,
        T.EC2_LAUNCH_TEMPLATE,
        ACCELERATOR,
        TRANSFER_SERVER,
        *(t for t, _, _, _ in _PUBLIC_SWITCHES),
        *(t for t, _, _ in _PUBLIC_WITHOUT),
        *(t for t, _, _, _, _ in _PUBLIC_MODES),
        *ALWAYS_PUBLIC,
        OPENSEARCH_SECURITY_POLICY,
    )


ALLOWED_FRONT_DOORS_SCHEMA: Final[dict[str, Any]] = {
    "type": "array",
    "description": (
        "Extra front doors this stack accepts besides CloudFront, each bound to one resource "
        "(its URN, or its type and logical name) with the written reason; an entry that matches "
        "no exposed resource is reported as stale."
    ),
    "default": [],
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {
            "urn": {"type": "string", "pattern": "^urn:pulumi:[^:]+::[^:]+::.+::.+$"},
            "type": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+$",
            },
            "name": {"type": "string", "minLength": 1, "pattern": "^[^*?\\[]+$"},
            "reason": {"type": "string", "minLength": 1, "pattern": "\\S"},
        },
        "oneOf": [
            {
                "required": ["urn"],
                "not": {"anyOf": [{"required": ["type"]}, {"required": ["name"]}]},
            },
            {"required": ["type", "name"], "not": {"required": ["urn"]}},
        ],
    },
}

ONE_FRONT_DOOR = StackRule(
    name="one-front-door",
    normalises=(
        "DNS names as resolvers compare them (lower case, no trailing dot or dualstack prefix), "
        "followed through the stack's Route 53 aliases and CNAMEs"
    ),
    description=(
        "The internet reaches the stack through one front door, CloudFront: an internet-facing "
        "load balancer (application, network or classic), an API Gateway API, VPC link or "
        "integration reaching the load balancer, a CloudFront origin named through a DNS alias "
        "to a load balancer, a Lambda function URL without IAM auth, a Lambda permission for any "
        "principal ('*') with no source, account or organisation condition, public IPs on "
        "instances or launch templates, an Elastic IP, a Global Accelerator, and data stores or "
        "services with their public switch on are findings unless `allowedFrontDoors` names "
        "them with a reason (stale entries are reported). A public load balancer forwarding to "
        "a database port is refused even when listed."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Serve the app only through CloudFront (WAF, VPC origin to the internal ALB): make load "
        "balancers internal, remove public IPs, API Gateway paths and function URLs, or list an "
        "intended extra door under allowedFrontDoors with its reason."
    ),
    resource_types=list(dict.fromkeys(_types())),
    check=_check,
    unknowns=(
        "An unknown `internal`, endpoint type, function URL auth or public switch: note. DNS "
        "names and integration URIs unknown during preview are followed at the update."
    ),
    config_properties={"allowedFrontDoors": ALLOWED_FRONT_DOORS_SCHEMA},
    tags=["network", "exposure"],
)
