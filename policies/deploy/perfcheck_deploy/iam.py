"""IAM policy documents: they parse, use real actions, and do not grant `*` where the action can
be scoped to resource ARNs.

The linter is parliament (duo-labs), whose privilege data lists every action per service and the
resource types each action supports. An action parliament's data does not know is looked up in
botocore's service models before it is reported, so a newer API operation is not flagged. IAM
itself rejects malformed documents (MalformedPolicyDocument); it accepts unknown actions and `*`
resources, which then grant nothing or everything, so those findings say so.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import types
from collections.abc import Iterator, Mapping
from typing import Any

from foundation import iampolicy
from foundation.aws_limits import (
    IAM_MANAGED_POLICY_MAX_CHARS,
    IAM_ROLE_INLINE_POLICIES_MAX_CHARS,
    IAM_TRUST_POLICY_MAX_CHARS,
    iam_policy_size,
)
from foundation.records import ResourceRecord
from perfcheck_deploy.awsmodels import known_operation
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"
IDENTITY_POLICIES = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
RESOURCE_POLICIES = {
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
}

DOCUMENT_ID = describe(
    "iam-policy-document",
    "every policy document is JSON with a valid Version, Effect, Action and Resource and known "
    "condition operators",
)
ACTIONS_ID = describe("iam-policy-actions", "every action in a policy document is a real action")
RESOURCE_STAR_ID = describe(
    "iam-policy-resource-star",
    "identity policies do not allow Resource '*' for actions that support resource ARNs",
)
TRUST_ID = describe(
    "iam-trust-policy",
    "a role's trust policy names a Principal, allows only named sts actions (no '*', no "
    "NotAction) and has no Resource",
)
SIZE_ID = describe(
    "iam-policy-size",
    "a role's trust policy, the inline policies of one role together and each managed policy "
    "fit IAM's size quotas (white space not counted)",
)

# parliament issues IAM itself would reject with MalformedPolicyDocument.
MALFORMED_ISSUES = ("MALFORMED_JSON", "MALFORMED", "INVALID_VERSION", "UNKNOWN_OPERATOR")
UNKNOWN_ACTION_ISSUES = ("UNKNOWN_ACTION", "UNKNOWN_PREFIX")
# IAM service prefixes whose botocore service name differs.
BOTOCORE_SERVICE_FOR_PREFIX = {
    "elasticloadbalancing": "elbv2",
    "states": "stepfunctions",
    "es": "opensearch",
    "monitoring": "cloudwatch",
}


def _document_text(value: Any) -> str | None:
    """The policy as JSON text; a structured document (a dict input) is serialised."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return json.dumps(value)
    return None


def analyze_policy_string(text: str) -> Any:
    """parliament's linter, imported on first use (loading its privilege data takes a while)."""
    return _parliament_linter()(text)


@functools.cache
def _parliament_linter() -> Any:
    """parliament's `analyze_policy_string`, imported without pkg_resources when possible.

    parliament imports pkg_resources only to call `resource_filename(__name__, file)` twice while
    it is imported (its privilege data and config, files in its own directory); importing the
    real pkg_resources scans every installed distribution (about 0.2 s of a preview). A stand-in
    answers those two calls during the import and is removed at once, so no other importer sees
    it; with pkg_resources already imported, or any surprise, the real one is used.
    """
    if "pkg_resources" in sys.modules or "parliament" in sys.modules:
        from parliament import analyze_policy_string as linter

        return linter
    stand_in = types.ModuleType("pkg_resources")

    def resource_filename(package: str, resource: str) -> str:
        return os.path.join(os.path.dirname(sys.modules[package].__file__ or ""), resource)

    stand_in.resource_filename = resource_filename  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = stand_in
    try:
        from parliament import analyze_policy_string as linter
    except Exception:  # any failure (the import system forgets the failed module): retry
        sys.modules.pop("pkg_resources", None)
        from parliament import analyze_policy_string as linter
    finally:
        if sys.modules.get("pkg_resources") is stand_in:
            del sys.modules["pkg_resources"]
    return linter


def _known_to_botocore(action: str) -> bool:
    prefix, _, name = action.partition(":")
    if not name or "*" in name or "?" in name:
        return False
    service = BOTOCORE_SERVICE_FOR_PREFIX.get(prefix, prefix)
    return known_operation(service, name)


