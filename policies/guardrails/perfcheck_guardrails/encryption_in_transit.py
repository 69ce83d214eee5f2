"""Encryption in transit: database, cache, CDN and load balancer connections."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from perfcheck_policykit import (
    ResourceContext,
    ResourceRule,
    StackContext,
    StackRule,
    schema,
    values,
)
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.checks import require_in, require_set, require_true
from perfcheck_policykit.rules import config_list
from pulumi_policy import PolicyResource, Severity

from .elasticache_clusters import (
    MEMCACHED,
    REDIS_ENGINES,
    replication_group_required,
    standalone_engine,
)
from .private_origin import reached_only_through_vpc_origin

# -- RDS: TLS is forced in the parameter group, not on the instance ---------------------------

_ON = {"1", "on", "true"}
_FORCE_SSL = "rds.force_ssl"
_SECURE_TRANSPORT = "require_secure_transport"


def _major(version: Any) -> int | None:
    if not isinstance(version, str):
        return None
    match = re.search(r"(\d+)", version)
    return int(match.group(1)) if match else None


def _tls_parameter(engine: str) -> str | None:
    engine = engine.strip().lower()
    if engine in ("postgres", "aurora-postgresql") or engine.startswith("sqlserver"):
        return _FORCE_SSL
    if engine in ("mysql", "mariadb", "aurora-mysql"):
        return _SECURE_TRANSPORT
    return None


def _default_forces_tls(engine: str, family_or_version: Any) -> bool:
    """Whether the engine forces TLS with the parameter left at its default.

    RDS for PostgreSQL 15 and later default rds.force_ssl to 1; every other engine defaults off.
    """
    if engine.strip().lower() != "postgres":
        return False
    major = _major(family_or_version)
    return major is None or major >= 15  # no version: RDS picks its current default (>= 15)


def _parameter_value(group: PolicyResource, parameter: str) -> tuple[bool, Any]:
    """(present, value) of a parameter in a parameter group's `parameters` list."""
    entries = values.items(group.props, "parameters")
    if entries is values.UNKNOWN:
        return True, values.UNKNOWN
    for entry in entries:
        if entry is values.UNKNOWN:
            return True, values.UNKNOWN
        if isinstance(entry, Mapping) and values.get(entry, "name") == parameter:
            return True, values.get(entry, "value")
    return False, None


def _judge_group_reference(
    ctx: StackContext,
    database: PolicyResource,
    engine: str,
    prop: str,
    group_types: list[str],
) -> None:
    parameter = _tls_parameter(engine)
    if parameter is None:
        return
    reference = ctx.get(database, prop)
    version = ctx.get(database, "engineVersion")
    groups = (
        ctx.index.references(database, prop, reference, group_types, ("name", "id", "arn"))
        if reference is not None
        else []
    )
    if groups is None:
        ctx.unknown(database, prop)
        return
    expected = f"{parameter} = 1 in its parameter group"
    if not groups:
        if isinstance(reference, str) and reference and not reference.startswith("default."):
            ctx.violation(
                database,
                prop,
                f"'{reference}', a parameter group not defined in this stack",
                expected,
                "Define the parameter group in the stack so the setting can be checked.",
            )
            return
        if version is values.UNKNOWN:
            ctx.unknown(database, "engineVersion (decides the default parameter group's TLS)")
            return
        if not _default_forces_tls(engine, version):
            ctx.violation(
                database,
                prop,
                f"the default parameter group ({engine} {values.show(version)})",
                expected,
            )
        return
    for group in groups:
        present, value = _parameter_value(group, parameter)
        if value is values.UNKNOWN:
            ctx.unknown(group, "parameters")
            continue
        family = ctx.get(group, "family")
        basis = family if family is not None else version
        if not present and basis is values.UNKNOWN:
            ctx.unknown(group, "family (decides the parameter's default)")
            continue
        if present:
            if str(value).strip().lower() in _ON:
                continue
            found = f"parameter group '{group.name}' setting {parameter} = {values.show(value)}"
        elif _default_forces_tls(engine, family if family is not None else version):
            continue
        else:
            found = (
                f"parameter group '{group.name}' ({values.show(family)}) leaving {parameter} at "
                "its default (off)"
            )
        ctx.violation(database, prop, found, expected)


