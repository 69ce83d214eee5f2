"""Who can reach the data stores: managed master secrets, TLS-only proxies, no open cache users.

The same exposure by another name: an RDS instance with a plain `password` (in the program and
the state) instead of an RDS-managed, rotated master secret; an RDS Proxy that accepts plaintext
(`requireTls: false`) in front of a database that forces TLS; an ElastiCache RBAC user group whose
user needs no password (the built-in `default` user is open); a MemoryDB cluster on the
`open-access` ACL or without TLS.
"""

from __future__ import annotations

import re

from perfcheck_policykit import (
    ResourceContext,
    ResourceRule,
    StackContext,
    StackRule,
    schema,
    values,
)
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.checks import require_true
from pulumi_policy import PolicyResource, Severity

from foundation import iampolicy


def _is_replica_or_member(ctx: ResourceContext) -> bool | None:
    """A read replica or an Aurora cluster member has no master password of its own (None when
    unknown, noted)."""
    engine = ctx.get("engine")
    source = ctx.get("replicateSourceDb")
    if source is values.UNKNOWN:
        ctx.accept_unknown("replicateSourceDb")  # a computed source id: a replica
        return True
    if source is not None:
        return True
    if engine is values.UNKNOWN:
        ctx.unknown("engine")
        return None
    return ctx.type == T.RDS_INSTANCE and str(engine).strip().lower().startswith("aurora")


def _check_managed_password(ctx: ResourceContext) -> None:
    exempt = _is_replica_or_member(ctx)
    if exempt is None or exempt:
        return
    for prop in ("password", "passwordWo", "masterPassword", "masterPasswordWo"):
        value = ctx.get(prop)
        if value is values.UNKNOWN:
            ctx.accept_unknown(prop)  # a computed password (e.g. random.RandomPassword) is set
            value = "set"
        if value is not None:
            ctx.violation(
                prop,
                "set (a master password the program and the state hold; value not shown)",
                "manageMasterUserPassword: true (RDS keeps the password in Secrets Manager "
                "and rotates it)",
            )
            return
    managed = ctx.get("manageMasterUserPassword")
    if managed is values.UNKNOWN:
        ctx.unknown("manageMasterUserPassword")
    elif values.as_bool(managed) is not True and ctx.get("snapshotIdentifier") is None:
        ctx.violation(
            "manageMasterUserPassword",
            "not set" if managed is None else values.show(managed),
            "true",
        )


RDS_MANAGED_MASTER_PASSWORD = ResourceRule(
    name="rds-managed-master-password",
    description=(
        "RDS instances and clusters must let RDS manage the master password in Secrets Manager "
        "(manageMasterUserPassword), never take a plain password / passwordWo / masterPassword "
        "from the program (read replicas and Aurora cluster members have none)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Remove password and set manage_master_user_password=True (with "
        "master_user_secret_kms_key_id for a CMK); apps read the secret RDS creates."
    ),
    resource_types=[T.RDS_INSTANCE, T.RDS_CLUSTER],
    check=_check_managed_password,
    unknowns=(
        "A computed password counts as set (a violation); manageMasterUserPassword or engine "
        "unknown: note."
    ),
    tags=["secrets", "rds"],
)


def _check_proxy_tls(ctx: ResourceContext) -> None:
    require_true(ctx, "requireTls", missing="not set (false: plaintext accepted)")


RDS_PROXY_REQUIRE_TLS = ResourceRule(
    name="rds-proxy-require-tls",
    description=(
        "An RDS Proxy must require TLS from clients (requireTls): a proxy accepting plaintext "
        "undoes rds.force_ssl on the database behind it."
    ),
    severity=Severity.HIGH,
    remediation_steps="Set require_tls=True on aws.rds.Proxy; clients use sslmode=require.",
    resource_types=[T.RDS_PROXY],
    check=_check_proxy_tls,
    unknowns="requireTls unknown: note.",
    tags=["encryption-in-transit", "rds"],
)

_OPEN_MODES = {"no-password-required", "no-password"}


