"""Properties behind the known misses of waves 5 and 6, each judged on members of our own.

Each test names the property it guards; its bad members must get a mandatory finding in prod and
its good members no finding at all, through the real packs (tests/redteam/harness.py). A test
fails when the property is taken out of its rule.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.redteam.programs import Program, add
from tests.redteam.test_properties_wave6 import GITHUB, ROLE, case, check, doc

SUB = "token.actions.githubusercontent.com:sub"
AUD = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
ONE_REPO = "repo:example-org/perfcheck:ref:refs/heads/main"


def _trust(name: str, bad: bool, condition: dict[str, Any], config: Any = None) -> Program:
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )
    program = case(name, bad, ROLE, {"path": "/perfcheck/prod/", "assumeRolePolicy": trust})
    return dataclasses.replace(program, config=config)


def test_a_web_identity_subject_is_judged_by_the_repositories_it_matches() -> None:
    """Property: a GitHub subject condition admits one repository only when the text before its
    first wildcard names owner and repository in full (`*` is a wildcard under StringLike, a
    literal under StringEquals); a partial owner, any repository of an owner, a repository
    prefix, a `?` in the owner, ForAllValues (true without the key) and another issuer's key
    do not narrow. One narrowing operator is enough (conditions are ANDed)."""
    like, equals = "StringLike", "StringEquals"
    check(
        [
            _trust("kw-oidc-owner-prefix", True, {like: {SUB: "repo:m*/perfcheck:*"}}),
            _trust("kw-oidc-any-owner-one-name", True, {like: {SUB: "repo:*/perfcheck"}}),
            _trust("kw-oidc-owner-any-repo", True, {like: {SUB: "repo:example-org/*"}}),
            _trust("kw-oidc-repo-prefix", True, {like: {SUB: "repo:example-org/perf*"}}),
            _trust(
                "kw-oidc-any-value-owner-char",
                True,
                {f"ForAnyValue:{like}": {SUB: "repo:ex?mple-org/perfcheck:*"}},
            ),
            _trust(
                "kw-oidc-all-values",
                True,
                {f"ForAllValues:{equals}": {SUB: "repo:example-org/perfcheck:ref:main"}},
            ),
            _trust(
                "kw-oidc-one-of-two-wide",
                True,
                {like: {SUB: ["repo:example-org/perfcheck:*", "repo:example-org/*"]}},
            ),
            _trust(
                "kw-oidc-other-issuer-key",
                True,
                {equals: {"oidc.eks.eu-west-1.amazonaws.com/id/X:sub": ONE_REPO}},
            ),
            _trust(
                "kw-oidc-any-value-one-repo",
                False,
                {f"ForAnyValue:{like}": {SUB: "repo:example-org/perfcheck:environment:*"}},
            ),
            _trust(
                "kw-oidc-literal-star",
                False,
                {equals: {**AUD, SUB: "repo:example-org/perfcheck:ref:*"}},
            ),
            _trust(
                "kw-oidc-wide-and-narrow",
                False,
                {like: {SUB: "repo:example-org/*"}, equals: {SUB: "repo:example-org/app:ref:x"}},
            ),
        ]
    )


def _trust_only(repository: str) -> Any:
    def patch(config: dict[str, Any]) -> None:
        config["web-identity-trust-narrowed"] = {
            "enforcementLevel": "mandatory",
            "repositories": [repository],
        }

    return patch


def test_a_web_identity_subject_must_name_a_repository_the_config_trusts() -> None:
    """Property: when the config names the trusted repositories, a subject pinned to another
    repository (even of the same owner) is a finding, and one pinned to a trusted repository in
    another letter case passes."""
    pinned = {"StringEquals": {**AUD, SUB: "repo:example-org/tools:ref:refs/heads/main"}}
    trusted = {"StringLike": {SUB: "repo:Example-Org/Perfcheck:environment:*"}}
    config = _trust_only("example-org/perfcheck")
    check(
        [
            _trust("kw-oidc-untrusted-repo", True, pinned, config=config),
            _trust("kw-oidc-trusted-repo", False, trusted, config=config),
        ],
        alone=True,
    )


REST_API = "aws:apigateway/restApi:RestApi"
PRIVATE = {"types": "PRIVATE", "vpcEndpointIds": ["vpce-0123456789abcdef0"]}
PRIVATE_POLICY = doc(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
    }
)


def _rest_api(name: str, bad: bool, **inputs: Any) -> Program:
    return case(name, bad, REST_API, {"name": name, **inputs})


def test_a_rest_api_is_judged_on_its_tls_minimum_with_aws_default_read() -> None:
    """Property: a REST API's securityPolicy is of the TLS-minimum family: TLS_1_0 is a finding,
    and so is no policy on an EDGE (the default type) or REGIONAL endpoint, whose default is
    TLS_1_0; a PRIVATE endpoint's default (TLS_1_2) and the enhanced SecurityPolicy_* policies
    pass."""
    check(
        [
            _rest_api("kw-rest-default-edge", True),
            _rest_api(
                "kw-rest-regional-default", True, endpointConfiguration={"types": "REGIONAL"}
            ),
            _rest_api(
                "kw-rest-private-tls10",
                True,
                endpointConfiguration=PRIVATE,
                securityPolicy="tls_1_0",
            ),
        ],
        by="front-door-tls-minimum",
    )
    check(
        [
            _rest_api(
                "kw-rest-private", False, endpointConfiguration=PRIVATE, policy=PRIVATE_POLICY
            ),
            _rest_api(
                "kw-rest-private-tls13",
                False,
                endpointConfiguration={**PRIVATE, "types": ["PRIVATE"]},
                policy=PRIVATE_POLICY,
                securityPolicy="SecurityPolicy_TLS13_1_3_2025_09",
                endpointAccessMode="STRICT",
            ),
        ]
    )


def _nlb(name: str, bad: bool, listener_protocol: str, **balancer: Any) -> Program:
    """An internal NLB (its ARN an output) and one listener naming it by that ARN."""
    lb_arn = f"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/{name}/1a2b"
    listener: dict[str, Any] = {
        "loadBalancerArn": lb_arn,
        "port": 443 if listener_protocol == "TLS" else 5432,
        "protocol": listener_protocol,
        "defaultActions": [{"type": "forward", "targetGroupArn": "arn:aws:tg"}],
    }
    if listener_protocol == "TLS":
        listener |= {
            "certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
            "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        }
    inputs = {
        "loadBalancerType": "network",
        "internal": True,
        "subnets": ["subnet-0aa11bb22cc33dd44"],
        "enableDeletionProtection": True,
        **balancer,
    }
    return Program(
        name,
        "property",
        bad,
        lambda r: {
            name: add(LB, name, inputs, computed={"arn": lb_arn}),
            f"{name}-listener": add(LISTENER, f"{name}-listener", listener),
        },
    )


LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
LOGS = {"bucket": "perfcheck-prod-alb-logs", "enabled": True}


def test_a_load_balancer_with_a_tls_listener_writes_access_logs() -> None:
    """Property: an NLB's access logs are judged through its listeners: with a TLS listener,
    logs absent or off (a string "false" too) are a finding on the balancer; the same NLB with
    logs on passes, and so does one whose only listener is TCP (AWS logs no TCP request)."""
    rule = "nlb-tls-listener-access-logs"
    check(
        [
            _nlb("kw-nlb-tls-no-logs", True, "TLS"),
            _nlb("kw-nlb-tls-logs-off", True, "tls", accessLogs={**LOGS, "enabled": "false"}),
        ],
        by=rule,
    )
    check(
        [
            _nlb("kw-nlb-tls-logs", False, "TLS", accessLogs=LOGS),
            _nlb("kw-nlb-tcp-no-logs", False, "TCP"),
        ]
    )


WEB_ACL = "aws:wafv2/webAcl:WebAcl"


def _match(field: dict[str, Any], text: str = "x") -> dict[str, Any]:
    return {
        "byteMatchStatement": {
            "searchString": text,
            "positionalConstraint": "EXACTLY",
            "fieldToMatch": field,
            "textTransformations": [{"priority": 0, "type": "NONE"}],
        }
    }


def _visible(name: str) -> dict[str, Any]:
    return {"cloudwatchMetricsEnabled": True, "metricName": name, "sampledRequestsEnabled": True}


def _group(scope_down: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"}
    if scope_down is not None:
        statement["scopeDownStatement"] = scope_down
    return {
        "name": "common",
        "priority": 1,
        "overrideAction": {"none": {}},
        "statement": {"managedRuleGroupStatement": statement},
        "visibilityConfig": _visible("common"),
    }


def _rate(limit: int, key: str = "IP", **extra: Any) -> dict[str, Any]:
    return {
        "name": "rate",
        "priority": 0,
        "action": {"block": {}},
        "statement": {"rateBasedStatement": {"limit": limit, "aggregateKeyType": key, **extra}},
        "visibilityConfig": _visible("rate"),
    }


def _waf(name: str, bad: bool, *rules: dict[str, Any]) -> Program:
    inputs = {
        "scope": "CLOUDFRONT",
        "defaultAction": {"allow": {}},
        "rules": list(rules),
        "visibilityConfig": _visible(name),
    }
    return case(name, bad, WEB_ACL, inputs)


HEADER = {"singleHeader": {"name": "x-inspect"}}
PATH = {"uriPath": {}}


def test_a_waf_rule_counts_only_for_the_requests_it_cannot_be_dodged_on() -> None:
    """Property: a WAF rule stops requests by its effect: a scope-down the client opts into (a
    header, cookie or query argument it can leave out, alone, ANDed with a path, or ORed with
    another such part) inspects nothing an attacker sends, and a rate limit above any flood
    (per client per second over its window; on all requests, AWS's maximum) never fires. A
    scope-down by path, method or Host, and a rate limit a flood reaches, still stop."""
    check(
        [
            _waf("kw-waf-cookie-opt-in", True, _group(_match({"cookies": {}}))),
            _waf(
                "kw-waf-path-and-header",
                True,
                _group({"andStatement": {"statements": [_match(PATH, "/api"), _match(HEADER)]}}),
            ),
            _waf(
                "kw-waf-query-or-header",
                True,
                _group(
                    {
                        "orStatement": {
                            "statements": [
                                _match({"singleQueryArgument": {"name": "debug"}}),
                                _match(HEADER),
                            ]
                        }
                    }
                ),
            ),
            _waf("kw-waf-rate-forwarded", True, _rate(100_000_000, "FORWARDED_IP")),
            _waf("kw-waf-rate-minute", True, _rate(120_000, evaluationWindowSec=60)),
            _waf("kw-waf-rate-constant-max", True, _rate(2_000_000_000, "CONSTANT")),
            _waf("kw-waf-rate-scoped-opt-in", True, _rate(2000, scopeDownStatement=_match(HEADER))),
        ],
        by="waf-web-acl-effective",
    )
    check(
        [
            _waf("kw-waf-path-scope", False, _group(_match(PATH, "/api"))),
            _waf(
                "kw-waf-host-scope",
                False,
                _group(_match({"singleHeader": {"name": "HOST"}}, "api.example.com")),
            ),
            _waf(
                "kw-waf-host-or-method",
                False,
                _group(
                    {
                        "orStatement": {
                            "statements": [
                                _match({"singleHeader": {"name": "Host"}}, "api.example.com"),
                                _match({"method": {}}, "POST"),
                            ]
                        }
                    }
                ),
            ),
            _waf("kw-waf-rate-flood", False, _rate(30_000, evaluationWindowSec=60)),
            _waf("kw-waf-rate-constant", False, _rate(1_000_000, "CONSTANT")),
        ],
        by="waf-web-acl-effective",
    )


POLICY = "aws:iam/policy:Policy"


def _grant(name: str, bad: bool, **statement: Any) -> Program:
    document = doc({"Effect": "Allow", **statement})
    return case(name, bad, POLICY, {"path": "/perfcheck/prod/", "policy": document})


def test_every_action_of_a_service_on_every_resource_is_judged_by_its_conditions_effect() -> None:
    """Property: a statement granting a whole service (`svc:*`, or a wildcard over services)
    on every resource (`*`, NotResource, an ARN of wildcards) is a finding unless a condition
    narrows it; a condition every request meets (both values of a Bool, a match-all pattern,
    IfExists, aws:SecureTransport) counts as none. Named actions, the service's own resources
    and a narrowing condition pass."""
    check(
        [
            _grant("kw-iam-dynamodb-star", True, Action="dynamodb:*", Resource="*"),
            _grant("kw-iam-sqs-not-resource", True, Action=["sqs:*"], NotResource="arn:x"),
            _grant("kw-iam-s3-every-bucket", True, Action="s3:*?", Resource="arn:aws:s3:::*"),
            _grant(
                "kw-iam-mfa-both",
                True,
                Action="kms:*",
                Resource="*",
                Condition={"Bool": {"aws:MultiFactorAuthPresent": ["false", "TRUE"]}},
            ),
            _grant(
                "kw-iam-tag-any",
                True,
                Action="ec2:*",
                Resource="*",
                Condition={"StringLike": {"aws:ResourceTag/project": "*"}},
            ),
            _grant(
                "kw-iam-tls-only",
                True,
                Action="logs:*",
                Resource="*",
                Condition={"Bool": {"aws:SecureTransport": "true"}},
            ),
        ],
        by="identity-policy-not-administrator",
    )
    check(
        [
            _grant(
                "kw-iam-named-on-star",
                False,
                Action=["ecr:GetAuthorizationToken", "logs:CreateLogStream"],
                Resource="*",
            ),
            _grant(
                "kw-iam-s3-own-bucket",
                False,
                Action="s3:*",
                Resource=[
                    "arn:aws:s3:::perfcheck-prod-assets",
                    "arn:aws:s3:::perfcheck-prod-assets/*",
                ],
            ),
            _grant(
                "kw-iam-tag-narrowed",
                False,
                Action="ec2:*",
                Resource="*",
                Condition={"StringEquals": {"aws:ResourceTag/project": "perfcheck"}},
            ),
        ]
    )


ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:perfcheck-prod-alarms"


def _alarm(name: str, bad: bool, namespace: str, metric: str, **inputs: Any) -> Program:
    body = {
        "namespace": namespace,
        "metricName": metric,
        "statistic": "Sum",
        "period": 60,
        "evaluationPeriods": 3,
        "threshold": 10,
        "comparisonOperator": "GreaterThanThreshold",
        "treatMissingData": "notBreaching",
        "alarmActions": [TOPIC],
        **inputs,
    }
    return case(name, bad, ALARM, body)


def test_an_alarm_whose_threshold_its_metric_never_reaches_is_off() -> None:
    """Property: an alarm is judged by whether its metric can cross the threshold: a percentage
    above 100 (or at it, strictly), below 0, or a request or connection count above what the
    front door admits in the period never fires; thresholds inside the range, and metrics with
    no known range (a latency, a custom metric), pass."""
    elb, cdn = "AWS/ApplicationELB", "AWS/CloudFront"
    check(
        [
            _alarm("kw-alarm-cdn-requests", True, cdn, "Requests", period=300, threshold=1e11),
            _alarm("kw-alarm-conn-count", True, elb, "NewConnectionCount", threshold="2e9"),
            _alarm(
                "kw-alarm-cpu-over-100",
                True,
                "AWS/ECS",
                "CPUUtilization",
                statistic="Average",
                threshold=100,
            ),
            _alarm(
                "kw-alarm-error-rate-below-0",
                True,
                cdn,
                "5xxErrorRate",
                comparisonOperator="LessThanOrEqualToThreshold",
                threshold=-1,
            ),
        ],
        by="control-not-switched-off",
    )
    check(
        [
            _alarm("kw-alarm-5xx", False, elb, "HTTPCode_Target_5XX_Count", threshold=50),
            _alarm(
                "kw-alarm-cpu-at-100",
                False,
                "AWS/ECS",
                "CPUUtilization",
                statistic="Average",
                comparisonOperator="GreaterThanOrEqualToThreshold",
                threshold=100,
            ),
            _alarm(
                "kw-alarm-latency",
                False,
                elb,
                "TargetResponseTime",
                statistic="Average",
                threshold=5,
            ),
        ]
    )


LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_logs_and_recovery_points_are_kept_at_least_the_configured_days() -> None:
    """Property: retention has a floor as well as a ceiling: a log group kept fewer days than
    prod's minimumDays (14), a number as a string too, and a Backup vault lock whose minimum
    retention is unset (recovery points deletable at once) or under the backup minimum (7),
    are findings; retention at or above the floors passes."""
    log = {"kmsKeyId": KEY}
    check(
        [
            case("kw-log-three-days", True, LOG_GROUP, {**log, "retentionInDays": 3}),
            case("kw-log-string-seven", True, LOG_GROUP, {**log, "retentionInDays": "7"}),
            case("kw-lock-no-minimum", True, VAULT_LOCK, {"backupVaultName": "v1"}),
            case(
                "kw-lock-one-day",
                True,
                VAULT_LOCK,
                {"backupVaultName": "v2", "minRetentionDays": 1},
            ),
        ]
    )
    check(
        [
            case("kw-log-fourteen", False, LOG_GROUP, {**log, "retentionInDays": 14}),
            case(
                "kw-lock-week",
                False,
                VAULT_LOCK,
                {"backupVaultName": "v3", "minRetentionDays": 7, "maxRetentionDays": 365},
            ),
        ]
    )