def _check_rds_force_ssl(ctx: StackContext) -> None:
    for instance in ctx.index.of_type(T.RDS_INSTANCE):
        engine = ctx.get(instance, "engine")
        if engine is values.UNKNOWN:
            ctx.unknown(instance, "engine")
            continue
        if not isinstance(engine, str) or engine.strip().lower().startswith("aurora"):
            continue  # Aurora instances take TLS settings from the cluster parameter group
        _judge_group_reference(ctx, instance, engine, "parameterGroupName", [T.RDS_PARAMETER_GROUP])
    for cluster in ctx.index.of_type(T.RDS_CLUSTER):
        engine = ctx.get(cluster, "engine")
        if engine is values.UNKNOWN:
            ctx.unknown(cluster, "engine")
            continue
        if isinstance(engine, str):
            _judge_group_reference(
                ctx, cluster, engine, "dbClusterParameterGroupName", [T.RDS_CLUSTER_PARAMETER_GROUP]
            )


RDS_FORCE_SSL = StackRule(
    name="rds-force-ssl",
    normalises="engine any case; parameter values 1/on/true",
    description=(
        "RDS databases must refuse unencrypted connections: followed from each instance (or "
        "cluster) to its parameter group, which must set rds.force_ssl (PostgreSQL, SQL Server) "
        "or require_secure_transport (MySQL, MariaDB) on."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Create an aws.rds.ParameterGroup for the engine family with parameters "
        "[{name: 'rds.force_ssl', value: '1'}] (PostgreSQL) and pass its name as "
        "parameter_group_name; connect with sslmode=verify-full."
    ),
    resource_types=[
        T.RDS_INSTANCE,
        T.RDS_CLUSTER,
        T.RDS_PARAMETER_GROUP,
        T.RDS_CLUSTER_PARAMETER_GROUP,
    ],
    check=_check_rds_force_ssl,
    unknowns=(
        "The group is found by name, else by property dependencies of parameterGroupName; an "
        "unresolvable group or unknown parameter list is a note. PostgreSQL 15+ defaults to on."
    ),
    tags=["encryption-in-transit", "rds"],
)

# -- ElastiCache -------------------------------------------------------------------------------


def _require_transit_encryption(ctx: ResourceContext) -> None:
    require_true(ctx, "transitEncryptionEnabled", missing="not set (plaintext)")
    mode = ctx.get("transitEncryptionMode")
    if mode is values.UNKNOWN:
        ctx.unknown("transitEncryptionMode")
    elif mode is not None and values.lower(mode) != "required":
        ctx.violation(
            "transitEncryptionMode",
            values.show(mode),
            "'required' or not set",
            "'preferred' still accepts plaintext clients.",
        )


def _check_elasticache_transit(ctx: ResourceContext) -> None:
    if ctx.type == T.ELASTICACHE_CLUSTER:
        engine = standalone_engine(ctx)
        if engine in REDIS_ENGINES:
            replication_group_required(ctx, engine, "enable TLS or AUTH")
        elif engine == MEMCACHED:
            _require_transit_encryption(ctx)  # node-based Memcached has no AUTH to require
        return  # a group member is judged on its group
    _require_transit_encryption(ctx)
    if not ctx.config.get("requireAuth", True):
        return
    token = ctx.get("authToken")
    token_wo = ctx.get("authTokenWo")
    groups = ctx.get("userGroupIds")
    if values.UNKNOWN in (token, token_wo, groups):
        return  # a computed token or user group counts as set
    has_token = (isinstance(token, str) and bool(token)) or (
        isinstance(token_wo, str) and bool(token_wo)
    )
    has_groups = isinstance(groups, Sequence) and not isinstance(groups, str) and len(groups) > 0
    if not (has_token or has_groups):
        ctx.violation(
            "authToken",
            "not set (and no userGroupIds)",
            "an AUTH token from Secrets Manager, or RBAC user groups",
        )