def _open_user(user: PolicyResource, ctx: StackContext) -> bool | None:
    """Whether an ElastiCache/MemoryDB user needs no password and is switched on."""
    access = ctx.get(user, "accessString")
    no_password = ctx.get(user, "noPasswordRequired")
    mode = ctx.get(user, "authenticationMode", "type")
    if values.UNKNOWN in (access, no_password, mode):
        return None
    rules = access.lower().split() if isinstance(access, str) else []
    open_auth = (
        values.as_bool(no_password) is True
        or values.lower(mode) in _OPEN_MODES
        or "nopass" in rules  # the ACL rule: any password (or none) is accepted
    )
    return open_auth and rules[:1] == ["on"]


def _check_cache_users(ctx: StackContext) -> None:
    for user in ctx.index.of_type(T.ELASTICACHE_USER):
        if _open_user(user, ctx):  # in a group of this stack or not: a group may get it later
            ctx.violation(
                user,
                "accessString / authenticationMode",
                "on, with no password required ('nopass' or no-password-required)",
                "a password or IAM authentication, or access 'off'",
            )
    for group in ctx.index.of_type(T.ELASTICACHE_USER_GROUP):
        ids = ctx.items(group, "userIds")
        if ids is values.UNKNOWN:
            ctx.unknown(group, "userIds")
            continue
        for user_id in ids:
            users = ctx.index.references(
                group, "userIds", user_id, [T.ELASTICACHE_USER], ("userId", "id")
            )
            if users is None:
                ctx.unknown(group, "userIds")
                continue
            if not users and user_id == "default":
                ctx.violation(
                    group,
                    "userIds",
                    "the built-in 'default' user (no password, access 'on ~* +@all')",
                    "a 'default' user of this stack with a password and access 'off' (or "
                    "no open user)",
                )
            for user in users:
                verdict = _open_user(user, ctx)
                if verdict is None:
                    ctx.unknown(user, "accessString / authenticationMode")
                elif verdict:
                    ctx.violation(
                        group,
                        "userIds",
                        f"user '{user.name}', which needs no password and is on",
                        "only users that authenticate (passwords or IAM), or an open user "
                        "switched off",
                    )


ELASTICACHE_RBAC_NO_OPEN_USER = StackRule(
    name="elasticache-rbac-no-open-user",
    normalises="authentication mode any case; access string 'on' prefix",
    description=(
        "An ElastiCache RBAC user group must not contain a user that connects without a "
        "password (the built-in 'default' user, or any user with no-password-required whose "
        "access string is on; 'nopass' in the access string counts): with it, userGroupIds "
        "authenticates nobody. Such a user is a finding on its own too."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Create an aws.elasticache.User with user_name 'default', access_string 'off ~* -@all' "
        "and a password from Secrets Manager, and put it in the group instead of 'default'."
    ),
    resource_types=[T.ELASTICACHE_USER_GROUP, T.ELASTICACHE_USER],
    check=_check_cache_users,
    unknowns=(
        "Users are followed by userId, else by property dependencies of userIds; an "
        "unresolvable user or unknown access string / authentication mode is a note."
    ),
    tags=["encryption-in-transit", "elasticache"],
)


def _check_memorydb(ctx: ResourceContext) -> None:
    acl = ctx.get("aclName")
    if acl is values.UNKNOWN:
        ctx.accept_unknown("aclName")  # a computed name: an Acl resource of the stack
    elif isinstance(acl, str) and acl.strip().lower() == "open-access":
        ctx.violation(
            "aclName", "'open-access' (no authentication)", "an ACL of users with passwords"
        )
    tls = ctx.get("tlsEnabled")
    if tls is values.UNKNOWN:
        ctx.unknown("tlsEnabled")
    elif values.as_bool(tls) is False:
        ctx.violation("tlsEnabled", "false", "true or not set (the default)")


MEMORYDB_CLUSTER_SECURE = ResourceRule(
    name="memorydb-cluster-secure",
    description=(
        "MemoryDB clusters must keep TLS on (tlsEnabled, default true) and must not use the "
        "'open-access' ACL (MemoryDB always encrypts at rest)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Leave tls_enabled unset (true) and set acl_name to an aws.memorydb.Acl whose users "
        "authenticate with passwords or IAM."
    ),
    resource_types=[T.MEMORYDB_CLUSTER],
    check=_check_memorydb,
    unknowns="tlsEnabled unknown: note. A computed aclName counts as a stack ACL.",
    tags=["encryption-in-transit", "memorydb"],
)


