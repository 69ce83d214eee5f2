"""Properties behind wave 6's misses, each judged on members of our own (not the corpus's).

Each test names the property it guards; its bad members must get a mandatory finding in prod and
its good members no finding at all, through the real packs (tests/redteam/harness.py), all of a
test's members in one evaluation. A test fails when the property is taken out of its rule.
"""

from __future__ import annotations

import json
from typing import Any

from tests.policies.builders import container, record, replace
from tests.redteam.harness import Verdict, judge, judge_together
from tests.redteam.programs import (
    ACCOUNT,
    ECR,
    REGION,
    STACK,
    TAGS,
    Program,
    add,
    changed,
    secret,
    task,
)

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:perfcheck-prod-alarms"
TYPE_RULE = "resource-type-judged"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def case(name: str, bad: bool, type_token: str, inputs: dict[str, Any], **kw: Any) -> Program:
    return Program(name, "property", bad, lambda r: {name: add(type_token, name, inputs, **kw)})


def _wrong(verdict: Verdict, by: str | None = None) -> str | None:
    caught_by_content = any(
        v.enforcement_level == "mandatory"
        and v.policy != TYPE_RULE
        and v.policy == (by or v.policy)
        for v in verdict.findings
    )
    if verdict.program.bad and caught_by_content:
        return None
    if not verdict.program.bad and not verdict.findings:
        return None
    rules = sorted({f"{v.policy}[{v.enforcement_level}]" for v in verdict.findings})
    return f"{verdict.program.name} ({'bad' if verdict.program.bad else 'good'}): {rules}"


def check(programs: list[Program], alone: bool = False, by: str | None = None) -> None:
    """Every bad program caught by a rule that read it (not only the fail-closed type rule;
    with `by`, by that rule), every good one without any finding; `alone` judges each beside
    the compliant stack on its own (a program that changes one of the stack's resources)."""
    verdicts = [judge(p) for p in programs] if alone else judge_together(programs).values()
    wrong = [w for w in (_wrong(v, by) for v in verdicts) if w]
    assert not wrong, "judged wrong:\n" + "\n".join(wrong)


TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


def _target_group(name: str, bad: bool, matcher: str, **extra: Any) -> Program:
    inputs = {
        "port": 3000,
        "protocol": "HTTP",
        "targetType": "ip",
        "vpcId": "vpc-0a1b2c3d",
        "healthCheck": {"enabled": True, "path": "/health", "matcher": matcher},
        **extra,
    }
    return case(name, bad, TARGET_GROUP, inputs)


def test_a_health_check_that_accepts_an_error_status_is_off() -> None:
    """A target group's health check that takes a 4xx or 5xx as healthy passes a broken target:
    off, like a disabled one; a matcher it cannot read fails closed; gRPC codes are not HTTP."""
    check(
        [
            _target_group("p6-tg-2xx-4xx", True, "200-499"),
            _target_group("p6-tg-up-to-400", True, "200-400"),
            _target_group("p6-tg-list-404", True, "200,404"),
            _target_group("p6-tg-unreadable", True, "2xx"),
            _target_group("p6-tg-2xx-3xx", False, "200-399"),
            _target_group("p6-tg-list", False, "200,204,301"),
            _target_group("p6-tg-grpc", False, "0-99", protocolVersion="GRPC"),
        ]
    )


COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"


def _composite(name: str, bad: bool, **extra: Any) -> Program:
    inputs = {"alarmName": name, "alarmRule": 'ALARM("a") OR ALARM("b")', **extra}
    return case(name, bad, COMPOSITE, inputs)


def test_a_composite_alarm_is_judged_like_a_metric_alarm() -> None:
    """A composite alarm with its actions off, or with none, pages nobody: off."""
    check(
        [
            _composite("p6-composite-off", True, actionsEnabled=False, alarmActions=[TOPIC_ARN]),
            _composite("p6-composite-silent", True),
            _composite("p6-composite-pages", False, alarmActions=[TOPIC_ARN]),
        ]
    )


HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"


def _hsts(name: str, bad: bool, seconds: Any) -> Program:
    inputs = {
        "comment": "security headers",
        "securityHeadersConfig": {
            "strictTransportSecurity": {"accessControlMaxAgeSec": seconds, "override": True}
        },
    }
    return case(name, bad, HEADERS_POLICY, inputs)