ELASTICACHE_IN_TRANSIT = ResourceRule(
    name="elasticache-in-transit-encryption",
    normalises="engine and transitEncryptionMode any case",
    description=(
        "ElastiCache replication groups must require TLS and authenticate clients (AUTH token "
        "or RBAC user groups). A standalone Redis OSS or Valkey Cluster, which can do neither, is "
        "refused; a standalone Memcached Cluster must enable TLS (it has no AUTH). Cluster "
        "members of a group are judged on the group."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set transit_encryption_enabled=True (mode 'required') and auth_token from a Secrets "
        "Manager secret (or user_group_ids); clients connect with TLS (rediss://). Replace a "
        "standalone Redis OSS or Valkey aws.elasticache.Cluster with a ReplicationGroup."
    ),
    resource_types=[T.ELASTICACHE_REPLICATION_GROUP, T.ELASTICACHE_CLUSTER],
    check=_check_elasticache_transit,
    unknowns=(
        "transitEncryptionEnabled/Mode unknown: note. An unknown authToken or userGroupIds counts "
        "as set; the token is never echoed. A Cluster's engine unknown: note; its "
        "replicationGroupId unknown counts as set (a group member)."
    ),
    config_properties={
        "requireAuth": schema.boolean("Also require an AUTH token or RBAC user groups.", True)
    },
    tags=["encryption-in-transit", "elasticache"],
)

# -- CloudFront --------------------------------------------------------------------------------

_HTTPS_VIEWER = {"redirect-to-https", "https-only"}


def _check_cloudfront_viewer_https(ctx: ResourceContext) -> None:
    behaviors: list[tuple[str, Any]] = [("defaultCacheBehavior", ctx.get("defaultCacheBehavior"))]
    # A Distribution has orderedCacheBehaviors; a MultitenantDistribution, cacheBehaviors.
    for key in ("orderedCacheBehaviors", "cacheBehaviors"):
        ordered = ctx.items(key)
        if ordered is values.UNKNOWN:
            ctx.unknown(key)
            ordered = []
        for index, behavior in enumerate(ordered):
            pattern = values.get(behavior, "pathPattern")
            label = f"{key}[{pattern if isinstance(pattern, str) else index}]"
            behaviors.append((label, behavior))
    for label, behavior in behaviors:
        if behavior is values.UNKNOWN:
            ctx.unknown(label)
            continue
        policy = values.get(behavior, "viewerProtocolPolicy")
        if policy is values.UNKNOWN:
            ctx.unknown(f"{label}.viewerProtocolPolicy")
        elif values.lower(policy) not in _HTTPS_VIEWER:
            ctx.violation(
                f"{label}.viewerProtocolPolicy",
                values.show(policy),
                "'redirect-to-https' or 'https-only'",
            )


CLOUDFRONT_VIEWER_HTTPS = ResourceRule(
    name="cloudfront-viewer-https",
    normalises=(
        "Distribution and MultitenantDistribution spellings (orderedCacheBehaviors / "
        "cacheBehaviors); policy any case"
    ),
    description=(
        "CloudFront must serve viewers over HTTPS only, on the default and on every ordered "
        "cache behavior."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set viewer_protocol_policy='redirect-to-https' on default_cache_behavior and on each "
        "ordered_cache_behaviors entry."
    ),
    resource_types=list(T.CLOUDFRONT_DISTRIBUTIONS),
    check=_check_cloudfront_viewer_https,
    unknowns="Each behavior is judged on its own; an unknown behavior or policy is a note.",
    tags=["encryption-in-transit", "cloudfront"],
)

VIEWER_TLS_VERSIONS = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")


