"""What AWS refuses to change, or to delete, while a resource is in use, and whether the stack
declares each such resource so that a change replaces it create-before-delete and repoints its
users.

A policy pack (and this check) sees the new state, not the diff, so it judges the declaration:
the record's `replaceOnChanges` and `deleteBeforeReplace` options, `protect`, the name (a fixed
name collides with the replacement that has to exist before the old one goes), and whether every
user keeps the reference live (does not ignore it; literal references are the sg-reference and
other checks' business).

`IN_USE_REFUSALS` is the table, each row with its source. `planned_step` applies the engine's
own rules (ignoreChanges, the provider's replace-on-change properties, replaceOnChanges) to two
runs of the program, so a test can show what `pulumi up` would do to a resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from foundation.records import ResourceRecord, StackRun
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import REFERENCE_KEYS, StackIndex, as_int, is_unknown

VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ECS_SERVICE = "aws:ecs/service:Service"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
RDS_INSTANCE = "aws:rds/instance:Instance"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


@dataclass(frozen=True)
class InUseRefusal:
    """One resource type whose listed properties AWS will not change while it is in use."""

    type_token: str
    properties: tuple[str, ...]
    """Input paths (wire names) a change of which needs a new resource."""
    provider_replaces: bool
    """True: the provider already marks them replace-on-change (ForceNew). False: the provider
    would call the update API, which AWS refuses while in use; the declaration must say
    `replaceOnChanges`."""
    refusal: str
    """What AWS answers when asked to change (or delete) it while in use."""
    source: str
    replaceable: bool = True
    """False: the old resource must outlive the change (data depends on it): keep it instead."""
    name_input: str | None = "name"
    """The input that names the resource, unique in the account: must be generated or derived."""
    deferred_users: tuple[str, ...] = ()
    """User types that move to the replacement only in their maintenance window unless they
    apply changes at once (`applyImmediately`): the old one is still in use when the engine
    deletes it in the same `up`, so it must be retained (retain_on_delete), not deleted."""
    users_must_allow: tuple[tuple[str, str, str], ...] = ()
    """(user type, boolean input, why): what the user must allow for the change to reach it."""


IN_USE_REFUSALS: tuple[InUseRefusal, ...] = (
    InUseRefusal(
        VPC_ORIGIN,
        ("vpcOriginEndpointConfig",),
        provider_replaces=False,
        refusal="UpdateVpcOrigin answers HTTP 409 (CannotUpdateEntityWhileInUse) while a "
        "distribution uses the VPC origin; the provider updates it in place",
        source="CloudFront API Reference, UpdateVpcOrigin errors; hashicorp/terraform-provider-aws"
        "#40905 (open); aws/aws-cdk#34629",
        name_input=None,  # the name lives in the endpoint config: see _vpc_origin_name
    ),
    InUseRefusal(
        TARGET_GROUP,
        ("port", "protocol", "protocolVersion", "targetType", "vpcId", "ipAddressType"),
        provider_replaces=True,
        refusal="DeleteTargetGroup answers ResourceInUse while a listener or rule forwards to it",
        source="Elastic Load Balancing API Reference, DeleteTargetGroup; provider schema "
        "aws_lb_target_group (ForceNew)",
    ),
    InUseRefusal(
        "aws:rds/parameterGroup:ParameterGroup",
        ("family",),
        provider_replaces=True,
        refusal="DeleteDBParameterGroup answers InvalidDBParameterGroupState while an instance "
        "uses the group; a major upgrade needs a group of the new family first",
        source="Amazon RDS API Reference, DeleteDBParameterGroup; RDS user guide, 'Upgrading the "
        "PostgreSQL DB engine' (custom parameter group of the new family)",
        # ModifyDBInstance EngineVersion: "applied during the next maintenance window unless
        # the ApplyImmediately parameter is enabled", and the new family follows the upgrade.
        deferred_users=(RDS_INSTANCE,),
        users_must_allow=(
            (
                RDS_INSTANCE,
                "allowMajorVersionUpgrade",
                "a new family comes with a new major version, and ModifyDBInstance refuses an "
                "EngineVersion of another major unless AllowMajorVersionUpgrade is set (RDS API "
                "Reference, ModifyDBInstance; the provider sends the input's value with it)",
            ),
        ),
    ),
    InUseRefusal(
        "aws:rds/subnetGroup:SubnetGroup",
        ("name",),
        provider_replaces=True,
        refusal="DeleteDBSubnetGroup answers InvalidDBSubnetGroupStateFault while an instance "
        "or proxy uses it",
        source="Amazon RDS API Reference, DeleteDBSubnetGroup",
        # ModifyDBInstance DBSubnetGroupName: "applied during the next maintenance window,
        # unless you enable ApplyImmediately".
        deferred_users=(RDS_INSTANCE,),
    ),
    InUseRefusal(
        "aws:elasticache/parameterGroup:ParameterGroup",
        ("family",),
        provider_replaces=True,
        refusal="DeleteCacheParameterGroup answers InvalidCacheParameterGroupState while a "
        "cluster uses it",
        source="Amazon ElastiCache API Reference, DeleteCacheParameterGroup",
        # ModifyReplicationGroup CacheParameterGroupName: "applied as soon as possible ... when
        # the ApplyImmediately parameter is specified as true".
        deferred_users=(CACHE_GROUP,),
    ),
    InUseRefusal(
        "aws:elasticache/subnetGroup:SubnetGroup",
        ("name",),
        provider_replaces=True,
        refusal="DeleteCacheSubnetGroup answers CacheSubnetGroupInUse while a cluster uses it",
        source="Amazon ElastiCache API Reference, DeleteCacheSubnetGroup",
    ),
    InUseRefusal(
        "aws:ec2/securityGroup:SecurityGroup",
        ("name", "description", "vpcId"),
        provider_replaces=True,
        refusal="DeleteSecurityGroup answers DependencyViolation while a network interface or "
        "another group's rule uses it",
        source="Amazon EC2 API Reference, DeleteSecurityGroup",
    ),
    InUseRefusal(
        "aws:acm/certificate:Certificate",
        ("domainName", "subjectAlternativeNames", "keyAlgorithm"),
        provider_replaces=True,
        refusal="DeleteCertificate answers ResourceInUseException while CloudFront or a load "
        "balancer uses it",
        source="AWS Certificate Manager API Reference, DeleteCertificate",
        name_input=None,
    ),
    InUseRefusal(
        "aws:kms/key:Key",
        ("customerMasterKeySpec", "keyUsage", "multiRegion"),
        provider_replaces=True,
        refusal="a key's spec and usage never change; data encrypted under a key whose deletion "
        "completes cannot be decrypted, and RDS, ElastiCache and Secrets Manager keep the key "
        "they were created with",
        source="AWS KMS API Reference, ScheduleKeyDeletion; provider schema aws_kms_key "
        "(ForceNew); aws_db_instance kms_key_id (ForceNew)",
        replaceable=False,
        name_input=None,
    ),
)
REFUSALS_BY_TYPE: Mapping[str, InUseRefusal] = {row.type_token: row for row in IN_USE_REFUSALS}

AWS_OWNED_REFERENCES: Mapping[tuple[str, str], str] = {
    (ECS_SERVICE, "loadBalancers"): "ECS swaps the target-group pair after each traffic shift",
    (LISTENER_RULE, "actions"): "ECS sets the production rule's weights",
}
"""References a user deliberately ignores because an AWS service owns them after creation: a
replacement of what they point at is the procedure in docs/replacements.md, not an `up`."""

MAXIMUM_KEY_DELETION_WINDOW = 30
"""Days KMS waits before deleting a key at most (7-30; AWS KMS API Reference,
ScheduleKeyDeletion PendingWindowInDays)."""

MINIMUM_VPC_ORIGIN_TIMEOUT_MINUTES = 30
"""The provider's default is 15 minutes, which VPC origin deployments are known to exceed
(terraform-aws-modules/terraform-aws-cloudfront#163); the resource is then tainted and its
replacement hits the 409 above."""

REPLACEMENT_ID = describe(
    "in-use-replacement",
    "a resource AWS will not change while in use is replaced create-before-delete: not "
    "deleteBeforeReplace, not protected, and replaceOnChanges covers what the provider would "
    "otherwise update in place",
)
NAME_ID = describe(
    "in-use-name",
    "a resource replaced create-before-delete has a generated name, or one derived from the "
    "values whose change replaces it, so old and new can exist together",
)
USERS_ID = describe(
    "in-use-users",
    "no user of such a resource ignores the property that holds its id/arn/name (unless an AWS "
    "service owns that reference), so a replacement repoints it before the old one is deleted",
)
KEPT_ID = describe(
    "in-use-kept",
    "a resource whose data depends on it (KMS key) is protected, retained on delete, or "
    "deleted only after the longest window AWS allows",
)
DEFERRED_ID = describe(
    "in-use-deferred",
    "a resource whose user moves to its replacement only in the user's maintenance window "
    "(applyImmediately off) is retained on delete, so the `up` does not delete it while in use",
)
ALLOWED_ID = describe(
    "in-use-user-allows",
    "a user allows the change that replaces what it uses (an RDS instance allows the major "
    "version upgrade a new parameter group family comes with)",
)
TIMEOUT_ID = describe(
    "in-use-timeouts",
    "the CloudFront VPC origin's create, update and delete timeouts are at least "
    f"{MINIMUM_VPC_ORIGIN_TIMEOUT_MINUTES} minutes",
)


# --- the engine's own rules --------------------------------------------------------------------

_SEGMENT = re.compile(r"\[(\d+|\*)\]|\.?([^.\[]+)")


def _path_pattern(path: str) -> re.Pattern[str]:
    """A regex matching a property path and everything under it (`[*]` matches any index)."""
    text = re.escape(path).replace(r"\[\*\]", r"\[\d+\]")
    return re.compile(rf"^{text}($|[.\[])")


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, leaf) pairs in the engine's property-path syntax: `a.b[0].c`."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple) and value:
        for position, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{position}]")
    else:
        yield prefix, value


def covered(path: str, patterns: Sequence[str]) -> bool:
    """True when one of the option paths (ignoreChanges, replaceOnChanges) covers `path`."""
    return any(p == "*" or _path_pattern(p).match(path) for p in patterns)


def changed_paths(
    before: Mapping[str, Any], after: Mapping[str, Any], ignore_changes: Sequence[str] = ()
) -> list[str]:
    """Leaf paths whose value differs, after the engine keeps the old value on ignored paths."""
    old = dict(flatten(before))
    new = dict(flatten(after))
    return sorted(
        path
        for path in old.keys() | new.keys()
        if old.get(path) != new.get(path) and not covered(path, ignore_changes)
    )


def planned_step(before: ResourceRecord, after: ResourceRecord) -> str:
    """What the engine plans for a resource between two runs: "same", "update",
    "replace" (create-before-delete) or "delete-before-replace"."""
    changes = changed_paths(before.inputs, after.inputs, after.ignore_changes)
    if not changes:
        return "same"
    row = REFUSALS_BY_TYPE.get(after.type)
    force_new = row.properties if row is not None and row.provider_replaces else ()
    if any(covered(path, (*after.replace_on_changes, *force_new)) for path in changes):
        return "delete-before-replace" if after.delete_before_replace else "replace"
    return "update"


def plan(before: StackRun, after: StackRun) -> dict[str, str]:
    """`planned_step` for every resource in both runs (by URN); new and gone ones too."""
    old = before.by_urn()
    new = after.by_urn()
    steps = {urn: "create" for urn in new.keys() - old.keys()}
    steps.update({urn: "delete" for urn in old.keys() - new.keys()})
    steps.update({urn: planned_step(old[urn], new[urn]) for urn in old.keys() & new.keys()})
    return steps


# --- the check ---------------------------------------------------------------------------------


def _minutes(duration: str) -> float | None:
    """Go duration ("45m", "1h30m", "90s") in minutes; None when it is not one."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", duration or "")
    if not parts or "".join(n + u for n, u in parts) != duration:
        return None
    scale = {"h": 60.0, "m": 1.0, "s": 1 / 60}
    return sum(float(n) * scale[u] for n, u in parts)


