"""One front door: CloudFront, and nothing else the internet can reach (issue 22, item 5).

Properties guarded here:
- EXPOSURE GRAPH: every way in besides CloudFront is a finding (a second internet-facing load
  balancer of any kind, API Gateway reaching the internal ALB, an origin named through a DNS
  alias, function URLs without auth, public IPs, public switches), the internal ALB behind the
  VPC origin is not.
- DATABASE PORT: a public load balancer forwarding to a database port cannot be allowed.
- NAMED WITH A REASON: `allowedFrontDoors` accepts an extra door by name; an entry that matches
  nothing is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from foundation.records import ResourceRecord
from tests.policies.builders import arn, record, replace, stack_run
from tests.policies.support import OnProgram, run_case, synthetic_config, synthetic_config_dir
from tools.offline.policy_driver import evaluate_packs

RULE = "one-front-door"
ALB_DNS = "internal-app-123.eu-west-1.elb.amazonaws.com"


def _lb(name: str, internal: Any, kind: str = "application") -> ResourceRecord:
    inputs: dict[str, Any] = {"loadBalancerType": kind}
    if internal is not None:
        inputs["internal"] = internal
    return record(
        "prod",
        "aws:lb/loadBalancer:LoadBalancer",
        name,
        inputs,
        computed={
            "arn": arn("elasticloadbalancing", f"loadbalancer/app/{name}/1"),
            "dnsName": f"{name}.elb.amazonaws.com" if name != "app-alb" else ALB_DNS,
        },
    )


def _findings(*extra: ResourceRecord, config_dir: Path | None = None) -> list[str]:
    resources = [_lb("app-alb", True), *extra]
    report = evaluate_packs(
        stack_run(resources), "prod", config_dir or synthetic_config_dir(), packs=("guardrails",)
    )
    return [v.message for v in report.for_policy(RULE)]


def test_exposure_graph_internal_alb_alone_passes() -> None:
    assert _findings() == []


def test_exposure_graph_the_program_passes_and_is_judged() -> None:
    """The real prod program (an internal ALB behind CloudFront's VPC origin) has one front
    door; made internet-facing, its load balancer is a second one."""
    assert run_case(OnProgram(lambda r: {})).for_policy(RULE) == []
    facing = OnProgram(
        lambda r: {"load-balancer-alb": replace(r["load-balancer-alb"], internal=False)}
    )
    found = [v.message for v in run_case(facing).for_policy(RULE)]
    assert any("internet-facing application load balancer" in m for m in found), found


EXPOSURES = {
    "second-internet-facing-alb": (
        _lb("admin", False),
        "internet-facing application load balancer",
    ),
    "scheme-left-to-the-default": (_lb("admin", None), "(not set: the default)"),
    "public-nlb": (_lb("tcp", False, "network"), "internet-facing network load balancer"),
    "classic-elb": (
        record(
            "prod",
            "aws:elb/loadBalancer:LoadBalancer",
            "legacy",
            {"listeners": [{"lbPort": 443, "instancePort": 8443}]},
        ),
        "internet-facing classic load balancer",
    ),
    "api-gateway-v2-vpc-link-to-alb-listener": (
        record(
            "prod",
            "aws:apigatewayv2/integration:Integration",
            "to-alb",
            {
                "connectionType": "VPC_LINK",
                "integrationUri": f"http://{ALB_DNS}/api",
                "integrationType": "HTTP_PROXY",
            },
        ),
        "API Gateway integration reaching app-alb around CloudFront through a VPC link",
    ),
    "rest-api-http-integration-to-alb-dns": (
        record(
            "prod",
            "aws:apigateway/integration:Integration",
            "proxy",
            {"type": "HTTP_PROXY", "uri": f"https://{ALB_DNS}/{{proxy}}"},
        ),
        "reaching app-alb around CloudFront",
    ),
    "regional-rest-api": (
        record(
            "prod",
            "aws:apigateway/restApi:RestApi",
            "api",
            {"endpointConfiguration": {"types": ["REGIONAL"]}},
        ),
        "a public API Gateway REST API",
    ),
    "function-url-auth-none": (
        record("prod", "aws:lambda/functionUrl:FunctionUrl", "hook", {"authorizationType": "NONE"}),
        "Lambda function URL with auth 'NONE'",
    ),
    "instance-public-ip": (
        record("prod", "aws:ec2/instance:Instance", "bastion", {"associatePublicIpAddress": True}),
        "a public IP address",
    ),
    "launch-template-public-ip": (
        record(
            "prod",
            "aws:ec2/launchTemplate:LaunchTemplate",
            "lt",
            {"networkInterfaces": [{"associatePublicIpAddress": "true"}]},
        ),
        "public IPs on the instances it launches",
    ),
    "opensearch-outside-the-vpc": (
        record(
            "prod", "aws:opensearch/domain:Domain", "search", {"engineVersion": "OpenSearch_2.13"}
        ),
        "a public domain endpoint (no vpcOptions)",
    ),
    "transfer-server-public-by-default": (
        record("prod", "aws:transfer/server:Server", "sftp", {"protocols": ["SFTP"]}),
        "a public Transfer Family endpoint",
    ),
    "eks-public-endpoint-by-default": (
        record("prod", "aws:eks/cluster:Cluster", "k8s", {"vpcConfig": {"subnetIds": ["s"]}}),
        "a public API endpoint (the default)",
    ),
}


@pytest.mark.parametrize(("resource", "fragment"), list(EXPOSURES.values()), ids=list(EXPOSURES))
def test_exposure_graph_every_other_way_in_is_found(
    resource: ResourceRecord, fragment: str
) -> None:
    found = _findings(resource)
    assert any(fragment in m for m in found), found


def _cdn(domain: str, vpc_origin: bool) -> ResourceRecord:
    origin: dict[str, Any] = {"originId": "app", "domainName": domain}
    if vpc_origin:
        origin["vpcOriginConfig"] = {"vpcOriginId": "vo-1"}
    else:
        origin["customOriginConfig"] = {
            "originProtocolPolicy": "https-only",
            "httpPort": 80,
            "httpsPort": 443,
            "originSslProtocols": ["TLSv1.2"],
        }
    return record("prod", "aws:cloudfront/distribution:Distribution", "cdn", {"origins": [origin]})


def test_exposure_graph_origin_named_through_a_dns_alias() -> None:
    alias = record(
        "prod",
        "aws:route53/record:Record",
        "origin-alias",
        {
            "name": "Origin.Example.com.",
            "type": "A",
            "aliases": [
                {"name": f"dualstack.{ALB_DNS}", "zoneId": "Z1", "evaluateTargetHealth": True}
            ],
        },
    )
    cname = record(
        "prod",
        "aws:route53/record:Record",
        "hop",
        {"name": "edge.example.com", "type": "CNAME", "records": ["origin.example.com"]},
    )
    found = _findings(alias, cname, _cdn("edge.example.com", vpc_origin=False))
    assert any("DNS alias (edge.example.com)" in m and "app-alb" in m for m in found), found
    assert _findings(alias, cname, _cdn("edge.example.com", vpc_origin=True)) == []


def _config_with(entries: list[dict[str, Any]], tmp_path: Path) -> Path:
    for stack in ("staging", "prod"):
        for pack in ("guardrails", "cost"):
            config = synthetic_config(stack, pack)
            if pack == "guardrails":
                config[RULE] = {"enforcementLevel": "mandatory", "allowedFrontDoors": entries}
            (tmp_path / f"{stack}.{pack}.json").write_text(json.dumps(config))
    return tmp_path


def test_named_with_a_reason_an_allowed_door_passes_and_a_stale_one_is_reported(
    tmp_path: Path,
) -> None:
    config = _config_with(
        [
            {
                "type": "aws:lb/loadBalancer:LoadBalancer",
                "name": "partner",
                "reason": "mTLS partner API",
            },
            {
                "type": "aws:lb/loadBalancer:LoadBalancer",
                "name": "gone",
                "reason": "old partner endpoint",
            },
        ],
        tmp_path,
    )
    found = _findings(_lb("partner", False), config_dir=config)
    assert not any("partner" in m for m in found), found
    assert any("allowedFrontDoors[1]" in m and "stale" in m for m in found), found


def test_database_port_is_never_a_front_door(tmp_path: Path) -> None:
    config = _config_with(
        [
            {
                "type": "aws:lb/loadBalancer:LoadBalancer",
                "name": "pg",
                "reason": "partner reporting access",
            }
        ],
        tmp_path,
    )
    nlb = _lb("pg", False, "network")
    listener = record(
        "prod",
        "aws:lb/listener:Listener",
        "pg-5432",
        {
            "loadBalancerArn": nlb.outputs["arn"],
            "port": 5432,
            "protocol": "TCP",
            "defaultActions": [{"type": "forward"}],
        },
    )
    found = _findings(nlb, listener, config_dir=config)
    assert any("database port 5432" in m for m in found), found