def _check_cloudfront_viewer_tls(ctx: ResourceContext) -> None:
    allowed = set(config_list(ctx.config, "allowedMinimumProtocolVersions"))
    default_cert = ctx.get("viewerCertificate", "cloudfrontDefaultCertificate")
    if default_cert is values.UNKNOWN:
        ctx.unknown("viewerCertificate.cloudfrontDefaultCertificate")
        return
    if values.as_bool(default_cert) is True:
        ctx.violation(
            "viewerCertificate.cloudfrontDefaultCertificate",
            "true (the *.cloudfront.net certificate allows TLSv1)",
            "an ACM certificate with minimumProtocolVersion " + " or ".join(sorted(allowed)),
        )
        return
    version = ctx.get("viewerCertificate", "minimumProtocolVersion")
    if version is values.UNKNOWN:
        ctx.unknown("viewerCertificate.minimumProtocolVersion")
    elif version not in allowed:
        ctx.violation(
            "viewerCertificate.minimumProtocolVersion",
            "not set (TLSv1)" if version is None else values.show(version),
            "one of " + ", ".join(sorted(allowed)),
        )


CLOUDFRONT_VIEWER_TLS = ResourceRule(
    name="cloudfront-viewer-tls",
    normalises="Distribution and MultitenantDistribution alike",
    description="CloudFront viewer connections must negotiate TLSv1.2_2021 or newer.",
    severity=Severity.HIGH,
    remediation_steps=(
        "Use an ACM certificate (us-east-1) in viewer_certificate with "
        "ssl_support_method='sni-only' and minimum_protocol_version='TLSv1.2_2021'."
    ),
    resource_types=list(T.CLOUDFRONT_DISTRIBUTIONS),
    check=_check_cloudfront_viewer_tls,
    unknowns="viewerCertificate fields unknown: note.",
    config_properties={
        "allowedMinimumProtocolVersions": schema.string_list(
            "Accepted viewer minimum protocol versions.", VIEWER_TLS_VERSIONS, min_items=1
        )
    },
    tags=["encryption-in-transit", "cloudfront"],
)


def _check_cloudfront_origin_https(ctx: ResourceContext) -> None:
    allowed = set(config_list(ctx.config, "allowedOriginSslProtocols"))
    http_origins = set(config_list(ctx.config, "httpOriginIds"))
    origins = ctx.items("origins")
    if origins is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    for index, origin in enumerate(origins):
        if origin is values.UNKNOWN:
            ctx.unknown(f"origins[{index}]")
            continue
        origin_id = values.get(origin, "originId")
        if origin_id is None:
            origin_id = values.get(origin, "id")  # a MultitenantDistribution's origin
        label = f"origins[{origin_id if isinstance(origin_id, str) else index}]"
        custom = values.get(origin, "customOriginConfig")
        if custom is None:
            configs = values.items(origin, "customOriginConfigs")  # MultitenantDistribution
            custom = (
                values.UNKNOWN
                if configs is values.UNKNOWN
                else (configs[0] if len(configs) == 1 else (configs or None))
            )
            if isinstance(custom, list):
                custom = values.UNKNOWN if values.UNKNOWN in custom else custom[0]
        if custom is None or origin_id in http_origins:
            continue  # S3 and VPC origins are reached over AWS's network with their own rules
        if custom is values.UNKNOWN:
            ctx.unknown(f"{label}.customOriginConfig")
            continue
        policy = values.get(custom, "originProtocolPolicy")
        if policy is values.UNKNOWN:
            ctx.unknown(f"{label}.customOriginConfig.originProtocolPolicy")
        elif values.lower(policy) != "https-only":
            ctx.violation(
                f"{label}.customOriginConfig.originProtocolPolicy",
                values.show(policy),
                "'https-only'",
            )
        protocols = values.items(custom, "originSslProtocols")
        if protocols is values.UNKNOWN:
            ctx.unknown(f"{label}.customOriginConfig.originSslProtocols")
            continue
        weak = sorted(p for p in protocols if isinstance(p, str) and p not in allowed)
        if weak or not protocols:
            ctx.violation(
                f"{label}.customOriginConfig.originSslProtocols",
                ", ".join(weak) if weak else "empty",
                "only " + ", ".join(sorted(allowed)),
            )