def test_hsts_shorter_than_a_year_is_off() -> None:
    """HSTS max-age 0 tells browsers to forget HTTPS-only, and one of a day lapses between
    visits: under a year (the preload list's minimum) counts as off; a string is read too."""
    check(
        [
            _hsts("p6-hsts-zero", True, 0),
            _hsts("p6-hsts-day", True, "86400"),
            _hsts("p6-hsts-two-years", False, 63072000),
        ]
    )


LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EBS = [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeType": "gp3"}}]


def _template(name: str, bad: bool, **metadata: Any) -> Program:
    inputs: dict[str, Any] = {"imageId": "ami-0abc", "blockDeviceMappings": EBS}
    if metadata:
        inputs["metadataOptions"] = metadata
    return case(name, bad, LAUNCH_TEMPLATE, inputs)


def test_instance_metadata_without_tokens_is_off() -> None:
    """A launch template (or instance) that leaves IMDSv1 on, optional or unset, lets one SSRF
    read the role's keys; `required` (any case) is IMDSv2 only."""
    check(
        [
            _template("p6-lt-optional", True, httpTokens="optional"),
            _template("p6-lt-unset", True),
            _template("p6-lt-required", False, httpTokens="Required"),
        ]
    )


def _task_checking(name: str, bad: bool, command: list[str]) -> Program:
    check_block = {"command": command, "interval": 15, "timeout": 5, "retries": 3}
    definition = container("worker", f"{ECR}/perfcheck-worker:2.0.0", 8080, healthCheck=check_block)
    return Program(name, "property", bad, lambda r: {name: task(name, [definition])})


def test_a_health_check_command_that_cannot_fail_is_no_health_check() -> None:
    """`exit 0`, `true`, `<probe> || true` and `<probe>; exit 0` report healthy whatever the
    probe finds, in any task definition; a probe that fails the check passes."""
    probe = "wget -qO- http://localhost:8080/health"
    check(
        [
            _task_checking("p6-hc-exit0", True, ["CMD-SHELL", "exit 0"]),
            _task_checking("p6-hc-or-true", True, ["CMD-SHELL", f"{probe} || true"]),
            _task_checking("p6-hc-semicolon", True, ["CMD-SHELL", f"{probe}; exit 0"]),
            _task_checking("p6-hc-cmd-true", True, ["CMD", "/bin/true"]),
            _task_checking("p6-hc-or-bin-true", True, ["CMD-SHELL", f"{probe} || /bin/true"]),
            _task_checking("p6-hc-real", False, ["CMD-SHELL", f"{probe} || exit 1"]),
            _task_checking("p6-hc-cmd-probe", False, ["CMD", "/app/healthcheck", "--port=8080"]),
        ]
    )


CACHE_USER = "aws:elasticache/user:User"


def _cache_user(name: str, bad: bool, access: str) -> Program:
    inputs = {
        "userId": name,
        "userName": name,
        "engine": "valkey",
        "accessString": access,
        "authenticationMode": {"type": "password", "passwords": [secret("x" * 24)]},
    }
    return case(name, bad, CACHE_USER, inputs)


def test_nopass_in_an_access_string_opens_a_user_even_outside_a_group() -> None:
    """`nopass` in the ACL string accepts any password, whatever the authentication mode says;
    an open user switched on is a finding on its own (a group may take it in later)."""
    check(
        [
            _cache_user("p6-user-nopass", True, "on nopass ~* +@all"),
            _cache_user("p6-user-nopass-upper", True, "ON NOPASS ~app:* +@read"),
            _cache_user("p6-user-nopass-off", False, "off nopass ~* -@all"),
            _cache_user("p6-user-password", False, "on ~app:* -@all +@read"),
        ]
    )


BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"


def _acl(name: str, bad: bool, grantee: dict[str, Any]) -> Program:
    inputs = {
        "bucket": "perfcheck-prod-assets",
        "accessControlPolicy": {
            "owner": {"id": "a" * 64},
            "grants": [{"grantee": grantee, "permission": "READ"}],
        },
    }
    return Program(name, "property", bad, lambda r: {name: record(STACK, BUCKET_ACL, name, inputs)})


def test_an_acl_grant_to_a_public_group_is_a_public_acl() -> None:
    """A grant to AllUsers or AuthenticatedUsers (URI any case) is a canned public ACL written
    by hand; a grant to a canonical user is not."""
    groups = "http://acs.amazonaws.com/groups/global/"
    check(
        [
            _acl("p6-acl-all-users", True, {"type": "Group", "uri": groups + "AllUsers"}),
            _acl("p6-acl-authed", True, {"type": "Group", "uri": groups + "authenticatedusers"}),
            _acl("p6-acl-canonical", False, {"type": "CanonicalUser", "id": "b" * 64}),
        ]
    )


KMS_KEY = "aws:kms/key:Key"
ROOT = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def _key(name: str, bad: bool, condition: dict[str, Any] | None, kind: str = KMS_KEY) -> Program:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["kms:Decrypt"],
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    inputs: dict[str, Any] = {"policy": doc(ROOT, statement)}
    if kind == KMS_KEY:
        inputs["enableKeyRotation"] = True
    else:
        inputs["primaryKeyArn"] = KEY_ARN.replace("key/", "key/mrk-")
    return case(name, bad, kind, inputs)


def test_kms_caller_account_narrows_and_replica_keys_are_judged() -> None:
    """Principal * narrowed by kms:CallerAccount to this account (AWS managed keys' own policy
    shape) is not public; unnarrowed or match-all it is, on a replica key as on a key."""
    mine = {
        "StringEquals": {
            "kms:CallerAccount": ACCOUNT,
            "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com",
        }
    }
    check(
        [
            _key("p6-key-caller-account", False, mine),
            _key("p6-key-anyone", True, None),
            _key("p6-key-any-caller", True, {"StringLike": {"kms:CallerAccount": "*"}}),
            _key("p6-replica-anyone", True, None, "aws:kms/replicaKey:ReplicaKey"),
            _key("p6-replica-mine", False, mine, "aws:kms/replicaKey:ReplicaKey"),
        ]
    )


OAC = "aws:cloudfront/originAccessControl:OriginAccessControl"
FUNCTION = "aws:cloudfront/function:Function"


def _function(name: str, bad: bool, body: str) -> Program:
    code = (
        f"function handler(event) {{\n  var request = event.request;\n{body}\n  return request;\n}}"
    )
    return case(name, bad, FUNCTION, {"runtime": "cloudfront-js-2.0", "code": code})


def test_modes_and_code_that_reads_a_value_are_not_credentials() -> None:
    """An origin access control's signing modes (always, never, no-override, sigv4) are a
    vocabulary, not secrets; code declaring a variable from an expression reads a value; a
    quoted literal assigned to a credential name, or a header set to one in code, is a
    credential. An origin access control that never signs is off."""
    literal = "".join(chr(ord("A") + (i * 7) % 26 + (32 if i % 3 else 0)) for i in range(36))
    check(
        [
            case("p6-oac-sign", False, OAC, _oac("always")),
            case("p6-oac-no-override", False, OAC, _oac("no-override")),
            case("p6-oac-never", True, OAC, _oac("never")),
            _function("p6-fn-reads", False, "  var token = request.querystring.token.value;"),
            _function("p6-fn-const-literal", True, f'  const apiToken = "{literal}";'),
            _function(
                "p6-fn-header-literal",
                True,
                f"  request.headers['x-api-key'] = {{value: '{literal}'}};",
            ),
        ]
    )


def _oac(behaviour: str) -> dict[str, Any]:
    return {
        "name": f"oac-{behaviour}",
        "originAccessControlOriginType": "s3",
        "signingBehavior": behaviour,
        "signingProtocol": "sigv4",
    }


PROVIDER = "pulumi:providers:aws"


def _provider(name: str, bad: bool, **credentials: Any) -> Program:
    inputs = {
        "region": REGION,
        "defaultTags": json.dumps({"tags": TAGS}),
        "skipCredentialsValidation": "false",
        **credentials,
    }
    return Program(name, "property", bad, lambda r: {name: record(STACK, PROVIDER, name, inputs)})


def test_a_provider_with_static_keys_is_refused_whether_or_not_a_secret() -> None:
    """A provider's accessKey/secretKey/token are long-lived keys in the stack's config and
    state: a finding as a Pulumi secret (pulumi-aws wraps them itself) as in plain text; a
    provider that assumes a role passes."""
    key_id = "AKIA" + "Q2WE3RT4YU5IO6PA"
    check(
        [
            _provider("p6-provider-keys", True, accessKey=secret(key_id), secretKey=secret("s")),
            _provider("p6-provider-token", True, token=secret("session-token")),
            _provider(
                "p6-provider-role",
                False,
                assumeRoles=json.dumps([{"roleArn": f"arn:aws:iam::{ACCOUNT}:role/deploy"}]),
            ),
        ]
    )


ROLE = "aws:iam/role:Role"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def _web_role(name: str, bad: bool, condition: dict[str, Any]) -> Program:
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )
    return case(name, bad, ROLE, {"path": "/perfcheck/prod/", "assumeRolePolicy": trust})