def _users(index: StackIndex) -> dict[str, list[tuple[ResourceRecord, str]]]:
    """Reference value -> (user, property path) for every value an input holds on a path the
    user's ignore_changes covers and AWS does not own: the users a replacement would leave on
    the old resource. Built once per stack; a resource without ignore_changes keeps every
    input current, so only the few with it are walked."""
    return index.memo("in-use stale users", lambda: _stale_users(index))  # type: ignore[no-any-return]


def _stale_users(index: StackIndex) -> dict[str, list[tuple[ResourceRecord, str]]]:
    wanted = {
        str(r.outputs[key])
        for r in index.run.resources
        if r.type in REFUSALS_BY_TYPE
        for key in REFERENCE_KEYS
        if isinstance(r.outputs.get(key), str) and r.outputs[key]
    }
    found: dict[str, list[tuple[ResourceRecord, str]]] = {}
    for record in index.run.resources:
        if record.type in REFUSALS_BY_TYPE or not record.custom or not record.ignore_changes:
            continue
        for path, leaf in flatten(index.inputs(record)):
            if not (isinstance(leaf, str) and leaf in wanted):
                continue
            top = re.split(r"[.\[]", path, maxsplit=1)[0]
            if AWS_OWNED_REFERENCES.get((record.type, top)) is None and covered(
                path, record.ignore_changes
            ):
                found.setdefault(leaf, []).append((record, path))
    return found