def _analyse(record: ResourceRecord, path: str, value: Any, *, identity: bool) -> Iterator[Finding]:
    if value is None or is_unknown(value):
        return
    text = _document_text(value)
    if text is None:
        yield finding(
            DOCUMENT_ID,
            record,
            path,
            "MalformedPolicyDocument: the policy must be a JSON document.",
            "Pass json.dumps(document) (inside .apply when it holds Outputs).",
        )
        return
    for issue in _document_issues(text):
        if issue.issue in MALFORMED_ISSUES:
            yield finding(
                DOCUMENT_ID,
                record,
                path,
                f"MalformedPolicyDocument: {issue.issue.lower().replace('_', ' ')}: "
                f"{_detail(issue.detail) or 'the document is not a valid IAM policy'}.",
                "Write the document with Version '2012-10-17' and statements of Effect "
                "Allow/Deny, Action and Resource; build it with json.dumps.",
            )
        elif issue.issue in UNKNOWN_ACTION_ISSUES:
            action = issue.location.get("string") if isinstance(issue.location, dict) else None
            if isinstance(action, str) and _known_to_botocore(action):
                continue
            yield finding(
                ACTIONS_ID,
                record,
                path,
                f"IAM accepts the document, but {_detail(issue.detail)}: the statement grants "
                "nothing for it (Access Analyzer reports an undefined action).",
                "Use the service prefix and action name from the IAM Service Authorization "
                "Reference (e.g. secretsmanager:GetSecretValue).",
            )
        elif issue.issue == "RESOURCE_STAR" and identity:
            actions = ", ".join(issue.detail) if isinstance(issue.detail, list) else issue.detail
            yield finding(
                RESOURCE_STAR_ID,
                record,
                path,
                f"IAM accepts Resource '*', but these actions support resource-level ARNs and so "
                f"are granted on every resource in the account: {actions}.",
                "Scope Resource to the ARNs the service needs (e.g. the log group, secret or "
                "bucket created in this stack).",
            )


@functools.lru_cache(maxsize=512)
def _document_issues(text: str) -> tuple[Any, ...]:
    """parliament's findings on a policy document: a pure function of its text, so linted once
    per distinct document (roles of one stack often share them). Read, never changed."""
    return tuple(analyze_policy_string(text).findings)


def _detail(detail: Any) -> str:
    if isinstance(detail, list):
        return ", ".join(str(item) for item in detail)
    return str(detail or "").strip().rstrip(".")