IDENTITY_POLICY_DOCUMENTS = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
"""Type -> the input holding an identity policy (a role's inline policies: `inlinePolicies`)."""


ESCALATION_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
)
"""Actions that let a principal grant itself any permission: allowed on every resource ('*'),
they are administrator by another name (iam:*, iam:Put*, iam:Attach*...)."""
ADMINISTRATOR_MANAGED_POLICIES = frozenset(
    {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"}
)
"""AWS-managed policies that grant every action, every action but IAM, or every IAM action."""
POLICY_ATTACHMENTS = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
}
_AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?([^/]+)$")


def _administrator_statements(document: iampolicy.PolicyDocument) -> list[str]:
    """Allow statements that grant every action (`*`, `*:*`), every action but a list
    (NotAction), or an IAM action that grants any permission on every resource."""
    return [
        statement.label
        for statement in document.statements or ()
        if str(statement.effect or "").casefold() == "allow"
        and (
            statement.not_actions is not None
            or any(a.strip() in ("*", "*:*") for a in statement.actions or ())
            or (
                _every_resource(statement)
                and any(statement.covers_action(a) for a in ESCALATION_ACTIONS)
            )
        )
    ]


def _judge_managed_policy(ctx: ResourceContext, prop: str, arn: object) -> None:
    if arn is values.UNKNOWN:
        return  # a computed ARN is a policy of the stack, judged as aws:iam/policy
    found = _AWS_MANAGED.match(str(arn or "").strip())
    if found and found.group(1) in ADMINISTRATOR_MANAGED_POLICIES:
        ctx.violation(
            prop,
            f"the AWS-managed policy '{found.group(1)}' (every action, every action but IAM, or "
            "every IAM action)",
            "a policy of the actions the workload calls, by name",
        )


_SCOPE_FREE_KEYS = frozenset({"aws:securetransport"})
"""Condition keys that narrow no grant's scope (every SDK call uses TLS)."""


def _whole_service(action: str) -> bool:
    """`s3:*`, `s3:*?`, `s*:*`: every action of one service (or more)."""
    service, _, name = action.strip().partition(":")
    return bool(service) and bool(name) and name.strip("*?") == ""


def _every_resource(statement: iampolicy.Statement) -> bool:
    """NotResource (all but a list), `*`, or an ARN whose region, account and resource parts
    are all wildcards or empty (`arn:aws:s3:::*`)."""
    if statement.not_resources is not None:
        return True
    for resource in statement.resources or ():
        parts = resource.strip().split(":", 5)
        if resource.strip().strip("*") == "" or (
            len(parts) == 6
            and parts[0] == "arn"
            and all(part.strip("*") == "" for part in parts[3:5])
            and parts[5].strip("*?/") == ""
        ):
            return True
    return False


def _service_wide_statements(document: iampolicy.PolicyDocument) -> list[tuple[str, str]]:
    """Allow statements granting every action of a service on every resource with no condition
    that narrows it (a condition matching every request counts as none): the service's
    administrator."""
    return [
        (statement.label, ", ".join(a for a in statement.actions or () if _whole_service(a)))
        for statement in document.statements or ()
        if str(statement.effect or "").casefold() == "allow"
        and any(_whole_service(a) for a in statement.actions or ())
        and _every_resource(statement)
        and not statement.narrowing_condition_keys - _SCOPE_FREE_KEYS
    ]


def _judge_identity_document(ctx: ResourceContext, prop: str, text: object) -> None:
    try:
        document = iampolicy.parse_policy(text)
    except iampolicy.PolicyDocumentError:
        ctx.violation(prop, "not a JSON policy document", "a JSON IAM policy document")
        return
    if document is values.UNKNOWN:
        ctx.unknown(prop)
        return
    for label in _administrator_statements(document) if document is not None else ():
        ctx.violation(
            prop,
            f"statement '{label}' allowing every action (Action '*') or every action but a list "
            "(NotAction)",
            "the actions the workload calls, by name",
            "Allow + NotAction grants everything the list forgets, including new services.",
        )
    for label, actions in _service_wide_statements(document) if document is not None else ():
        ctx.violation(
            prop,
            f"statement '{label}' allowing {actions} on every resource with no condition that "
            "narrows it (a condition every request meets counts as none)",
            "the actions the workload calls, by name, on its own resources",
            "A service's every action on '*' administers that service account-wide.",
        )