CLOUDFRONT_ORIGIN_HTTPS = ResourceRule(
    name="cloudfront-origin-https",
    normalises="originId / id, customOriginConfig / customOriginConfigs; policy any case",
    description=(
        "CloudFront must reach custom origins (e.g. the ALB) over HTTPS with TLSv1.2 only; "
        "origins listed in httpOriginIds are exempt by configuration."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set custom_origin_config.origin_protocol_policy='https-only' and "
        "origin_ssl_protocols=['TLSv1.2'], with a certificate on the origin matching its domain; "
        "or use a CloudFront VPC origin for an internal ALB."
    ),
    resource_types=list(T.CLOUDFRONT_DISTRIBUTIONS),
    check=_check_cloudfront_origin_https,
    unknowns=(
        "Each origin is judged on its own; an unknown origin, policy or protocol list is a note."
    ),
    config_properties={
        "allowedOriginSslProtocols": schema.string_list(
            "Accepted origin SSL protocols.", ("TLSv1.2",), min_items=1
        ),
        "httpOriginIds": schema.string_list(
            "Origin ids allowed to use HTTP (e.g. an S3 website endpoint), by configuration.", ()
        ),
    },
    tags=["encryption-in-transit", "cloudfront"],
)

# -- Load balancer listeners ------------------------------------------------------------------


def _action_kinds(actions: Any) -> tuple[list[str], str | None]:
    """Each action as 'forward', 'redirect to HTTPS', ...; or the sub-property that is unknown."""
    kinds = []
    for action in actions:
        kind = values.get(action, "type")
        if kind is values.UNKNOWN:
            return [], "type"
        kind = values.lower(kind)
        if kind == "redirect":
            target = values.enum(values.get(action, "redirect", "protocol"))
            if target is values.UNKNOWN:
                return [], "redirect.protocol"
            kind = (
                "redirect to HTTPS" if target == "HTTPS" else f"redirect to {values.show(target)}"
            )
        kinds.append(str(kind))
    return kinds, None


def _require_only_redirect(
    ctx: StackContext, resource: PolicyResource, key: str, where: str, expected: str
) -> None:
    """A violation unless `resource`'s `key` actions are one redirect to HTTPS (unknown: note)."""
    actions = ctx.items(resource, key)
    if actions is values.UNKNOWN:
        ctx.unknown(resource, key)
        return
    kinds, unknown = _action_kinds(actions)
    if unknown:
        ctx.unknown(resource, f"{key}.{unknown}")
    elif kinds != ["redirect to HTTPS"]:
        found = "[" + ", ".join(kinds) + "]" if kinds else "empty"
        ctx.violation(resource, key, found + where, expected)


def _check_http_listener_redirect(ctx: StackContext) -> None:
    for listener in ctx.index.of_type(*T.LISTENERS):
        protocol = ctx.get(listener, "protocol")
        if protocol is values.UNKNOWN:
            ctx.unknown(listener, "protocol")
            continue
        if values.listener_protocol(protocol) != "HTTP" or reached_only_through_vpc_origin(
            ctx, listener
        ):
            continue
        _require_only_redirect(ctx, listener, "defaultActions", "", "exactly one redirect to HTTPS")


HTTP_LISTENER_REDIRECTS = StackRule(
    name="alb-http-listener-redirects-to-https",
    description=(
        "A load balancer's HTTP listener may only redirect to HTTPS, never serve content, "
        "unless the load balancer is internal and reached only through a CloudFront VPC origin "
        "(that hop stays inside AWS's network)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Give the port-80 listener one default action of type 'redirect' with protocol 'HTTPS', "
        "port '443' and status_code 'HTTP_301'."
    ),
    resource_types=[*T.LISTENERS, *T.LOAD_BALANCERS],
    check=_check_http_listener_redirect,
    unknowns="protocol or defaultActions unknown: note.",
    tags=["encryption-in-transit", "alb"],
)