def test_a_web_identity_trust_must_name_the_subject() -> None:
    """A role trusting an OIDC provider with no ':sub' condition, a wildcard owner, or a
    negated or IfExists one, lets any token holder in; a subject naming one repository passes.
    The provider itself needs an audience."""
    aud = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    sub = "token.actions.githubusercontent.com:sub"
    check(
        [
            _web_role("p6-oidc-no-sub", True, {"StringEquals": aud}),
            _web_role(
                "p6-oidc-any-repo", True, {"StringEquals": aud, "StringLike": {sub: "repo:*"}}
            ),
            _web_role("p6-oidc-any-owner", True, {"StringLike": {sub: "repo:*/perfcheck:*"}}),
            _web_role("p6-oidc-ifexists", True, {"StringLikeIfExists": {sub: "repo:org/app:*"}}),
            _web_role(
                "p6-oidc-one-repo",
                False,
                {"StringEquals": {**aud, sub: "repo:example-org/perfcheck:ref:refs/heads/main"}},
            ),
            _web_role(
                "p6-oidc-one-owner-any-ref",
                False,
                {"StringEquals": aud, "StringLike": {sub: "repo:example-org/perfcheck:*"}},
            ),
            case(
                "p6-oidc-no-audience", True, OIDC, {"url": "https://x.example", "clientIdLists": []}
            ),
            case(
                "p6-oidc-provider",
                False,
                OIDC,
                {
                    "url": "https://token.actions.githubusercontent.com",
                    "clientIdLists": ["sts.amazonaws.com"],
                },
            ),
        ]
    )


