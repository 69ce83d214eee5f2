"""perfcheck: the ECS Performance Check App on production-grade AWS. Composition only:
settings in, components, exports out."""

import pulumi
import pulumi_aws as aws

from components.cache import Cache
from components.database import Database
from components.migration import Migration
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

database = Database(
    "database",
    {
        "name_prefix": settings.name_prefix,
        "database": settings.database,
        "is_prod": settings.is_prod,
        "protect": settings.protect,
        "subnet_ids": network.isolated_subnet_ids,
        "security_group_id": network.database_sg_id,
        "proxy_security_group_id": network.database_proxy_sg_id,
    },
    opts=with_aws,
)

cache = Cache(
    "cache",
    {
        "name_prefix": settings.name_prefix,
        "cache": settings.cache,
        "is_prod": settings.is_prod,
        "protect": settings.protect,
        "subnet_ids": network.isolated_subnet_ids,
        "security_group_id": network.cache_sg_id,
        "auth_token": app_secrets.secrets.redis_auth_token_value,
    },
    opts=with_aws,
)

if settings.migration.enabled:
    # The one-off copy off the EFS-backed PostgreSQL (docs/runbooks/database-migration.md).
    migration = Migration(
        "migration",
        {
            "name_prefix": settings.name_prefix,
            "migration": settings.migration,
            "vpc_id": network.vpc_id,
            "vpc_cidr": settings.network.cidr,
            "database_security_group_id": network.database_sg_id,
            "target_host": database.instance_address,
            "target_database": settings.database.database_name,
            "target_secret": database.master_secret,
            "postgres_major": settings.database.major_version,
            "architecture": settings.service.architecture,
            "log_retention_days": settings.database.log_retention_days,
            "log_key_arn": database.key_arn,
        },
        opts=with_aws,
    )
    pulumi.export("migrationTaskDefinitionArn", migration.task_definition_arn)
    pulumi.export("migrationSecurityGroupId", migration.security_group_id)
    pulumi.export("migrationLogGroup", migration.log_group_name)

pulumi.export("environment", settings.environment)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("databaseEndpoint", database.connection.host)
pulumi.export("databasePort", database.connection.port)
pulumi.export("databaseName", database.connection.database_name)
pulumi.export("databaseInstanceIdentifier", database.connection.instance_identifier)
pulumi.export("databaseMasterSecretArn", database.master_secret.arn)
pulumi.export("cacheEndpoint", cache.connection.host)
pulumi.export("cachePort", cache.connection.port)
pulumi.export("cacheReplicationGroupId", cache.connection.replication_group_id)