def _check_http_listener_rules(ctx: StackContext) -> None:
    for rule in ctx.index.of_type(*T.LISTENER_RULES):
        listeners = ctx.index.references(
            rule, "listenerArn", ctx.get(rule, "listenerArn"), list(T.LISTENERS), ("arn", "id")
        )
        if listeners is None:
            ctx.unknown(rule, "listenerArn")
            continue
        protocols = [
            values.listener_protocol(ctx.get(listener, "protocol")) for listener in listeners
        ]
        if values.UNKNOWN in protocols:
            ctx.unknown(rule, "the listener's protocol")
            continue
        if "HTTP" not in protocols or all(
            reached_only_through_vpc_origin(ctx, listener) for listener in listeners
        ):
            continue
        _require_only_redirect(
            ctx,
            rule,
            "actions",
            " on an HTTP listener",
            "only a redirect to HTTPS (serve content on the HTTPS listener)",
        )


HTTP_LISTENER_RULES_REDIRECT = StackRule(
    name="alb-http-listener-rules-redirect-to-https",
    description=(
        "Listener rules attached to an HTTP listener may only redirect to HTTPS (a forwarding "
        "rule on port 80 serves content in plaintext even when the default action redirects), "
        "unless the load balancer is internal and reached only through a CloudFront VPC origin."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Attach forwarding aws.lb.ListenerRule resources to the HTTPS listener; on the HTTP "
        "listener keep only the redirect."
    ),
    resource_types=[*T.LISTENER_RULES, *T.LISTENERS],
    check=_check_http_listener_rules,
    unknowns=(
        "The listener is found by ARN, else by property dependencies of listenerArn; an "
        "unresolvable listener, protocol or action is a note."
    ),
    tags=["encryption-in-transit", "alb"],
)

TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)


def _check_https_listener_policy(ctx: ResourceContext) -> None:
    protocol = ctx.get("protocol")
    if protocol is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    if values.listener_protocol(protocol) not in ("HTTPS", "TLS"):
        return
    allowed = set(config_list(ctx.config, "allowedSslPolicies"))
    require_in(ctx, "sslPolicy", allowed, missing="not set (AWS default ELBSecurityPolicy-2016-08)")
    require_set(ctx, "certificateArn", "an ACM certificate ARN")


HTTPS_LISTENER_TLS_POLICY = ResourceRule(
    name="alb-https-listener-tls-policy",
    description="HTTPS/TLS listeners must use a TLS 1.2+ security policy from the allowed list.",
    severity=Severity.HIGH,
    remediation_steps="Set ssl_policy='ELBSecurityPolicy-TLS13-1-2-2021-06' (or an allowed one).",
    resource_types=list(T.LISTENERS),
    check=_check_https_listener_policy,
    unknowns="protocol or sslPolicy unknown: note. certificateArn unknown counts as set.",
    config_properties={
        "allowedSslPolicies": schema.string_list(
            "Accepted ELB security policies.", TLS_POLICIES, min_items=1
        )
    },
    tags=["encryption-in-transit", "alb"],
)


def _check_cloudfront_waf(ctx: ResourceContext) -> None:
    acl = ctx.get("webAclId")
    if acl is values.UNKNOWN:
        ctx.accept_unknown("webAclId")  # a computed ARN of a WebAcl: set
    elif not (isinstance(acl, str) and acl.strip()):
        ctx.violation(
            "webAclId",
            "not set (no AWS WAF in front of the distribution)",
            "a WAFv2 web ACL (CLOUDFRONT scope, us-east-1) ARN",
        )