SCHEDULE = "aws:scheduler/schedule:Schedule"


def _schedule(name: str, bad: bool, public: Any) -> Program:
    inputs = {
        "scheduleExpression": "cron(0 3 * * ? *)",
        "flexibleTimeWindow": {"mode": "OFF"},
        "target": {
            "arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/perfcheck-prod",
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/perfcheck/prod/scheduler",
            "ecsParameters": {
                "taskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/job:3",
                "networkConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": public},
            },
        },
    }
    return case(name, bad, SCHEDULE, inputs)


def test_tasks_started_by_a_schedule_get_no_public_address() -> None:
    """An ECS task a schedule starts is placed like a service's: a public IP is exposure."""
    check(
        [
            _schedule("p6-schedule-public", True, True),
            _schedule("p6-schedule-public-string", True, "true"),
            _schedule("p6-schedule-private", False, False),
        ]
    )


IP_SET = "aws:wafv2/ipSet:IpSet"


def _ip_set(name: str, bad: bool, addresses: list[str], version: str = "IPV4") -> Program:
    inputs = {"scope": "CLOUDFRONT", "ipAddressVersion": version, "addresses": addresses}
    return case(name, bad, IP_SET, inputs)


def test_an_ip_set_of_every_address_matches_every_request() -> None:
    """Ranges that add up to a whole address family (split in halves or quarters, or /0) make
    a rule on the set match everything; an office range does not."""
    quarters = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]
    check(
        [
            _ip_set("p6-ipset-halves", True, ["0.0.0.0/1", "128.0.0.0/1"]),
            _ip_set("p6-ipset-quarters", True, quarters),
            _ip_set("p6-ipset-v6-all", True, ["::/0"], "IPV6"),
            _ip_set("p6-ipset-three-quarters", False, quarters[:3]),
            _ip_set("p6-ipset-office", False, ["203.0.113.0/24"]),
        ]
    )


VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"


def _vpc_origin(name: str, bad: bool, policy: str, protocols: list[str]) -> Program:
    inputs = {
        "vpcOriginEndpointConfig": {
            "name": name,
            "arn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/x/1",
            "httpPort": 80,
            "httpsPort": 443,
            "originProtocolPolicy": policy,
            "originSslProtocols": {"items": protocols, "quantity": len(protocols)},
        }
    }
    return case(name, bad, VPC_ORIGIN, inputs)


