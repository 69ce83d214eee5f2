"""The load balancer: only CloudFront's origin-verified requests reach the service; HTTP only
redirects when there is a certificate; hardened ALB; encrypted, private, expiring access logs.

Every check is a function of a StackRun: they run on the real stacks (LoadBalancer is wired into
__main__.py; neither stack file sets a certificate) and on the synthetic prod-like run of
test_web_service.py, which has an ALB certificate (the HTTPS path).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from test_web_service import synthetic_web_run

from components.contracts import ORIGIN_VERIFY_HEADER
from components.load_balancer import TLS_POLICY
from foundation.records import ResourceRecord, StackRun, is_secret_wrapper
from tools.offline.runner import cached_run as stack_run

ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


@pytest.fixture(params=["staging", "prod", "prod-with-certificate"])
def lb_run(request: pytest.FixtureRequest) -> StackRun:
    if request.param == "prod-with-certificate":
        return synthetic_web_run("prod")
    return stack_run(request.param)


def listeners(run: StackRun) -> list[ResourceRecord]:
    alb = run.one(ALB)
    return [r for r in run.by_type(LISTENER) if r.inputs["loadBalancerArn"] == alb.outputs["arn"]]


def forwarding_problems(run: StackRun) -> list[str]:
    """Every way a request could reach a target group without the origin-verify header."""
    problems = []
    listener_arns = {listener.outputs["arn"] for listener in listeners(run)}
    for listener in listeners(run):
        for action in listener.inputs["defaultActions"]:
            if action["type"] != "fixed-response" and action["type"] != "redirect":
                problems.append(f"{listener.name}: default action {action['type']}")
    for rule in run.by_type(RULE):
        if rule.inputs["listenerArn"] not in listener_arns:
            continue
        if not any(a["type"] == "forward" for a in rule.inputs["actions"]):
            continue
        headers = [c["httpHeader"] for c in rule.inputs["conditions"] if c.get("httpHeader")]
        verified = [
            h for h in headers if h["httpHeaderName"] == ORIGIN_VERIFY_HEADER and h["values"]
        ]
        if not verified:
            problems.append(f"{rule.name}: forwards without {ORIGIN_VERIFY_HEADER}")
        if not is_secret_wrapper(rule.wire_inputs["conditions"]):
            problems.append(f"{rule.name}: the origin-verify value is not sent as a secret")
    return problems


def http_listener_problems(run: StackRun) -> list[str]:
    """With an HTTPS listener, HTTP may only redirect to it; without, HTTP serves (behind 403)."""
    problems = []
    https = [r for r in listeners(run) if r.inputs["protocol"] == "HTTPS"]
    rules_on = {r.inputs["listenerArn"] for r in run.by_type(RULE)}
    for listener in listeners(run):
        if listener.inputs["protocol"] != "HTTP" or not https:
            continue
        actions = listener.inputs["defaultActions"]
        redirect = [a for a in actions if a["type"] == "redirect"]
        if len(actions) != 1 or not redirect or redirect[0]["redirect"]["protocol"] != "HTTPS":
            problems.append(f"{listener.name}: does more than redirect to HTTPS")
        if listener.outputs["arn"] in rules_on:
            problems.append(f"{listener.name}: has listener rules")
    for listener in https:
        if listener.inputs.get("sslPolicy") != TLS_POLICY or not listener.inputs.get(
            "certificateArn"
        ):
            problems.append(f"{listener.name}: not TLS 1.3 with a certificate")
    return problems


def test_nothing_reaches_the_service_without_the_origin_header(lb_run: StackRun) -> None:
    assert forwarding_problems(lb_run) == []
    assert lb_run.by_type(RULE)  # and something does reach it


def test_http_only_redirects_when_a_certificate_is_set(lb_run: StackRun) -> None:
    assert http_listener_problems(lb_run) == []
    protocols = sorted(r.inputs["protocol"] for r in listeners(lb_run))
    with_certificate = lb_run.stack == "prod" and any(p == "HTTPS" for p in protocols)
    assert protocols == (["HTTP", "HTTPS"] if with_certificate else ["HTTP"])


def test_the_checks_catch_a_listener_that_forwards_or_serves_plain_http() -> None:
    run = synthetic_web_run("prod")
    target_group = run.one(TARGET_GROUP).outputs["arn"]
    forward = [{"type": "forward", "targetGroupArn": target_group}]

    def with_default(protocol: str, actions: list[dict[str, Any]]) -> StackRun:
        changed = []
        for record in run.resources:
            if record.type == LISTENER and record.inputs["protocol"] == protocol:
                inputs = {**record.wire_inputs, "defaultActions": actions}
                record = dataclasses.replace(record, wire_inputs=inputs)
            changed.append(record)
        return dataclasses.replace(run, resources=tuple(changed))

    assert forwarding_problems(with_default("HTTPS", forward))
    assert http_listener_problems(with_default("HTTP", forward))
    rule = run.one(RULE)
    unverified = dataclasses.replace(
        rule,
        wire_inputs={**rule.wire_inputs, "conditions": [{"pathPattern": {"values": ["/*"]}}]},
    )
    no_header = dataclasses.replace(
        run, resources=tuple(unverified if r is rule else r for r in run.resources)
    )
    assert any("forwards without" in p for p in forwarding_problems(no_header))


def test_alb_is_hardened_and_logs_every_request(lb_run: StackRun) -> None:
    alb = lb_run.one(ALB).inputs
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["desyncMitigationMode"] in ("strictest", "defensive")
    assert alb["internal"] is False and alb["loadBalancerType"] == "application"
    assert alb["enableDeletionProtection"] is (lb_run.stack == "prod")
    buckets = {b.outputs["bucket"]: b for b in lb_run.by_type("aws:s3/bucket:Bucket")}
    assert alb["accessLogs"]["enabled"] is True and alb["accessLogs"]["bucket"] in buckets


def test_access_log_bucket_is_private_encrypted_expiring_and_only_elb_writes(
    lb_run: StackRun,
) -> None:
    bucket_name = lb_run.one(ALB).inputs["accessLogs"]["bucket"]
    prefix = lb_run.one(ALB).inputs["accessLogs"]["prefix"]

    def of(type_token: str) -> dict[str, Any]:
        (found,) = [
            r.inputs for r in lb_run.by_type(type_token) if r.inputs["bucket"] == bucket_name
        ]
        return found

    encryption = of(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    block = of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block[k] is True
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    ownership = of("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    (rule,) = of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"]
    assert rule["status"] == "Enabled" and rule["expiration"]["days"] > 0
    statements = json.loads(of("aws:s3/bucketPolicy:BucketPolicy")["policy"])["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Action"] for s in allows] == ["s3:PutObject"]
    assert allows[0]["Resource"].endswith(f"/{prefix}/AWSLogs/123456789012/*")
    assert set(allows[0]["Principal"]) == {"AWS", "Service"}
    assert allows[0]["Principal"]["AWS"] == "arn:aws:iam::156460612806:root"  # eu-west-1's ELB
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    bucket = next(
        b for b in lb_run.by_type("aws:s3/bucket:Bucket") if b.outputs["bucket"] == bucket_name
    )
    assert bucket.protect is (lb_run.stack == "prod")


def test_target_group_checks_the_nextjs_health_path(lb_run: StackRun) -> None:
    target_group = lb_run.one(TARGET_GROUP).inputs
    assert target_group["targetType"] == "ip" and target_group["protocol"] == "HTTP"
    assert target_group["port"] == 3000
    check = target_group["healthCheck"]
    assert check["path"] == "/api/health" and check["matcher"] == "200"
    assert check["healthyThreshold"] <= 3 and check["timeout"] < check["interval"]
    assert 0 < target_group["deregistrationDelay"] <= 120


def test_security_group_opens_the_serving_listener_port_only(each_stack: StackRun) -> None:
    lb_run = each_stack
    rules = [
        r
        for r in lb_run.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.name == "network-lb-from-cloudfront"
    ]
    serving = {
        listener.inputs["port"]
        for listener in listeners(lb_run)
        if listener.inputs["defaultActions"][0]["type"] == "fixed-response"
    }
    assert {rules[0].inputs["fromPort"]} == serving
    assert lb_run.outputs["albDnsName"] == lb_run.one(ALB).outputs["dnsName"]
