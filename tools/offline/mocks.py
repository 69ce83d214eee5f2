"""Pulumi mocks that answer like AWS would: realistic ids, ARNs, endpoints and data-source results.

Every value the program chains on (an ARN in an IAM policy, an endpoint in a container's
environment, a subnet list from the awsx VPC) must look like the real thing, or the program's
apply chains prove nothing. A data source the mocks do not know is an error that names it, so a
new invoke is added here rather than silently answered with nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from foundation.records import is_secret_wrapper, unwrap_secrets

ACCOUNT_ID = "123456789012"
# Managed CloudFront policies by name (ids are fixed by AWS).
MANAGED_CACHE_POLICIES = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "Managed-CachingOptimizedForUncompressedObjects": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
    "UseOriginCacheControlHeaders": "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
    "UseOriginCacheControlHeaders-QueryStrings": "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
}
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "Managed-AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    "Managed-UserAgentRefererHeaders": "acba4595-bd28-49b8-b9fe-13317c0390fa",
}
MANAGED_RESPONSE_HEADERS_POLICIES = {
    "Managed-SecurityHeadersPolicy": "67f7725c-6f97-4210-82d7-5512b31e9d03",
    "Managed-CORS-With-Preflight-And-SecurityHeadersPolicy": "eaab4381-ed33-4a86-88ca-d9558dc6cd63",
}
# The ELB account that writes access logs, per region (regions before August 2022).
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-2": "797873946194",
    "eu-west-1": "156460612806",
    "eu-central-1": "054676820928",
    "eu-west-2": "652711504416",
    "ap-northeast-1": "582318560864",
}


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _uuid(*parts: str) -> str:
    """A stable UUID-shaped id (KMS keys, certificates, web ACLs, RUM monitors)."""
    text = _digest(*parts, length=32)
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-8{text[17:20]}-{text[20:32]}"


def _service_of(type_token: str) -> str:
    module = type_token.split(":")[1].split("/")[0]
    return {
        "lb": "elasticloadbalancing",
        "alb": "elasticloadbalancing",
        "cloudwatch": "cloudwatch",
        "vpc": "ec2",
        "appautoscaling": "application-autoscaling",
        "wafv2": "wafv2",
        "rum": "rum",
        "budgets": "budgets",
    }.get(module, module)


class AwsMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes like the AWS provider would after a create."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.transforms: list[Any] = []
        self.secret_values: dict[str, Any] = {}
        """Secret ARN -> the value its last SecretVersion wrote: what AWSCURRENT reads back."""

    # The monitor applies these the way the engine applies stack transforms.
    def register_transform(self, transform: Any) -> None:
        self.transforms.append(transform)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        if not args.custom:
            # Components: awsx ones are opaque under mocks, so answer with their outputs.
            state = COMPONENT_OUTPUTS.get(args.typ, lambda *_: {})(self, args.name, inputs)
            return f"{args.name}-component", {**inputs, **state}
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", inputs
        resource_id, computed = self._computed(args.typ, args.name, inputs)
        if args.typ == "aws:secretsmanager/secretVersion:SecretVersion":
            self.secret_values[str(inputs.get("secretId"))] = inputs.get("secretString")
        state = {**inputs, **computed}
        tags = unwrap_secrets(inputs.get("tags"))
        if isinstance(tags, Mapping):
            state["tagsAll"] = dict(tags)
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        handler = INVOKES.get(args.token)
        if handler is None:
            raise NotImplementedError(
                f"the offline mocks do not answer the data source '{args.token}'; "
                "add it to tools/offline/mocks.py INVOKES"
            )
        return handler(self, dict(args.args))

    def arn(self, type_token: str, resource: str, region: bool = True, account: bool = True) -> str:
        where = self.region if region else ""
        who = ACCOUNT_ID if account else ""
        return f"arn:aws:{_service_of(type_token)}:{where}:{who}:{resource}"

    def _computed(self, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
        physical = _physical_name(name, inputs)
        # pulumi-aws 7: a resource's own `region` input places it outside the provider's region.
        region = inputs.get("region")
        m = AwsMocks(region) if isinstance(region, str) and region != self.region else self
        handler = RESOURCE_OUTPUTS.get(typ)
        if handler is not None:
            return handler(m, name, physical, inputs)
        resource_id = f"{physical}"
        return resource_id, {
            "id": resource_id,
            "arn": m.arn(typ, f"{typ.split(':')[-1].lower()}/{physical}"),
        }


def _physical_name(logical: str, inputs: Mapping[str, Any]) -> str:
    """The name Pulumi auto-names a resource with: the logical name plus '-' and 7 hex chars."""
    explicit = inputs.get("name")
    if isinstance(explicit, str) and explicit:
        return explicit
    prefix = inputs.get("namePrefix")
    if isinstance(prefix, str) and prefix:
        return f"{prefix}{_digest(logical, length=26)}"
    return f"{logical}-{_digest(logical, length=7)}"


Handler = Callable[["AwsMocks", str, str, dict], tuple[str, dict]]


def _kms_key(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    key_id = _uuid(name, "key")
    return key_id, {"keyId": key_id, "arn": m.arn("aws:kms/x:X", f"key/{key_id}")}


def _role(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    return physical, {
        "name": physical,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{physical}",
        "uniqueId": f"AROA{_digest(name, length=17).upper()}",
    }


def _iam_policy(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/{physical}"
    return arn, {"name": physical, "arn": arn, "policyId": f"ANPA{_digest(name).upper()}"}


def _security_group(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    sg_id = f"sg-{_digest(name)}"
    return sg_id, {"name": physical, "arn": m.arn("aws:ec2/x:X", f"security-group/{sg_id}")}


def _sg_rule(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    rule_id = f"sgr-{_digest(name)}"
    return rule_id, {
        "securityGroupRuleId": rule_id,
        "arn": m.arn("aws:ec2/x:X", f"security-group-rule/{rule_id}"),
    }


def _secret(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    arn = m.arn("aws:secretsmanager/secret:Secret", f"secret:{physical}-{_digest(name, length=6)}")
    return arn, {"name": physical, "arn": arn}


def _load_balancer(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    lb_id = _digest(name, length=16)
    arn = m.arn("aws:lb/x:X", f"loadbalancer/app/{physical}/{lb_id}")
    scheme = "internal-" if inputs.get("internal") else ""
    return arn, {
        "name": physical,
        "arn": arn,
        "arnSuffix": f"app/{physical}/{lb_id}",
        "dnsName": f"{scheme}{physical}-{_digest(name, length=10)}.{m.region}.elb.amazonaws.com",
        "zoneId": "Z32O12XQLNTSW2",
    }


def _target_group(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    tg_id = _digest(name, length=16)
    arn = m.arn("aws:lb/x:X", f"targetgroup/{physical}/{tg_id}")
    return arn, {"name": physical, "arn": arn, "arnSuffix": f"targetgroup/{physical}/{tg_id}"}


def _listener(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    arn = m.arn(
        "aws:lb/x:X", f"listener/app/lb/{_digest(name, length=16)}/{_digest(name, 'l', length=16)}"
    )
    return arn, {"arn": arn}


def _listener_rule(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    arn = m.arn(
        "aws:lb/x:X",
        f"listener-rule/app/lb/{_digest(name, length=16)}/{_digest(name, 'r', length=16)}",
    )
    return arn, {"arn": arn}


def _ecs_service(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    cluster = str(inputs.get("cluster", "cluster")).rsplit("/", 1)[-1]
    arn = m.arn("aws:ecs/x:X", f"service/{cluster}/{physical}")
    return arn, {"name": physical, "arn": arn}


def _task_definition(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    family = inputs.get("family") or physical
    arn = m.arn("aws:ecs/x:X", f"task-definition/{family}:1")
    return arn, {"arn": arn, "arnWithoutRevision": arn.rsplit(":", 1)[0], "revision": 1}


def _ecr_repository(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    return physical, {
        "name": physical,
        "arn": m.arn("aws:ecr/x:X", f"repository/{physical}"),
        "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{m.region}.amazonaws.com/{physical}",
        "registryId": ACCOUNT_ID,
    }


def _rds_instance(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    identifier = inputs.get("identifier") or physical.lower()
    host = f"{identifier}.c{_digest(name, length=11)}.{m.region}.rds.amazonaws.com"
    port = int(inputs.get("port") or 5432)
    state: dict[str, Any] = {
        "identifier": identifier,
        "arn": m.arn("aws:rds/x:X", f"db:{identifier}"),
        "address": host,
        "endpoint": f"{host}:{port}",
        "port": port,
        "resourceId": f"db-{_digest(name, length=26).upper()}",
        "hostedZoneId": "Z29XKXDKYMONMX",
    }
    if inputs.get("manageMasterUserPassword"):
        secret_arn = m.arn(
            "aws:secretsmanager/x:X",
            f"secret:rds!db-{_digest(name, length=8)}-{_digest(name, 's', length=6)}",
        )
        state["masterUserSecrets"] = [
            {
                "secretArn": secret_arn,
                "secretStatus": "active",
                "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
            }
        ]
    return identifier, state


def _rds_proxy(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    return physical, {
        "name": physical,
        "arn": m.arn("aws:rds/x:X", f"db-proxy:prx-{_digest(name)}"),
        "endpoint": f"{physical}.proxy-c{_digest(name, length=11)}.{m.region}.rds.amazonaws.com",
    }


def _replication_group(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    group_id = inputs.get("replicationGroupId") or physical.lower()
    suffix = f"{_digest(name, length=6)}.cache.amazonaws.com"
    count = int(inputs.get("numCacheClusters") or 1)
    return group_id, {
        "arn": m.arn("aws:elasticache/x:X", f"replicationgroup:{group_id}"),
        "memberClusters": [f"{group_id}-{index:03d}" for index in range(1, count + 1)],
        "primaryEndpointAddress": f"master.{group_id}.{suffix}",
        "readerEndpointAddress": f"replica.{group_id}.{suffix}",
        "port": inputs.get("port") or 6379,
    }


def _distribution(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    dist_id = "E" + _digest(name, length=13).upper()
    return dist_id, {
        "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{dist_id}",
        "domainName": f"d{_digest(name, length=13)}.cloudfront.net",
        "hostedZoneId": "Z2FDTNDATAQYW2",
        "status": "Deployed",
        "etag": "E" + _digest(name, "etag", length=13).upper(),
    }


def _global_id(arn_kind: str) -> Handler:
    def handler(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
        resource_id = _digest(name, length=36)
        return resource_id, {
            "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:{arn_kind}/{resource_id}",
            "etag": "E1",
        }

    return handler


def _bucket(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    prefix = inputs.get("bucketPrefix")
    generated = f"{prefix}{_digest(name, length=26)}" if isinstance(prefix, str) and prefix else ""
    # The provider appends 26 characters to a bucketPrefix (id.PrefixedUniqueId).
    bucket = inputs.get("bucket") or generated or physical.lower()
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{m.region}.amazonaws.com",
    }


def _alarm(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    alarm_name = inputs.get("name") or physical
    return alarm_name, {
        "name": alarm_name,
        "arn": m.arn("aws:cloudwatch/x:X", f"alarm:{alarm_name}"),
    }


def _web_acl(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    acl_id = _uuid(name, "acl")
    scope = "global" if inputs.get("scope") == "CLOUDFRONT" else "regional"
    region = "us-east-1" if scope == "global" else m.region
    return acl_id, {
        "name": physical,
        "arn": f"arn:aws:wafv2:{region}:{ACCOUNT_ID}:{scope}/webacl/{physical}/{acl_id}",
    }


def _certificate(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    cert_id = _uuid(name, "certificate")
    domain = inputs.get("domainName", "example.com")
    return cert_id, {
        "arn": m.arn("aws:acm/x:X", f"certificate/{cert_id}"),
        "domainValidationOptions": [
            {
                "domainName": domain,
                "resourceRecordName": f"_{_digest(name, length=32)}.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{_digest(name, 'v', length=32)}.acm-validations.aws.",
            }
        ],
    }


def _random_password(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    length = int(inputs.get("length") or 32)
    value = ("Mock" + _digest(name, "password", length=64))[:length]
    return "none", {"result": value, "bcryptHash": "$2a$10$" + _digest(name, length=53)}


def _random_bytes(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    raw = hashlib.sha256(f"{name}/bytes".encode()).digest()[: int(inputs.get("length") or 32)]
    return "none", {"base64": base64.b64encode(raw).decode(), "hex": raw.hex()}


def _lambda_function(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    arn = f"arn:aws:lambda:{m.region}:{ACCOUNT_ID}:function:{physical}"
    return physical, {
        "name": physical,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": (
            f"arn:aws:apigateway:{m.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        ),
        "version": "$LATEST",
    }


def _event_rule(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    bus = inputs.get("eventBusName") or "default"
    rule_id = physical if bus == "default" else f"{bus}/{physical}"
    return rule_id, {"name": physical, "arn": m.arn("aws:events/x:X", f"rule/{rule_id}")}


def _rum_monitor(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    monitor_id = _uuid(name, "rum")
    return physical, {
        "appMonitorId": monitor_id,
        "arn": m.arn("aws:rum/x:X", f"appmonitor/{physical}"),
    }


def _identity_pool(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    pool_id = f"{m.region}:{_uuid(name, 'pool')}"
    return pool_id, {
        "arn": f"arn:aws:cognito-identity:{m.region}:{ACCOUNT_ID}:identitypool/{pool_id}"
    }


def _ssm_parameter(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    param = inputs.get("name") or physical
    return param, {
        "name": param,
        "arn": m.arn(
            "aws:ssm/x:X", f"parameter{param if str(param).startswith('/') else '/' + str(param)}"
        ),
    }


def _named(service_type: str, arn_resource: str, *, by_arn: bool = False) -> Handler:
    """A resource known by its name: `arn_resource` formats the ARN's resource part from it; its
    id is the name, or the ARN (`by_arn`). ElastiCache lowercases the names it is given."""

    def handler(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
        named = physical.lower() if service_type.startswith("aws:elasticache/") else physical
        arn = m.arn(service_type, arn_resource.format(named))
        return arn if by_arn else named, {"name": named, "arn": arn}

    return handler


def _route53_record(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    record_name = str(inputs.get("name") or physical).rstrip(".")
    zone = inputs.get("zoneId", "Z0000000000000")
    return f"{zone}_{record_name}_{inputs.get('type', 'A')}", {"fqdn": record_name}


def _random_id(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    length = int(inputs.get("byteLength") or 4)
    hex_value = _digest(name, "random-id", length=2 * length)
    raw = bytes.fromhex(hex_value)
    b64_std = base64.b64encode(raw).decode()
    b64_url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return b64_url, {
        "hex": f"{inputs.get('prefix') or ''}{hex_value}",
        "dec": f"{inputs.get('prefix') or ''}{int(hex_value, 16)}",
        "b64Std": b64_std,
        "b64Url": b64_url,
    }


def _secret_rotation(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    secret_id = str(inputs.get("secretId") or "")
    return secret_id, {"rotationEnabled": True}


def _proxy_default_target_group(
    m: AwsMocks, name: str, physical: str, inputs: dict
) -> tuple[str, dict]:
    proxy = str(inputs.get("dbProxyName") or physical)
    return proxy, {
        "name": "default",
        "arn": m.arn("aws:rds/x:X", f"target-group:prx-tg-{_digest(name)}"),
    }


def _proxy_target(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    target = str(inputs.get("dbInstanceIdentifier") or "")
    resource_id = (
        f"{inputs.get('dbProxyName')},{inputs.get('targetGroupName')},RDS_INSTANCE,{target}"
    )
    return resource_id, {
        "endpoint": f"{target}.c{_digest(target, length=11)}.{m.region}.rds.amazonaws.com",
        "port": 5432,
        "rdsResourceId": target,
        "targetArn": m.arn("aws:rds/x:X", f"db:{target}"),
        "type": "RDS_INSTANCE",
    }


def _automated_backups_replication(
    m: AwsMocks, name: str, physical: str, inputs: dict
) -> tuple[str, dict]:
    return m.arn("aws:rds/x:X", f"auto-backup:ab-{_digest(name, length=26)}"), {}


def _log_delivery(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    delivery_id = _digest(name, "delivery", length=16)
    return delivery_id, {"arn": m.arn("aws:logs/x:X", f"delivery:{delivery_id}")}


def _xray_group(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    group = inputs.get("groupName") or physical
    arn = m.arn("aws:xray/x:X", f"group/{group}/{_digest(name, length=32).upper()}")
    return arn, {"arn": arn, "groupName": group}


def _xray_sampling_rule(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    rule = inputs.get("ruleName") or physical
    return rule, {"arn": m.arn("aws:xray/x:X", f"sampling-rule/{rule}"), "ruleName": rule}


def _scalable_target(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    target_id = _digest(name, length=32)
    return str(inputs.get("resourceId") or target_id), {
        "arn": m.arn("aws:appautoscaling/x:X", f"scalable-target/{target_id}"),
    }


def _scaling_policy(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    policy = inputs.get("name") or physical
    arn = (
        f"arn:aws:autoscaling:{m.region}:{ACCOUNT_ID}:scalingPolicy:{_uuid(name, 'policy')}:"
        f"resource/{inputs.get('serviceNamespace', 'ecs')}/{inputs.get('resourceId', '')}:"
        f"policyName/{policy}"
    )
    return policy, {"arn": arn, "name": policy, "alarmArns": []}


def _topic_subscription(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    arn = f"{inputs.get('topic')}:{_uuid(name, 'subscription')}"
    pending = inputs.get("protocol") in ("email", "email-json")
    return arn, {"arn": arn, "pendingConfirmation": pending, "ownerId": ACCOUNT_ID}


def _topic_policy(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    return str(inputs.get("arn")), {"owner": ACCOUNT_ID}


def _dashboard(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    dashboard = inputs.get("dashboardName") or physical
    return dashboard, {"dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT_ID}:dashboard/{dashboard}"}


def _budget(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    budget = inputs.get("name") or physical
    return f"{ACCOUNT_ID}:{budget}", {
        "name": budget,
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:budgets::{ACCOUNT_ID}:budget/{budget}",
    }


def _role_policy(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    return f"{inputs.get('role')}:{physical}", {"name": physical}


def _identity_pool_roles(m: AwsMocks, name: str, physical: str, inputs: dict) -> tuple[str, dict]:
    return str(inputs.get("identityPoolId")), {}


RESOURCE_OUTPUTS: dict[str, Handler] = {
    "aws:kms/key:Key": _kms_key,
    "aws:cloudwatch/logGroup:LogGroup": _named("aws:logs/x:X", "log-group:{}"),
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _sg_rule,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _sg_rule,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:ecs/cluster:Cluster": _named("aws:ecs/x:X", "cluster/{}", by_arn=True),
    "aws:ecs/service:Service": _ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/parameterGroup:ParameterGroup": _named("aws:rds/x:X", "pg:{}"),
    "aws:rds/subnetGroup:SubnetGroup": _named("aws:rds/x:X", "subgrp:{}"),
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/cachePolicy:CachePolicy": _global_id("cache-policy"),
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": _global_id("origin-request-policy"),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": _global_id(
        "response-headers-policy"
    ),
    "aws:cloudfront/function:Function": _named("aws:function/x:X", "function/{}"),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sns/topic:Topic": _named("aws:sns/x:X", "{}", by_arn=True),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _alarm,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:acm/certificate:Certificate": _certificate,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomBytes:RandomBytes": _random_bytes,
    "aws:lambda/function:Function": _lambda_function,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:rum/appMonitor:AppMonitor": _rum_monitor,
    "aws:cognito/identityPool:IdentityPool": _identity_pool,
    "aws:ssm/parameter:Parameter": _ssm_parameter,
    "aws:route53/record:Record": _route53_record,
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": _named(
        "aws:logs/x:X", "delivery-source:{}"
    ),
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": _named(
        "aws:logs/x:X", "delivery-destination:{}"
    ),
    "aws:cloudwatch/logDelivery:LogDelivery": _log_delivery,
    "aws:xray/group:Group": _xray_group,
    "aws:xray/samplingRule:SamplingRule": _xray_sampling_rule,
    "aws:appautoscaling/target:Target": _scalable_target,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
    "aws:sns/topicSubscription:TopicSubscription": _topic_subscription,
    "aws:sns/topicPolicy:TopicPolicy": _topic_policy,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:budgets/budget:Budget": _budget,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": _identity_pool_roles,
    "random:index/randomId:RandomId": _random_id,
    "aws:secretsmanager/secretRotation:SecretRotation": _secret_rotation,
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": _proxy_default_target_group,
    "aws:rds/proxyTarget:ProxyTarget": _proxy_target,
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        _automated_backups_replication
    ),
    "aws:elasticache/parameterGroup:ParameterGroup": _named(
        "aws:elasticache/x:X", "parametergroup:{}"
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": _named("aws:elasticache/x:X", "subnetgroup:{}"),
}


MOCK_NAT_GATEWAY_COUNT = "mockNatGatewayCount"
"""Output of the mocked awsx VPC only: how many NAT gateways its children would be."""


def _awsx_vpc(m: AwsMocks, name: str, inputs: dict) -> dict:
    """awsx.ec2.Vpc is a packaged component: its outputs must be supplied, per AZ."""
    count = int(inputs.get("numberOfAvailabilityZones") or 2)
    azs = [f"{m.region}{letter}" for letter in "abc"[:count]]

    def ids(kind: str) -> list[str]:
        return [f"subnet-{_digest(name, kind, az)}" for az in azs]

    # A real awsx VPC registers its NAT gateways as child resources (the estimate prices those);
    # under mocks it registers none and its `natGateways` output (resource references) is empty,
    # so the count its strategy makes (one, or one per AZ, awsx's default) stands in for them.
    strategy = (unwrap_secrets(inputs.get("natGateways")) or {}).get("strategy", "OnePerAz")
    nat_count = {"None": 0, "Single": 1}.get(str(strategy), count)
    return {
        "vpcId": f"vpc-{_digest(name)}",
        "publicSubnetIds": ids("public"),
        "privateSubnetIds": ids("private"),
        "isolatedSubnetIds": ids("isolated"),
        "natGateways": [],
        MOCK_NAT_GATEWAY_COUNT: nat_count,
    }


COMPONENT_OUTPUTS: dict[str, Callable[[AwsMocks, str, dict], dict]] = {"awsx:ec2:Vpc": _awsx_vpc}


def render_policy_document(args: Mapping[str, Any]) -> str:
    """Render getPolicyDocument like the provider does: single values unwrapped, sorted keys."""

    def one_or_many(values: list[Any]) -> Any:
        return values[0] if len(values) == 1 else values

    statements = []
    for raw in args.get("statements") or []:
        statement: dict[str, Any] = {}
        if raw.get("sid"):
            statement["Sid"] = raw["sid"]
        statement["Effect"] = raw.get("effect") or "Allow"
        for source, target in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if raw.get(source):
                statement[target] = one_or_many(sorted(raw[source], reverse=True))
        for source, target in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if raw.get(source):
                principal: dict[str, Any] = {}
                for entry in raw[source]:
                    if entry["type"] == "*":
                        principal = "*"  # type: ignore[assignment]
                        break
                    principal.setdefault(entry["type"], []).extend(entry["identifiers"])
                if isinstance(principal, dict):
                    principal = {k: one_or_many(v) for k, v in principal.items()}
                statement[target] = principal
        if raw.get("conditions"):
            conditions: dict[str, dict[str, Any]] = {}
            for condition in raw["conditions"]:
                conditions.setdefault(condition["test"], {})[condition["variable"]] = one_or_many(
                    condition["values"]
                )
            statement["Condition"] = conditions
        statements.append(statement)
    document: dict[str, Any] = {
        "Version": args.get("version") or "2012-10-17",
        "Statement": statements,
    }
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    return json.dumps(document, indent=2)


def _policy_document(m: AwsMocks, args: dict) -> dict:
    if any(is_secret_wrapper(v) for v in args.values()):
        args = unwrap_secrets(args)
    text = render_policy_document(args)
    return {
        "json": text,
        "minifiedJson": json.dumps(json.loads(text), separators=(",", ":")),
        "id": _digest(text),
    }


def _elb_account(m: AwsMocks, args: Mapping[str, Any]) -> str:
    return ELB_LOG_ACCOUNTS.get(args.get("region") or m.region, ELB_LOG_ACCOUNTS["eu-west-1"])


def _secret_version(m: AwsMocks, args: Mapping[str, Any]) -> dict:
    """AWSCURRENT of a secret this run wrote; a read of any other secret is a program error."""
    secret_id = str(args.get("secretId"))
    if args.get("versionStage", "AWSCURRENT") != "AWSCURRENT" or args.get("versionId"):
        raise KeyError(f"the mocks answer only AWSCURRENT of {secret_id}, not {args}")
    if secret_id not in m.secret_values:
        raise KeyError(f"the program reads secret {secret_id}, which no SecretVersion of it wrote")
    return {
        "id": f"{secret_id}|AWSCURRENT",
        "arn": secret_id,
        "secretId": secret_id,
        "secretString": m.secret_values[secret_id],
        "secretBinary": "",
        "versionId": _digest(secret_id),
        "versionStage": "AWSCURRENT",
        "versionStages": ["AWSCURRENT"],
        "createdDate": "2026-12-07T00:00:00Z",
    }


INVOKES: dict[str, Callable[[AwsMocks, dict], dict]] = {
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
    "aws:index/getCallerIdentity:getCallerIdentity": lambda m, a: {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline",
        "userId": "AIDAOFFLINE",
        "id": ACCOUNT_ID,
    },
    "aws:index/getRegion:getRegion": lambda m, a: {
        "name": a.get("region") or m.region,
        "region": a.get("region") or m.region,
        "id": a.get("region") or m.region,
        "endpoint": f"ec2.{m.region}.amazonaws.com",
        "description": m.region,
    },
    "aws:index/getPartition:getPartition": lambda m, a: {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
        "id": "aws",
    },
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda m, a: {
        "names": [f"{m.region}{x}" for x in "abc"],
        "zoneIds": [f"euw1-az{i}" for i in (1, 2, 3)],
        "id": m.region,
    },
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": lambda m, a: {
        "id": "pl-4fa04526",
        "name": a.get("name"),
        "arn": f"arn:aws:ec2:{m.region}:aws:prefix-list/pl-4fa04526",
        "maxEntries": 55,
        "addressFamily": "IPv4",
        "entries": [],
        "ownerId": "AWS",
        "version": 1,
        "tags": {},
    },
    "aws:cloudfront/getCachePolicy:getCachePolicy": lambda m, a: {
        "id": MANAGED_CACHE_POLICIES[a["name"]],
        "name": a["name"],
    },
    "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy": lambda m, a: {
        "id": MANAGED_ORIGIN_REQUEST_POLICIES[a["name"]],
        "name": a["name"],
    },
    "aws:cloudfront/getResponseHeadersPolicy:getResponseHeadersPolicy": lambda m, a: {
        "id": MANAGED_RESPONSE_HEADERS_POLICIES[a["name"]],
        "name": a["name"],
    },
    "aws:elb/getServiceAccount:getServiceAccount": lambda m, a: {
        "arn": f"arn:aws:iam::{_elb_account(m, a)}:root",
        "id": _elb_account(m, a),
    },
}