def _check_identity_policy(ctx: ResourceContext) -> None:
    if ctx.type in POLICY_ATTACHMENTS:
        _judge_managed_policy(ctx, "policyArn", ctx.get("policyArn"))
        return
    if ctx.type == "aws:iam/role:Role":
        arns = ctx.items("managedPolicyArns")
        for index, arn in enumerate(() if arns is values.UNKNOWN else arns):
            _judge_managed_policy(ctx, f"managedPolicyArns[{index}]", arn)
        entries = ctx.items("inlinePolicies")
        if entries is values.UNKNOWN:
            return  # noted by the kit (an unknown read)
        for index, entry in enumerate(entries):
            _judge_identity_document(
                ctx, f"inlinePolicies[{index}].policy", values.get(entry, "policy")
            )
        return
    _judge_identity_document(ctx, "policy", ctx.get("policy"))


IDENTITY_POLICY_NOT_ADMINISTRATOR = ResourceRule(
    name="identity-policy-not-administrator",
    normalises="policy JSON keys and Effect any case; Action '*' or '*:*'",
    description=(
        "An identity policy (managed, role, user or group inline, a role's inlinePolicies) must "
        "not allow every action (Action '*'), every action but a list (Allow with NotAction), "
        "an IAM action that grants any permission (iam:Put*Policy, iam:Attach*Policy, "
        "iam:CreatePolicyVersion, ...) on every resource, or every action of a service ('s3:*') "
        "on every resource without a condition that narrows it (one that every request meets, "
        "e.g. both values of a Bool, counts as none); no role, user or group may have "
        "AdministratorAccess, PowerUserAccess or IAMFullAccess attached. Deny with NotAction (a "
        "fence) is fine."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "List the actions the workload calls (Action: ['sqs:SendMessage', ...]); keep NotAction "
        "for Deny statements only."
    ),
    resource_types=[*IDENTITY_POLICY_DOCUMENTS, *POLICY_ATTACHMENTS, "aws:iam/role:Role"],
    check=_check_identity_policy,
    unknowns="A policy document unknown: note.",
    tags=["iam", "least-privilege"],
)

OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
GITHUB_ISSUER = "token.actions.githubusercontent.com"
_GITHUB_REPOSITORY = re.compile(r"^repo:([^/:]+/[^/:]+):")
"""GitHub's subject `repo:<owner>/<repo>:<context>` (a customised subject template that does not
start with the repository is not read: a finding)."""
_OPERATORS = {"stringequals": False, "stringequalsignorecase": False, "stringlike": True}
"""The operators that narrow a subject, with whether their values are patterns (`*`, `?`); under
StringEquals a `*` is a literal character. `ForAnyValue:` reads a single-valued key as the bare
operator; `ForAllValues:`, `...IfExists` and negations hold for a token the value does not name
(ForAllValues is true when the key is absent, IAM User Guide, "Set operators"; from memory)."""


def _issuer(provider: str) -> str:
    """The issuer host of an OIDC provider ARN (`...:oidc-provider/<host>`), '' when unread."""
    return provider.partition(":oidc-provider/")[2].casefold()


def _pinned_repository(value: str, pattern: bool) -> str | None:
    """The one GitHub repository every subject `value` matches, or None: the text before the
    first wildcard (the whole value when it is no pattern) must name the owner and the
    repository in full."""
    cut = min((value.find(w) for w in "*?" if w in value), default=-1) if pattern else -1
    fixed = value[:cut] if cut >= 0 else value + ":"
    match = _GITHUB_REPOSITORY.match(fixed)
    return match.group(1).casefold() if match else None


def _narrowed(value: str, pattern: bool, issuer: str, repositories: frozenset[str]) -> bool:
    """Whether a subject condition value admits only tokens the config trusts: on GitHub, one
    repository (one the config names when it names any); on another issuer, whose subject
    grammar the rule does not know, a literal subject only."""
    if issuer == GITHUB_ISSUER:
        repository = _pinned_repository(value, pattern)
        return repository is not None and (not repositories or repository in repositories)
    return not (pattern and ("*" in value or "?" in value)) and bool(value.strip())


