"""Rules that judge a property across its whole type family (tables in `type_families`).

`data-encrypted-at-rest` covers the data stores, queues, streams, snapshot copies and global
clusters the dedicated encryption rules do not; `front-door-tls-minimum` covers the TLS minimum
of front doors other than CloudFront and load balancers (API Gateway custom domains, OpenSearch
endpoints, MSK client connections).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from perfcheck_policykit import ResourceContext, ResourceRule, values
from pulumi_policy import Severity

from .type_families import (
    DEDICATED_AT_REST_TYPES,
    ENCRYPTION_AT_REST,
    ENCRYPTION_OFF,
    HTTPS_REQUIRED,
    IN_TRANSIT_INSIDE,
    REST_API,
    TLS_MINIMUM,
    Setting,
)


def read_path(ctx: ResourceContext, path: tuple[str, ...]) -> list[tuple[str, Any]]:
    """(label, value) for each value at `path`; "*" expands a list (none when it is empty)."""
    found: list[tuple[str, Any]] = [(path[0], ctx.get(path[0]))]
    if found[0][1] is values.UNKNOWN:
        ctx.accept_unknown(path[0])  # the caller notes it with the full label
    for segment in path[1:]:
        step: list[tuple[str, Any]] = []
        for label, value in found:
            if value is values.UNKNOWN or value is None:
                step.append((label if segment == "*" else f"{label}.{segment}", value))
            elif segment == "*":
                elements = values.items(value)
                if elements is values.UNKNOWN:
                    step.append((label, values.UNKNOWN))
                else:
                    step.extend((f"{label}[{i}]", e) for i, e in enumerate(elements))
            else:
                step.append((f"{label}.{segment}", values.get(value, segment)))
        found = step
    return found


def judge(ctx: ResourceContext, setting: Setting) -> tuple[str, list[tuple[str, str]]]:
    """('ok' | 'unknown' | 'fail', failures as (label, found))."""
    if setting.kind == "always":
        return "ok", []
    failures: list[tuple[str, str]] = []
    unknown = False
    for label, value in read_path(ctx, setting.path):
        if value is values.UNKNOWN:
            if setting.kind == "set":
                continue  # a computed key ARN is set
            unknown = True
            continue
        defaulted = value is None and setting.default is not None
        if value is None:
            value = setting.default
        if value is values.UNKNOWN:  # a default that depends on an unknown input
            unknown = True
            continue
        if setting.kind == "true":
            if values.as_bool(value) is not True:
                failures.append((label, "not set" if value is None else values.show(value)))
        elif setting.kind == "set":
            if value is None or (isinstance(value, str) and not value.strip()):
                failures.append((label, "not set" if value is None else "empty"))
        elif setting.kind == "one-of":
            allowed = {a.upper() for a in setting.allowed}
            if not isinstance(value, str) or value.strip().upper() not in allowed:
                shown = "not set" if value is None else values.show(value)
                failures.append(
                    (label, f"not set (AWS's default: {shown})" if defaulted else shown)
                )
    if failures:
        return "fail", failures
    return ("unknown" if unknown else "ok"), []


def judge_alternatives(
    ctx: ResourceContext, settings: tuple[Setting, ...], expected: str, detail: str = ""
) -> None:
    """Pass when any one of `settings` holds; a note when none holds but one is unknown."""
    outcomes = [judge(ctx, setting) for setting in settings]
    if any(outcome == "ok" for outcome, _ in outcomes):
        return
    if any(outcome == "unknown" for outcome, _ in outcomes):
        ctx.unknown(".".join(settings[0].path))
        return
    failures = [failure for _, found in outcomes for failure in found]
    if len(failures) == 1:
        ((label, what),) = failures
        ctx.violation(label, what, expected, detail)
        return
    labels = " / ".join(dict.fromkeys(label for label, _ in failures))
    ctx.violation(
        labels, "; ".join(f"{label} {what}" for label, what in failures), expected, detail
    )


def _expected_at_rest(settings: tuple[Setting, ...]) -> str:
    parts = []
    for setting in settings:
        path = ".".join(setting.path)
        if setting.kind == "true":
            parts.append(f"{path} = true")
        elif setting.kind == "set":
            parts.append(f"{path} set to a KMS key")
        elif setting.kind == "one-of":
            parts.append(f"{path} one of {', '.join(setting.allowed)}")
    return " or ".join(parts)


def judge_not_true(ctx: ResourceContext, path: tuple[str, ...], found: str, expected: str) -> None:
    """Each value at `path` must not be true (absent is AWS's default: off); unknown: a note."""
    for label, value in read_path(ctx, path):
        if value is values.UNKNOWN:
            ctx.unknown(label)
        elif values.as_bool(value) is True:
            ctx.violation(label, found, expected)


def _check_at_rest(ctx: ResourceContext) -> None:
    settings = ENCRYPTION_AT_REST.get(ctx.type)
    if settings is not None:
        why = next((s.why for s in settings if s.why), "")
        judge_alternatives(ctx, settings, _expected_at_rest(settings), why)
    for path in ENCRYPTION_OFF.get(ctx.type, ()):
        judge_not_true(ctx, path, "true (encryption switched off)", "false or not set")


FAMILY_AT_REST_TYPES = tuple(
    dict.fromkeys(
        [*(t for t in ENCRYPTION_AT_REST if t not in DEDICATED_AT_REST_TYPES), *ENCRYPTION_OFF]
    )
)

DATA_ENCRYPTED_AT_REST = ResourceRule(
    name="data-encrypted-at-rest",
    normalises="enumerations any case; '*' paths read every list element",
    description=(
        "Every other data store, queue, stream, snapshot copy and global cluster must be "
        "encrypted at rest, judged from one table (type -> setting, checked against "
        "pulumi-aws's schema): RDS global clusters and snapshot copies, DocumentDB, Neptune, "
        "Redshift, DynamoDB (a KMS key, not the AWS-owned one), OpenSearch/Elasticsearch, "
        "Kinesis streams and Firehose, SQS (SSE-KMS or SSE-SQS stated), EBS snapshot copies; "
        "CodeBuild artifacts and S3 logs with encryption not switched off (encryptionDisabled). "
        "Types AWS always encrypts (MSK, ElastiCache Serverless, MemoryDB, Backup vaults) pass."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set the type's encryption setting the finding names (e.g. storage_encrypted=True, "
        "encrypt_at_rest={'enabled': True}, server_side_encryption={'enabled': True}, "
        "encryption_type='KMS', kms_master_key_id=...). Encryption at rest is fixed at "
        "creation for most of these: restore into an encrypted copy."
    ),
    resource_types=FAMILY_AT_REST_TYPES,
    check=_check_at_rest,
    unknowns="A setting unknown: note. A computed key ARN counts as set.",
    tags=["encryption-at-rest"],
)


def _rest_api_default(ctx: ResourceContext) -> object:
    """The policy AWS gives a REST API's default endpoint without one: TLS_1_2 on a PRIVATE
    endpoint, TLS_1_0 on EDGE (the default type) and REGIONAL (API Gateway Developer Guide,
    "Choose a security policy for your custom domain", note on default endpoints)."""
    kinds = ctx.items("endpointConfiguration", "types")
    if kinds is values.UNKNOWN or values.UNKNOWN in kinds:
        ctx.accept_unknown("endpointConfiguration")  # noted with securityPolicy
        return values.UNKNOWN
    return "TLS_1_2" if {values.enum(k) for k in kinds} == {"PRIVATE"} else "TLS_1_0"


def _check_tls_minimum(ctx: ResourceContext) -> None:
    setting = TLS_MINIMUM.get(ctx.type)
    if setting is not None and ctx.type == REST_API and ctx.get("securityPolicy") is None:
        setting = dataclasses.replace(setting, default=_rest_api_default(ctx))
    if setting is not None:
        judge_alternatives(
            ctx,
            (setting,),
            f"{'.'.join(setting.path)} one of {', '.join(setting.allowed)}",
            "Clients must not negotiate TLS below 1.2 (or plaintext).",
        )
    https = HTTPS_REQUIRED.get(ctx.type)
    if https is not None:
        judge_alternatives(ctx, (Setting(https, "true"),), f"{'.'.join(https)} = true")
    inside = IN_TRANSIT_INSIDE.get(ctx.type)
    if inside is not None:
        judge_alternatives(
            ctx,
            (inside,),
            f"{'.'.join(inside.path)} = true",
            "Traffic between the service's own nodes must be encrypted too.",
        )


FRONT_DOOR_TLS_MINIMUM = ResourceRule(
    name="front-door-tls-minimum",
    normalises="policy names any case",
    description=(
        "Front doors other than CloudFront and load balancers must refuse TLS below 1.2: API "
        "Gateway REST APIs (whose default endpoint is TLS_1_0 unless PRIVATE) and custom "
        "domains (REST and HTTP/WebSocket) with securityPolicy TLS_1_2 (or an enhanced "
        "SecurityPolicy_* for REST), "
        "OpenSearch/Elasticsearch endpoints with a TLS 1.2 policy and HTTPS enforced, MSK with "
        "TLS-only client connections and encryption between brokers (inCluster, on unless "
        "turned off)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set security_policy='TLS_1_2' (API Gateway), domain_endpoint_options={'enforce_https': "
        "True, 'tls_security_policy': 'Policy-Min-TLS-1-2-PFS-2023-10'} (OpenSearch), "
        "encryption_info.encryption_in_transit.client_broker='TLS' (MSK)."
    ),
    resource_types=tuple(dict.fromkeys([*TLS_MINIMUM, *HTTPS_REQUIRED, *IN_TRANSIT_INSIDE])),
    check=_check_tls_minimum,
    unknowns="The policy or flag unknown: note.",
    tags=["encryption-in-transit"],
)