def test_a_vpc_origin_that_speaks_tls_speaks_tls12() -> None:
    """A VPC origin over HTTPS (or match-viewer) with TLSv1 or TLSv1.1 allowed is weak TLS;
    HTTP inside AWS's network is the stack's documented choice until a certificate is set."""
    check(
        [
            _vpc_origin("p6-vpco-tls10", True, "https-only", ["TLSv1", "TLSv1.2"]),
            _vpc_origin("p6-vpco-match-tls11", True, "match-viewer", ["TLSv1.1"]),
            _vpc_origin("p6-vpco-tls12", False, "https-only", ["TLSv1.2"]),
            _vpc_origin("p6-vpco-http", False, "http-only", ["TLSv1", "TLSv1.2"]),
        ]
    )


SM_TYPE = "aws:secretsmanager/secret:Secret"


def _secret(name: str, bad: bool, replica: dict[str, Any]) -> Program:
    inputs = {"kmsKeyId": KEY_ARN, "replicas": [{"region": "eu-central-1", **replica}]}
    return case(name, bad, SM_TYPE, inputs)


def test_a_secret_replica_is_encrypted_with_a_customer_key_too() -> None:
    """A replica without a key, or under the AWS-managed alias, is the secret under a key the
    team does not control, in another region."""
    dr_key = KEY_ARN.replace(REGION, "eu-central-1")
    check(
        [
            _secret("p6-replica-no-key", True, {}),
            _secret("p6-replica-aws-key", True, {"kmsKeyId": "alias/aws/secretsmanager"}),
            _secret("p6-replica-cmk", False, {"kmsKeyId": dr_key}),
        ]
    )


def test_an_alb_that_forwards_invalid_headers_or_only_monitors_desync_is_off() -> None:
    """An application load balancer must drop invalid header fields (unset is false) and not
    merely monitor desync; a network load balancer has neither setting."""
    programs = [
        Program(
            "p6-alb-headers-kept", "property", True, changed("alb", dropInvalidHeaderFields=False)
        ),
        Program(
            "p6-alb-desync-monitor",
            "property",
            True,
            changed("alb", desyncMitigationMode="Monitor"),
        ),
        Program(
            "p6-alb-strictest", "property", False, changed("alb", desyncMitigationMode="strictest")
        ),
    ]
    check(programs, alone=True)


def test_an_rds_instance_on_a_retired_ca_is_off() -> None:
    """rds-ca-2019 (any case) has expired: clients that verify fail, so they stop verifying."""
    check(
        [
            Program(
                "p6-rds-ca-2019", "property", True, changed("db", caCertIdentifier="RDS-CA-2019")
            ),
            Program(
                "p6-rds-ca-g1",
                "property",
                False,
                changed("db", caCertIdentifier="rds-ca-rsa2048-g1"),
            ),
        ],
        alone=True,
    )


def test_a_serving_service_runs_more_than_one_task_in_prod() -> None:
    """A service behind a load balancer with fewer tasks than prod's minimumServingTasks (2)
    is one task from an outage; unset desiredCount is ECS's default of 1."""
    check(
        [
            Program("p6-svc-one", "property", True, changed("service", desiredCount=1)),
            Program(
                "p6-svc-unset", "property", True, lambda r: _without(r, "service", "desiredCount")
            ),
            Program("p6-svc-words", "property", True, changed("service", desiredCount="two")),
            Program("p6-svc-three", "property", False, changed("service", desiredCount="3")),
        ],
        alone=True,
        by="ecs-service-serving-tasks",
    )


def _without(r: Any, role: str, prop: str) -> dict[str, Any]:
    return {role: replace(r[role], drop=[prop])}


def test_a_budget_whose_period_ended_alerts_no_one() -> None:
    """A budget past its timePeriodEnd tracks no spend: its notifications never fire."""
    check(
        [
            Program(
                "p6-budget-ended",
                "property",
                True,
                changed("budget", timePeriodEnd="2025-01-01_00:00"),
            ),
            Program(
                "p6-budget-open",
                "property",
                False,
                changed("budget", timePeriodEnd="2087-06-15_00:00"),
            ),
        ],
        alone=True,
    )