def _subject_narrowed(statement: iampolicy.Statement, issuer: str, trusted: frozenset[str]) -> bool:
    """Conditions are ANDed: one operator whose subject values all narrow is enough."""
    for operator, pairs in (statement.condition or {}).items():
        folded = str(operator).casefold().removeprefix("foranyvalue:")
        pattern = _OPERATORS.get(folded)
        if pattern is None or not isinstance(pairs, dict):
            continue
        for key, value in pairs.items():
            key = str(key).casefold()
            if key != f"{issuer}:sub" and not (not issuer and key.endswith(":sub")):
                continue
            subjects = [value] if isinstance(value, str) else list(value or ())
            if subjects and all(
                isinstance(v, str) and _narrowed(v, pattern, issuer, trusted) for v in subjects
            ):
                return True
    return False


def _unnarrowed_web_identity(
    document: iampolicy.PolicyDocument, repositories: frozenset[str]
) -> list[str]:
    """Allow statements trusting an OIDC provider without a subject condition that admits only
    the trusted repository: judged by what the pattern matches, not by its shape."""
    found = []
    for statement in document.statements or ():
        providers = [
            p
            for p in statement.principals("Federated")
            if not p.startswith("cognito-identity.") and ":saml-provider/" not in p
        ]
        if (
            not providers
            or str(statement.effect or "").casefold() != "allow"
            or not statement.covers_action("sts:AssumeRoleWithWebIdentity")
        ):
            continue
        if not all(_subject_narrowed(statement, _issuer(p), repositories) for p in providers):
            found.append(statement.label)
    return found


def _check_web_identity(ctx: ResourceContext) -> None:
    if ctx.type == OIDC_PROVIDER:
        url = ctx.get("url")
        if isinstance(url, str) and not url.startswith("https://"):
            ctx.violation("url", values.show(url), "an https:// issuer URL")
        audiences = ctx.items("clientIdLists")
        if audiences is not values.UNKNOWN and not audiences:
            ctx.violation("clientIdLists", "empty", "the audience tokens must carry")
        return
    document = ctx.get("assumeRolePolicy")
    if document is values.UNKNOWN:
        ctx.unknown("assumeRolePolicy")
        return
    try:
        parsed = iampolicy.parse_policy(document)
    except iampolicy.PolicyDocumentError:
        return  # resource-policy-not-public reports a document that is not JSON
    if not isinstance(parsed, iampolicy.PolicyDocument):
        return
    trusted = frozenset(r.casefold() for r in ctx.config.get("repositories") or ())
    for label in _unnarrowed_web_identity(parsed, trusted):
        ctx.violation(
            "assumeRolePolicy",
            f"statement '{label}' trusting an OIDC provider without a subject condition that "
            "admits one trusted repository only (no ':sub' condition, or a pattern such as "
            "'repo:*', 'repo:m*/x' or 'repo:<owner>/*' that matches other repositories)",
            "StringEquals (or StringLike) on '<provider>:sub' naming the repository in full, "
            "e.g. 'repo:<owner>/<repo>:ref:refs/heads/main'"
            + (f" (trusted: {', '.join(sorted(trusted))})" if trusted else ""),
        )


WEB_IDENTITY_TRUST_NARROWED = ResourceRule(
    name="web-identity-trust-narrowed",
    normalises="condition operators and keys any case; repositories any case",
    description=(
        "A role trusting an OIDC identity provider (GitHub Actions, another CI, an EKS cluster) "
        "must narrow the token's subject (':sub') to what the config trusts: on GitHub, every "
        "subject the condition matches names one repository (one of `repositories` when the "
        "config names any); on another issuer, a literal subject. Without it, anyone who can "
        "get a token from the provider assumes the role. The provider itself needs an https "
        "issuer and an audience."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Add Condition StringEquals {'token.actions.githubusercontent.com:sub': "
        "'repo:<owner>/<repo>:ref:refs/heads/main', '...:aud': 'sts.amazonaws.com'}."
    ),
    resource_types=["aws:iam/role:Role", OIDC_PROVIDER],
    check=_check_web_identity,
    unknowns="The trust policy unknown: note.",
    config_properties={
        "repositories": schema.string_list(
            "GitHub repositories ('<owner>/<repo>') a role may trust (empty: any one named in "
            "full).",
            (),
            pattern="^[^/:*?]+/[^/:*?]+$",
        )
    },
    tags=["iam", "exposure"],
)
