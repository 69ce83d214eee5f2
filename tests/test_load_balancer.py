"""The load balancer: internal, reached only through CloudFront's VPC origin; one forwarding
listener (HTTPS with a certificate, HTTP inside AWS's network without); two target groups behind
a production rule ECS can shift; hardened ALB; encrypted, private, expiring access logs.

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

from components.load_balancer import ECS_LOAD_BALANCER_POLICY, TLS_POLICY
from foundation.records import ResourceRecord, StackRun
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


def shifting_problems(run: StackRun) -> list[str]:
    """What stops ECS from shifting traffic between the two target groups on this listener."""
    problems = []
    groups = {t.outputs["arn"] for t in run.by_type(TARGET_GROUP)}
    if len(groups) != 2:
        problems.append(f"{len(groups)} target groups; ECS shifts between exactly two")
    (listener,) = listeners(run)
    for action in listener.inputs["defaultActions"]:
        if action["type"] != "forward":
            problems.append(f"{listener.name}: default action {action['type']} (not forward)")
    rules = [r for r in run.by_type(RULE) if r.inputs["listenerArn"] == listener.outputs["arn"]]
    if len(rules) != 1:
        problems.append(f"{len(rules)} rules on the serving listener; expected the production one")
    for rule in rules:
        (action,) = rule.inputs["actions"]
        if action["type"] != "forward":
            problems.append(f"{rule.name}: {action['type']} (not forward)")
            continue
        weights = {t["arn"]: t["weight"] for t in action["forward"]["targetGroups"]}
        if set(weights) != groups or sorted(weights.values()) != [0, 100]:
            problems.append(f"{rule.name}: forwards {weights}, not 100/0 over both groups")
        if "actions" not in rule.ignore_changes:
            problems.append(f"{rule.name}: Pulumi would reset the weights ECS shifted")
    return problems


def test_the_listener_forwards_to_two_groups_ecs_can_shift(lb_run: StackRun) -> None:
    assert shifting_problems(lb_run) == []


def test_one_listener_https_with_a_certificate_else_http(lb_run: StackRun) -> None:
    (listener,) = listeners(lb_run)
    if lb_run.one(ALB).inputs.get("internal") is not True:
        pytest.fail("the ALB must be internal")
    if listener.inputs["protocol"] == "HTTPS":
        assert listener.inputs["port"] == 443
        assert listener.inputs["sslPolicy"] == TLS_POLICY and listener.inputs["certificateArn"]
    else:
        assert (listener.inputs["protocol"], listener.inputs["port"]) == ("HTTP", 80)
        assert lb_run.stack != "prod" or "certificateArn" not in listener.inputs


def test_the_checks_catch_a_fixed_response_one_group_or_pulumi_owned_weights() -> None:
    run = synthetic_web_run("prod")
    fixed = [{"type": "fixed-response", "fixedResponse": {"statusCode": "403"}}]

    def replaced(record: ResourceRecord, **changes: Any) -> StackRun:
        new = dataclasses.replace(record, **changes)
        return dataclasses.replace(
            run, resources=tuple(new if r is record else r for r in run.resources)
        )

    (listener,) = listeners(run)
    assert shifting_problems(
        replaced(listener, wire_inputs={**listener.wire_inputs, "defaultActions": fixed})
    )
    rule = run.one(RULE)
    assert shifting_problems(replaced(rule, ignore_changes=()))
    green = run.one(TARGET_GROUP, "load-balancer-tg-green")
    one_group = dataclasses.replace(
        run, resources=tuple(r for r in run.resources if r is not green)
    )
    assert any("1 target groups" in p for p in shifting_problems(one_group))


def test_ecs_moves_traffic_with_a_role_only_ecs_assumes(lb_run: StackRun) -> None:
    """The trust AWS documents for the ECS infrastructure role: the ECS principal and nothing a
    traffic shift could fail on (no condition on a key ECS is not documented to send)."""
    roles = [r for r in lb_run.by_type("aws:iam/role:Role") if "ecs-traffic" in r.name]
    (role,) = roles
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "ecs.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole" and "Condition" not in statement
    (attachment,) = [
        a
        for a in lb_run.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["role"] == role.outputs["name"]
    ]
    assert attachment.inputs["policyArn"] == f"arn:aws:iam::aws:policy/{ECS_LOAD_BALANCER_POLICY}"


def test_alb_is_hardened_and_logs_every_request(lb_run: StackRun) -> None:
    alb = lb_run.one(ALB).inputs
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["desyncMitigationMode"] in ("strictest", "defensive")
    assert alb["internal"] is True and alb["loadBalancerType"] == "application"
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
    # The ALB writes its first logs only once the bucket's policy admits ELB's delivery.
    (policy,) = [
        r
        for r in lb_run.by_type("aws:s3/bucketPolicy:BucketPolicy")
        if r.inputs["bucket"] == bucket_name
    ]
    assert policy.urn in lb_run.one(ALB).dependencies


@pytest.mark.parametrize("colour", [0, 1])
def test_target_groups_check_the_nextjs_health_path(lb_run: StackRun, colour: int) -> None:
    target_group = lb_run.by_type(TARGET_GROUP)[colour].inputs
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
    serving = {listener.inputs["port"] for listener in listeners(lb_run)}
    assert {rules[0].inputs["fromPort"]} == serving
    assert lb_run.outputs["albDnsName"] == lb_run.one(ALB).outputs["dnsName"]
