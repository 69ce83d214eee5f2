"""perfcheck: the ECS Performance Check App on production-grade AWS. Composition only:
settings in, components, exports out."""

import pulumi
import pulumi_aws as aws

from components.cdn import Cdn
from components.load_balancer import LoadBalancer
from components.network import Network
from components.secrets import AppSecretsComponent
from components.tagging import apply_cost_tags
from settings import SettingsError, load_settings

try:
    settings = load_settings()
except SettingsError as error:
    # One line per problem, no traceback, nothing registered.
    raise pulumi.RunError(error.render()) from None

apply_cost_tags(settings.cost_tags)
provider = aws.Provider(
    "aws",
    region=settings.region,
    default_tags=aws.ProviderDefaultTagsArgs(tags=settings.cost_tags),
)
with_aws = pulumi.ResourceOptions(providers={"aws": provider})

network = Network(
    "network",
    {
        "name_prefix": settings.name_prefix,
        "cidr": settings.network.cidr,
        "availability_zones": settings.network.availability_zones,
        "nat_per_az": settings.network.nat_gateways == "one-per-az",
        "flow_log_retention_days": settings.network.flow_log_retention_days,
        "app_port": settings.service.nextjs.port,
        "load_balancer_port": 443 if settings.service.certificate_arn else 80,
        "database_proxy": settings.database.proxy_enabled,
        "protect": settings.protect,
    },
    opts=with_aws,
)

app_secrets = AppSecretsComponent(
    "app-secrets",
    {
        "name_prefix": settings.name_prefix,
        "recovery_window_days": 30 if settings.is_prod else 7,
        "protect": settings.protect,
    },
    opts=with_aws,
)

load_balancer = LoadBalancer(
    "load-balancer",
    {
        "name_prefix": settings.name_prefix,
        "vpc_id": network.vpc_id,
        "public_subnet_ids": network.public_subnet_ids,
        "security_group_id": network.load_balancer_sg_id,
        "app_port": settings.service.nextjs.port,
        "health_path": settings.service.nextjs.health_path,
        "deregistration_delay_seconds": settings.service.deregistration_delay_seconds,
        "certificate_arn": settings.service.certificate_arn,
        "deletion_protection": settings.is_prod,
        "log_retention_days": settings.service.log_retention_days,
        "protect": settings.protect,
        "origin_verify_value": app_secrets.secrets.origin_verify_value,
    },
    opts=with_aws,
)

cdn = Cdn(
    "cdn",
    {
        "name_prefix": settings.name_prefix,
        "settings": settings.cdn,
        "origin": load_balancer.origin,
        "origin_verify_value": app_secrets.secrets.origin_verify_value,
        "log_retention_days": settings.cdn.log_retention_days,
        "protect": settings.protect,
    },
    opts=with_aws,
)

pulumi.export("environment", settings.environment)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("albDnsName", load_balancer.dns_name)
pulumi.export("distributionId", cdn.distribution.id)
pulumi.export("cdnDomainName", cdn.distribution.domain_name)
pulumi.export("publicUrl", cdn.public_url)