def _vpc_origin_name(record: ResourceRecord, config: Mapping[str, Any]) -> Iterator[Finding]:
    """The endpoint config carries the name; a replacement needs a different one, so it is
    derived from what changes: the protocol and the load balancer's id."""
    name, arn, protocol = config.get("name"), config.get("arn"), config.get("originProtocolPolicy")
    if any(is_unknown(v) for v in (name, arn, protocol)):
        return
    words = str(name or "").split("-")
    load_balancer_id = str(arn or "").rsplit("/", 1)[-1]
    protocol_word = str(protocol or "").split("-")[0]
    if not load_balancer_id or load_balancer_id not in words or protocol_word not in words:
        yield finding(
            NAME_ID,
            record,
            "vpcOriginEndpointConfig.name",
            f"the VPC origin's name {name!r} does not change with its endpoint config (wanted: "
            f"the words {protocol_word!r} and {load_balancer_id!r}); the replacement created "
            "before the old one is deleted would need to differ from it.",
            "Derive the name from the origin protocol and the load balancer's id "
            "(components/cdn.py vpc_origin_name).",
        )


@checks(*REFUSALS_BY_TYPE)
def check_in_use_declaration(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    row = REFUSALS_BY_TYPE[record.type]
    inputs = index.inputs(record)
    why = f"{row.refusal} ({row.source})."
    if not row.replaceable:
        given = inputs.get("deletionWindowInDays")
        # Absent: AWS's default, which is the maximum.
        window = MAXIMUM_KEY_DELETION_WINDOW if given is None else as_int(given)
        kept = record.protect or record.retain_on_delete
        if not kept and not is_unknown(given) and (window or 0) < MAXIMUM_KEY_DELETION_WINDOW:
            yield finding(
                KEPT_ID,
                record,
                "deletionWindowInDays",
                f"{why} Nothing keeps this key, and its deletion window is {window} days, so a "
                "replacement or a delete loses what it encrypted sooner than AWS allows at most.",
                "Set protect (or retain_on_delete) on it, or deletion_window_in_days="
                f"{MAXIMUM_KEY_DELETION_WINDOW} (CancelKeyDeletion recovers it until then).",
            )
        return
    if record.delete_before_replace:
        yield finding(
            REPLACEMENT_ID,
            record,
            "deleteBeforeReplace",
            f"{why} Deleting it before its replacement exists is refused while it is in use.",
            "Drop delete_before_replace: the engine creates the new one and repoints users first.",
        )
    if record.protect:
        yield finding(
            REPLACEMENT_ID,
            record,
            "protect",
            f"{why} The engine refuses to replace a protected resource, so a change of "
            f"{', '.join(row.properties)} stops the `up`.",
            "Drop protect: it holds no data, and its replacement is create-before-delete.",
        )
    if not row.provider_replaces and record.replace_on_changes_known:
        # The policy analyzer's options carry no replaceOnChanges: the program's own tests
        # (tests/test_aws_owned_state.py and the in-use cases) hold it instead.
        missing = [p for p in row.properties if not covered(p, record.replace_on_changes)]
        if missing:
            yield finding(
                REPLACEMENT_ID,
                record,
                ", ".join(missing),
                f"{why} Without replaceOnChanges the provider updates it in place.",
                f"Add replace_on_changes={missing!r} to its resource options.",
            )
    if row.name_input is not None and row.name_input in inputs:
        yield finding(
            NAME_ID,
            record,
            row.name_input,
            f"{why} A fixed {row.name_input} collides with the replacement created before the "
            "old one is deleted.",
            f"Leave {row.name_input} out (the engine generates one) or use its prefix form.",
        )
    if record.type == VPC_ORIGIN:
        config = inputs.get("vpcOriginEndpointConfig")
        if isinstance(config, Mapping):
            yield from _vpc_origin_name(record, config)
        yield from _vpc_origin_timeouts(record)
    yield from _unrepointed_users(record, index, why)
    yield from _users_that_do_not_follow(record, index, row, why)


def _users_that_do_not_follow(
    record: ResourceRecord, index: StackIndex, row: InUseRefusal, why: str
) -> Iterator[Finding]:
    """Users that would not move to the replacement within the `up` that deletes the old one."""
    deferring, must_allow = set(row.deferred_users), {t: (k, w) for t, k, w in row.users_must_allow}
    holders = _holders(index)
    users = {user.urn: user for value in _references(record) for user in holders.get(value, ())}
    for user in sorted(users.values(), key=lambda u: u.urn):
        inputs = index.inputs(user)
        applies_now = inputs.get("applyImmediately")
        if (
            user.type in deferring
            and record.retain_on_delete_known
            and not record.retain_on_delete
            and not is_unknown(applies_now)
            and applies_now is not True
        ):
            yield finding(
                DEFERRED_ID,
                record,
                "retainOnDelete",
                f"{why} {user.type} '{user.name}' does not apply changes immediately, so it moves "
                "to the replacement only in its maintenance window, and the old one is deleted "
                "while still in use: the `up` fails at its end, and again until that window.",
                "Set retain_on_delete on it where its user applies changes in the maintenance "
                "window (delete the old one after the window: docs/replacements.md).",
            )
        if user.type in must_allow:
            key, reason = must_allow[user.type]
            allowed = inputs.get(key)
            if not is_unknown(allowed) and allowed is not True:
                yield finding(
                    ALLOWED_ID,
                    record,
                    "",
                    f"{why} {user.type} '{user.name}' has {key} {allowed!r}: {reason}.",
                    f"Set {key} to true on that resource: it only permits what the program "
                    "asks for.",
                )


def _holders(index: StackIndex) -> dict[str, list[ResourceRecord]]:
    """Reference value -> the resources of the types some row names (deferred users, users that
    must allow a change) whose inputs hold it anywhere. Built once per stack, from those types
    only."""

    def build() -> dict[str, list[ResourceRecord]]:
        types = {t for row in IN_USE_REFUSALS for t in row.deferred_users}
        types |= {t for row in IN_USE_REFUSALS for t, _, _ in row.users_must_allow}
        found: dict[str, list[ResourceRecord]] = {}
        for type_token in sorted(types):
            for user in index.by_type.get(type_token, []):
                # each user once per value it holds (a set per user: a membership test in the
                # value's list compared whole records, quadratic in the users of a common value)
                held = {leaf for _, leaf in flatten(index.inputs(user)) if isinstance(leaf, str)}
                for leaf in held:
                    found.setdefault(leaf, []).append(user)
        return found

    return index.memo("in-use holders", build)  # type: ignore[no-any-return]


def _references(record: ResourceRecord) -> set[str]:
    """The record's id, ARN and name as other resources hold them; one a first preview does not
    know yet is no reference (every unknown value would match every other)."""
    return {
        str(record.outputs[key])
        for key in REFERENCE_KEYS
        if isinstance(record.outputs.get(key), str)
        and record.outputs[key]
        and not is_unknown(record.outputs[key])
    }


def _vpc_origin_timeouts(record: ResourceRecord) -> Iterator[Finding]:
    for operation in ("create", "update", "delete"):
        value = record.custom_timeouts.get(operation, "")
        minutes = _minutes(value)
        if minutes is None or minutes < MINIMUM_VPC_ORIGIN_TIMEOUT_MINUTES:
            yield finding(
                TIMEOUT_ID,
                record,
                f"customTimeouts.{operation}",
                f"the {operation} timeout is {value or 'the provider default (15m)'}; VPC origin "
                "deployments are known to take longer (terraform-aws-modules/"
                "terraform-aws-cloudfront#163), after which the resource is tainted and its "
                "replacement is refused with HTTP 409.",
                f"Set custom_timeouts {operation} to at least "
                f"{MINIMUM_VPC_ORIGIN_TIMEOUT_MINUTES}m.",
            )


def _unrepointed_users(record: ResourceRecord, index: StackIndex, why: str) -> Iterator[Finding]:
    users = _users(index)
    for value in sorted(_references(record)):
        for user, path in users.get(value, ()):
            yield finding(
                USERS_ID,
                record,
                "",
                f"{why} {user.type} '{user.name}' ignores {path}, which holds this "
                "resource's reference: a replacement would leave it on the old one.",
                f"Remove {path} from that resource's ignore_changes.",
            )
