"""Render the red-team corpus as Terraform plan JSON, to run another scanner (checkov) on the
same programs: `python -m tests.redteam.tfplan OUT_DIR [MODULE]` writes one plan per program
(MODULE: the corpus module, `tests.redteam.corpus` unless given, e.g. tests.redteam.corpus_wave4).

pulumi-aws is a bridge of the Terraform provider, so a Pulumi resource is the Terraform resource
under another type token and camelCase names. The rendering is approximate (documented
renames only; single nested blocks as one-element lists, as Terraform plans show them).
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from foundation.records import UNKNOWN, unwrap_secrets
from tests.policies.builders import compliant_resources

TF_TYPES = {
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:ec2/instance:Instance": "aws_instance",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/proxy:Proxy": "aws_db_proxy",
    "aws:s3/bucketAclV2:BucketAclV2": "aws_s3_bucket_acl",
    "aws:appsync/graphQLApi:GraphQLApi": "aws_appsync_graphql_api",
    "aws:apigateway/domainName:DomainName": "aws_api_gateway_domain_name",
    "aws:apigateway/restApi:RestApi": "aws_api_gateway_rest_api",
    "aws:lambda/functionUrl:FunctionUrl": "aws_lambda_function_url",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "aws_vpc_security_group_ingress_rule"
    ),
}
RENAMES = {
    ("aws_lambda_permission", "function"): "function_name",
    ("aws_sns_topic_subscription", "topic"): "topic_arn",
    ("aws_lb_listener", "default_actions"): "default_action",
    ("aws_cloudfront_distribution", "origins"): "origin",
    ("aws_cloudfront_distribution", "ordered_cache_behaviors"): "ordered_cache_behavior",
    ("aws_ecs_service", "load_balancers"): "load_balancer",
    ("aws_budgets_budget", "notifications"): "notification",
    ("aws_budgets_budget", "cost_filters"): "cost_filter",
    ("aws_ec2_launch_template", "block_device_mappings"): "block_device_mappings",
    ("aws_codebuild_project", "environment_variables"): "environment_variable",
    ("aws_db_parameter_group", "parameters"): "parameter",
    ("aws_rds_cluster_parameter_group", "parameters"): "parameter",
    ("aws_docdb_cluster_parameter_group", "parameters"): "parameter",
    ("aws_redshift_parameter_group", "parameters"): "parameter",
    ("aws_security_group", "ingress"): "ingress",
    ("aws_wafv2_web_acl", "rules"): "rule",
    ("aws_ecr_registry_scanning_configuration", "rules"): "rule",
    ("aws_ecr_repository", "encryption_configurations"): "encryption_configuration",
}
MAPS = {
    "tags",
    "variables",
    "runtime_environment_variables",
    "runtime_environment_secrets",
    "connection_properties",
    "driver_opts",
    "docker_labels",
    "options",
}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def tf_type(token: str) -> str:
    if token in TF_TYPES:
        return TF_TYPES[token]
    module, name = token.split(":")[1].split("/")
    module = {"ec2": "", "lb": "lb"}.get(module, module)
    snake = _CAMEL.sub(r"_\1", name).lower()
    return "_".join(p for p in ("aws", module, snake) if p)


def snake(name: str) -> str:
    return _CAMEL.sub(r"_\1", name).lower()


def tf_values(kind: str, value: Any, key: str = "") -> Any:
    if value is UNKNOWN or value == UNKNOWN:
        return None
    if isinstance(value, dict):
        if key in MAPS:
            return {k: tf_values(kind, v) for k, v in value.items()}
        block = {  # a value unknown until apply is absent from a plan's values
            RENAMES.get((kind, snake(k)), snake(k)): tf_values(kind, v, snake(k))
            for k, v in value.items()
            if not (v is UNKNOWN or v == UNKNOWN)
        }
        return [block] if key else block
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            rendered = tf_values(kind, item, key)
            out.extend(rendered if isinstance(item, dict) and key not in MAPS else [rendered])
        return out
    return value


def plan(program: Any, index: int = 0) -> dict[str, Any]:
    """One program's resources as a plan; names carry the program's index so that a scanner
    that keys resources by address across files does not merge two programs' copies."""
    resources = []
    for record in program.build(compliant_resources("prod")).values():
        if record.type.startswith("pulumi:providers:") or not record.custom:
            continue  # a provider is configuration in Terraform, a component is no resource
        kind = tf_type(record.type)
        values = tf_values(kind, unwrap_secrets(dict(record.wire_inputs)))
        name = f"p{index}_" + re.sub(r"[^A-Za-z0-9_]", "_", record.name)
        resources.append(
            {
                "address": f"{kind}.{name}",
                "mode": "managed",
                "type": kind,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "values": values,
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": [
            {
                **{k: r[k] for k in ("address", "mode", "type", "name", "provider_name")},
                "change": {"actions": ["create"], "before": None, "after": r["values"]},
            }
            for r in resources
        ],
    }


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    corpus = importlib.import_module(argv[1] if len(argv) > 1 else "tests.redteam.corpus")
    for index, program in enumerate(corpus.PROGRAMS):
        (out / f"{'bad' if program.bad else 'good'}__{program.name}.json").write_text(
            json.dumps(plan(program, index), indent=1)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