CLOUDFRONT_WAF = ResourceRule(
    name="cloudfront-web-acl",
    normalises="Distribution and MultitenantDistribution alike",
    description=(
        "CloudFront distributions (multi-tenant ones included) must have an AWS WAF web ACL "
        "(production: managed rule groups and rate limits in front of the app)."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Create an aws.wafv2.WebAcl with scope CLOUDFRONT in us-east-1 (managed common rule "
        "set, rate-based rule) and pass its ARN as web_acl_id."
    ),
    resource_types=list(T.CLOUDFRONT_DISTRIBUTIONS),
    check=_check_cloudfront_waf,
    unknowns="A computed webAclId counts as set (the ARN of a WebAcl resource).",
    tags=["network", "cloudfront", "waf"],
)

# -- TLS minimum inside parameter groups; HTTP subscriptions ----------------------------------

_TLS_VERSION_PARAMETERS = {
    "ssl_min_protocol_version": "TLSv1.2",  # PostgreSQL (RDS and Aurora)
    "tls_version": "TLSv1.2",  # MySQL / MariaDB / Aurora MySQL: the versions allowed, a list
}
_OLD_TLS = re.compile(r"^(sslv3|tlsv1(\.[01])?)$", re.IGNORECASE)
_TLS_SWITCHES = {
    _FORCE_SSL: "1",  # PostgreSQL, SQL Server (RDS and Aurora)
    _SECURE_TRANSPORT: "ON",  # MySQL, MariaDB, Aurora MySQL
    "tls": "enabled",  # DocumentDB cluster parameter groups
    "require_ssl": "true",  # Redshift parameter groups
}
"""Parameters that decide whether the server refuses plaintext connections, and their 'on'."""
_SWITCHED_OFF = {"0", "off", "false", "disabled"}
DOCDB_CLUSTER_PARAMETER_GROUP = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
REDSHIFT_PARAMETER_GROUP = "aws:redshift/parameterGroup:ParameterGroup"


def _check_tls_version_parameters(ctx: ResourceContext) -> None:
    entries = ctx.items("parameters")
    if entries is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    for entry in entries:
        name = values.get(entry, "name")
        if name is values.UNKNOWN:
            ctx.unknown("parameters[].name")
            continue
        key = name.strip().lower() if isinstance(name, str) else None
        if key not in _TLS_VERSION_PARAMETERS and key not in _TLS_SWITCHES:
            continue
        value = values.get(entry, "value")
        if value is values.UNKNOWN:
            ctx.unknown(f"parameters[{name}].value")
            continue
        if key in _TLS_SWITCHES:
            if str(value).strip().lower() in _SWITCHED_OFF:
                ctx.violation(
                    f"parameters[{name}]",
                    f"{values.show(value)} (plaintext connections accepted)",
                    f"{key} = {_TLS_SWITCHES[key]} (or the parameter left out where the "
                    "engine's default forces TLS)",
                    "A group that turns TLS off is refused on its own: any database that uses "
                    "it, now or later, accepts plaintext.",
                )
            continue
        versions = [v.strip() for v in str(value).split(",") if v.strip()]
        old = [v for v in versions if _OLD_TLS.match(v)]
        if old or not versions:
            ctx.violation(
                f"parameters[{name}]",
                values.show(value),
                "TLSv1.2 or newer only (e.g. ssl_min_protocol_version = TLSv1.2, "
                "tls_version = TLSv1.2,TLSv1.3)",
                "Forcing TLS does not help when the server still accepts TLS 1.0/1.1.",
            )


RDS_TLS_MINIMUM_VERSION = ResourceRule(
    name="rds-tls-minimum-version",
    normalises=("parameter names, versions and on/off values any case; tls_version read as a list"),
    description=(
        "A database parameter group (RDS, Aurora, DocumentDB, Redshift) may not turn TLS "
        "enforcement off (rds.force_ssl = 0, require_secure_transport = OFF, tls = disabled, "
        "require_ssl = false), whether or not a database uses it yet, nor lower the TLS minimum "
        "below 1.2: PostgreSQL's ssl_min_protocol_version and MySQL/MariaDB's tls_version must "
        "not allow TLSv1 or TLSv1.1 (left out, the RDS defaults of current versions are TLS 1.2)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Remove the parameter (the default is TLSv1.2 on current versions) or set "
        "ssl_min_protocol_version = 'TLSv1.2' / tls_version = 'TLSv1.2,TLSv1.3'."
    ),
    resource_types=[
        T.RDS_PARAMETER_GROUP,
        T.RDS_CLUSTER_PARAMETER_GROUP,
        DOCDB_CLUSTER_PARAMETER_GROUP,
        REDSHIFT_PARAMETER_GROUP,
    ],
    check=_check_tls_version_parameters,
    unknowns="The parameter list, a name or a value unknown: note.",
    tags=["encryption-in-transit", "rds"],
)

SNS_TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def _check_subscription_protocol(ctx: ResourceContext) -> None:
    protocol = ctx.get("protocol")
    if protocol is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    endpoint = ctx.get("endpoint")
    if values.lower(protocol) == "http" or (
        isinstance(endpoint, str) and endpoint.strip().lower().startswith("http://")
    ):
        ctx.violation(
            "protocol",
            f"{values.show(protocol)} (notifications in plaintext)",
            "'https' with an https:// endpoint",
        )


SNS_SUBSCRIPTION_HTTPS = ResourceRule(
    name="sns-subscription-https",
    normalises="protocol any case",
    description=(
        "SNS subscriptions must not deliver over plain HTTP: the message (and the topic's "
        "encryption at rest) leaves AWS in plaintext."
    ),
    severity=Severity.MEDIUM,
    remediation_steps="Subscribe with protocol='https' and an https:// endpoint.",
    resource_types=[SNS_TOPIC_SUBSCRIPTION],
    check=_check_subscription_protocol,
    unknowns="protocol unknown: note.",
    tags=["encryption-in-transit", "sns"],
)


# -- EFS volumes of tasks: the mount is encrypted only when the task asks for it ---------------

BATCH_JOB_DEFINITION = "aws:batch/jobDefinition:JobDefinition"
TASK_VOLUME_PATHS: dict[str, tuple[str, ...]] = {
    T.ECS_TASK_DEFINITION: ("volumes",),
    "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition": ("volumes",),
    BATCH_JOB_DEFINITION: ("containerProperties", "volumes"),
}
"""Type -> where its volumes are (Batch: inside the containerProperties JSON)."""


def _task_volumes(ctx: ResourceContext) -> list[Any] | None:
    path = TASK_VOLUME_PATHS[ctx.type]
    holder: Any = ctx.props
    if len(path) > 1:
        raw = ctx.get(path[0])
        if raw is values.UNKNOWN:
            ctx.unknown(path[0])
            return None
        try:
            holder = values.parse_json_property(raw)
        except values.InvalidJson:
            ctx.violation(path[0], "not valid JSON", "a JSON object (AWS would refuse it)")
            return None
        if holder is None:
            return []
    found = values.items(holder, path[-1])
    if found is values.UNKNOWN:
        ctx.unknown(".".join(path))
        return None
    return list(found)


def _check_efs_volume_transit(ctx: ResourceContext) -> None:
    volumes = _task_volumes(ctx)
    for index, volume in enumerate(volumes or ()):
        efs = values.get(volume, "efsVolumeConfiguration")
        label = f"volumes[{values.get(volume, 'name') or index}].efsVolumeConfiguration"
        if efs is values.UNKNOWN:
            ctx.unknown(label)
            continue
        if efs is None:
            continue
        mode = values.get(efs, "transitEncryption")
        if mode is values.UNKNOWN:
            ctx.unknown(f"{label}.transitEncryption")
        elif values.enum(mode) != "ENABLED":
            ctx.violation(
                f"{label}.transitEncryption",
                "not set (DISABLED)" if mode is None else values.show(mode),
                "'ENABLED' (TLS between the task and the file system)",
                "AWS defaults to DISABLED: the file system's data crosses the network in clear.",
            )


EFS_VOLUME_TRANSIT_ENCRYPTION = ResourceRule(
    name="efs-volume-transit-encryption",
    normalises="transitEncryption any case; Batch's containerProperties JSON parsed",
    description=(
        "Every EFS volume a task mounts must encrypt in transit (transitEncryption ENABLED; "
        "AWS's default is DISABLED): ECS task and daemon task definitions, Batch job "
        "definitions."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set efs_volume_configuration={'transit_encryption': 'ENABLED', "
        "'authorization_config': {'iam': 'ENABLED'}, ...} on each EFS volume."
    ),
    resource_types=list(TASK_VOLUME_PATHS),
    check=_check_efs_volume_transit,
    unknowns="volumes, an EFS volume or its transitEncryption unknown: note.",
    tags=["encryption-in-transit", "efs"],
)