@checks(*IDENTITY_POLICIES)
def check_identity_policy(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    prop = IDENTITY_POLICIES[record.type]
    yield from _analyse(record, prop, index.inputs(record).get(prop), identity=True)


@checks(*RESOURCE_POLICIES)
def check_resource_policy(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    prop = RESOURCE_POLICIES[record.type]
    yield from _analyse(record, prop, index.inputs(record).get(prop), identity=False)


def _known_size(value: Any) -> int:
    """IAM's measure of a document, 0 while it is not known (preview): IAM measures it at `up`,
    so a known part already over a quota is reported and an unknown part is not guessed."""
    text = None if value is None or is_unknown(value) else _document_text(value)
    return 0 if text is None else iam_policy_size(text)


def _inline_policies(record: ResourceRecord, index: StackIndex) -> list[Any]:
    """Every inline policy document of a role: its `inlinePolicies` and each RolePolicy on it."""
    inline = index.inputs(record).get("inlinePolicies")
    found = (
        [e.get("policy") for e in inline if isinstance(e, Mapping)]
        if isinstance(inline, list)
        else []
    )
    attached = index.memo("role policies by role", lambda: _role_policies(index))
    found.extend(attached.get(record.urn, ()))
    return found


def _role_policies(index: StackIndex) -> dict[str, list[Any]]:
    """Role URN -> the documents of the RolePolicy resources on it, in stack order (each
    RolePolicy's role resolved once per stack, not once per role)."""
    by_role: dict[str, list[Any]] = {}
    for policy in index.of_type(ROLE_POLICY):
        inputs = index.inputs(policy)
        for role in index.references(policy, "role", inputs.get("role"), [ROLE]) or []:
            by_role.setdefault(role.urn, []).append(inputs.get("policy"))
    return by_role


def _over_quota(
    record: ResourceRecord, path: str, what: str, size: int, quota: int
) -> Iterator[Finding]:
    if size > quota:
        yield finding(
            SIZE_ID,
            record,
            path,
            f"LimitExceeded: {what} is {size} characters without white space; IAM allows "
            f"{quota} (IAM User Guide, 'IAM and AWS STS quotas').",
            "Merge statements, use wildcards IAM documents for the service, or split the grant "
            "into a managed policy.",
        )


@checks(ROLE)
def check_role(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    inline = inputs.get("inlinePolicies")
    if isinstance(inline, list):
        for position, entry in enumerate(inline):
            if isinstance(entry, Mapping):
                yield from _analyse(
                    record,
                    f"inlinePolicies[{position}].policy",
                    entry.get("policy"),
                    identity=True,
                )
    trust = inputs.get("assumeRolePolicy")
    yield from _trust_policy(record, trust)
    yield from _over_quota(
        record,
        "assumeRolePolicy",
        "the trust policy",
        _known_size(trust),
        IAM_TRUST_POLICY_MAX_CHARS,
    )
    yield from _over_quota(
        record,
        "inlinePolicies",
        "the role's inline policies together (inlinePolicies and every RolePolicy on it)",
        sum(_known_size(document) for document in _inline_policies(record, index)),
        IAM_ROLE_INLINE_POLICIES_MAX_CHARS,
    )


@checks(MANAGED_POLICY)
def check_managed_policy_size(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    document = index.inputs(record).get("policy")
    yield from _over_quota(
        record, "policy", "the managed policy", _known_size(document), IAM_MANAGED_POLICY_MAX_CHARS
    )


def _trust_policy(record: ResourceRecord, value: Any) -> Iterator[Finding]:
    path = "assumeRolePolicy"
    if value is None or is_unknown(value):
        return
    try:
        document = iampolicy.parse_policy(value)
    except iampolicy.PolicyNotJson as error:
        yield finding(
            DOCUMENT_ID,
            record,
            path,
            f"MalformedPolicyDocument: the trust policy is {error}.",
            "Build the trust policy with json.dumps.",
        )
        return
    except iampolicy.PolicyDocumentError:
        document = None
    if not isinstance(document, iampolicy.PolicyDocument) or not document.statements:
        yield finding(
            TRUST_ID,
            record,
            path,
            "MalformedPolicyDocument: the trust policy has no Statement.",
            "Add a statement allowing sts:AssumeRole to the service principal.",
        )
        return
    if document.version not in iampolicy.VERSIONS:
        yield finding(
            DOCUMENT_ID,
            record,
            f"{path}.Version",
            "MalformedPolicyDocument: the policy Version must be 2012-10-17 (or 2008-10-17).",
            "Set Version to '2012-10-17'.",
        )
    for statement in document.statements:
        yield from _trust_statement(record, f"{path}.Statement[{statement.position}]", statement)


def _trust_statement(
    record: ResourceRecord, where: str, statement: iampolicy.Statement
) -> Iterator[Finding]:
    if not statement.is_object:
        yield finding(
            TRUST_ID,
            record,
            where,
            "MalformedPolicyDocument: a statement must be an object.",
            "Write each statement as an object with Effect, Principal and Action.",
        )
        return
    if statement.resources is not None or statement.not_resources is not None:
        yield finding(
            TRUST_ID,
            record,
            f"{where}.Resource",
            "MalformedPolicyDocument: Has prohibited field Resource (a trust policy applies "
            "to the role itself).",
            "Remove Resource from the trust policy statement.",
        )
    if statement.principal is None and statement.not_principal is None:
        yield finding(
            TRUST_ID,
            record,
            f"{where}.Principal",
            "MalformedPolicyDocument: AssumeRolepolicy contained an invalid principal: a "
            "trust policy statement needs a Principal.",
            "Add Principal, e.g. {'Service': 'ecs-tasks.amazonaws.com'}.",
        )
    if statement.effect not in ("Allow", "Deny"):
        yield finding(
            DOCUMENT_ID,
            record,
            f"{where}.Effect",
            "MalformedPolicyDocument: Effect must be Allow or Deny.",
            "Set Effect to 'Allow'.",
        )
    if statement.not_actions is not None:
        yield finding(
            TRUST_ID,
            record,
            f"{where}.NotAction",
            "NotAction in a trust policy allows the principal every STS action it does not name "
            "on the role (sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity, ...).",
            "Name the actions with Action, e.g. sts:AssumeRole.",
        )
    for action in statement.actions or ():
        if "*" in action or "?" in action:
            yield finding(
                TRUST_ID,
                record,
                f"{where}.Action",
                f"'{action}' allows the principal every matching STS action on the role "
                "(sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity, ...), not only the one "
                "the service uses.",
                "Name the action, e.g. sts:AssumeRole (plus sts:TagSession if the service needs "
                "it).",
            )
        elif not iampolicy.action_matches("sts:*", action):
            yield finding(
                TRUST_ID,
                record,
                f"{where}.Action",
                f"MalformedPolicyDocument: trust policies may only allow sts actions, "
                f"not '{action}'.",
                "Use sts:AssumeRole (plus sts:TagSession if the service needs it).",
            )
        else:
            yield from _analyse_trust_action(record, f"{where}.Action", action)


@functools.lru_cache(maxsize=256)
def _trust_action_issues(action: str) -> tuple[tuple[str, Any], ...]:
    """parliament's (issue, detail) pairs for a one-statement probe allowing `action`: a pure
    function of the action text, so asked once per distinct action (a stack has a handful,
    every role repeats them)."""
    probe = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        }
    )
    return tuple((issue.issue, issue.detail) for issue in analyze_policy_string(probe).findings)


def _analyse_trust_action(record: ResourceRecord, path: str, action: str) -> Iterator[Finding]:
    for kind, detail in _trust_action_issues(action):
        if kind in UNKNOWN_ACTION_ISSUES and not _known_to_botocore(action):
            yield finding(
                ACTIONS_ID,
                record,
                path,
                f"IAM accepts the document, but {_detail(detail)}: nobody can assume the "
                "role through it.",
                "Use sts:AssumeRole, sts:AssumeRoleWithWebIdentity or sts:TagSession.",
            )
