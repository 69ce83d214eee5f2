"""perfcheck: the ECS Performance Check App on production-grade AWS. Composition only:
settings in, components, exports out.

Order: network -> secrets -> database, cache -> internal load balancer -> CDN (VPC origin) ->
observability (its alarms must exist before the service that rolls back on them) -> the
database bootstrap (owner and app roles, run once in the web cluster) -> web service
(deployment strategy from settings) -> the rotation of the generated secrets and the redeploy
that follows each one.
"""

import pulumi
import pulumi_aws as aws

from components.cache import Cache
from components.cdn import Cdn
from components.database import MASTER_USERNAME, Database
from components.database_bootstrap import DatabaseBootstrapRun
from components.dr_images import replicate_release_images
from components.load_balancer import LoadBalancer
from components.migration import DatabaseBootstrap, DatabaseRoles, Migration
from components.naming import cluster_name, service_name
from components.network import Network
from components.observability import Observability
from components.permissions_boundary import apply_permissions_boundary
from components.rotation_redeploy import RotationRedeploy
from components.secret_rotation import GeneratedSecretRotation, rotated_secrets
from components.secrets import AppSecretsComponent
from components.tagging import apply_cost_tags
from components.web_service import WebService, deployment_summary
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
apply_permissions_boundary(
    aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider)).account_id,
    pulumi.get_stack(),
)

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

database_task_args = {
    "name_prefix": settings.name_prefix,
    "vpc_id": network.vpc_id,
    "database_security_group_id": network.database_sg_id,
    "endpoint_security_group_ids": network.endpoint_sg_ids,
    "target_host": database.instance_address,
    "target_database": settings.database.database_name,
    "owner_connect_arn": database.owner_connect_arn,
    "postgres_major": settings.database.major_version,
    "tools_image": settings.database.one_off_tools_image,
    "token_image": settings.database.token_image,
    "architecture": settings.service.architecture,
    "log_retention_days": settings.database.log_retention_days,
    "log_key_arn": database.key_arn,
}
# The app role and its grants, re-applied by an operator-started task as the owner role after a
# schema change (docs/runbooks/data-tier-first-deploy.md).
database_roles = DatabaseRoles("database-roles", database_task_args, opts=with_aws)  # type: ignore[arg-type]
# The first deploy's owner role, app role and grants, as the master user: run by `pulumi up`
# before the service is created (components/database_bootstrap.py).
database_bootstrap = DatabaseBootstrap(
    "database-bootstrap",
    {
        **database_task_args,  # type: ignore[typeddict-item]
        "master_user": MASTER_USERNAME,
        "master_secret": database.master_secret,
    },
    opts=with_aws,
)


def run_database_bootstrap(cluster: aws.ecs.Cluster) -> list[pulumi.Resource]:
    """The bootstrap's one run in the web cluster; the service waits for it."""
    run = DatabaseBootstrapRun(
        "database-bootstrap-run",
        {
            "name_prefix": settings.name_prefix,
            "task": database_bootstrap,
            "cluster_name": cluster.name,
            "cluster_arn": cluster.arn,
            "subnet_ids": network.private_subnet_ids,
            "log_retention_days": settings.database.log_retention_days,
            "protect": settings.protect,
        },
        opts=with_aws,
    )
    return [run.invocation]


pulumi.export("databaseRolesTaskDefinitionArn", database_roles.task_definition_arn)
pulumi.export("databaseRolesSecurityGroupId", database_roles.security_group_id)

if settings.migration.enabled:
    # The one-off copy off the EFS-backed PostgreSQL (docs/runbooks/database-migration.md).
    migration = Migration(
        "migration",
        {
            **database_task_args,  # type: ignore[typeddict-item]
            "migration": settings.migration,
            "vpc_cidr": settings.network.cidr,
        },
        opts=with_aws,
    )
    pulumi.export("migrationTaskDefinitionArn", migration.task_definition_arn)
    pulumi.export("migrationSecurityGroupId", migration.security_group_id)
    pulumi.export("migrationLogGroup", migration.log_group_name)

load_balancer = LoadBalancer(
    "load-balancer",
    {
        "name_prefix": settings.name_prefix,
        "vpc_id": network.vpc_id,
        "private_subnet_ids": network.private_subnet_ids,
        "security_group_id": network.load_balancer_sg_id,
        "app_port": settings.service.nextjs.port,
        "health_path": settings.service.nextjs.health_path,
        "deregistration_delay_seconds": settings.service.deregistration_delay_seconds,
        "certificate_arn": settings.service.certificate_arn,
        "deletion_protection": settings.is_prod,
        "log_retention_days": settings.service.log_retention_days,
        "protect": settings.protect,
    },
    opts=with_aws,
)

cdn = Cdn(
    "cdn",
    {
        "name_prefix": settings.name_prefix,
        "settings": settings.cdn,
        "origin": load_balancer.origin,
        "origin_domain_name": settings.service.origin_domain_name,
        "log_retention_days": settings.cdn.log_retention_days,
        "protect": settings.protect,
    },
    opts=with_aws,
)

observability = Observability(
    "observability",
    {
        "name_prefix": settings.name_prefix,
        "region": settings.region,
        "alarms": settings.alarms,
        "budget": settings.budget,
        "budget_cost_tag": ("CostCenter", settings.tags.cost_center),
        "cluster_name": cluster_name(settings.name_prefix),
        "service_name": service_name(settings.name_prefix),
        "load_balancer": load_balancer.origin,
        "database": database.connection,
        "database_max_connections": settings.database.max_connections,
        "cache": cache.connection,
        "cache_nodes": settings.cache.nodes,
        "distribution": cdn.distribution,
        "cdn_additional_metrics": settings.cdn.realtime_metrics,
        "public_domain": settings.cdn.domain_name,
        "protect": settings.protect,
    },
    opts=with_aws,
)

web = WebService(
    "web",
    {
        "name_prefix": settings.name_prefix,
        "project": settings.project,
        "stack": settings.stack,
        "environment": settings.environment,
        "region": settings.region,
        "service": settings.service,
        "private_subnet_ids": network.private_subnet_ids,
        "security_group_id": network.service_sg_id,
        "cluster_name": cluster_name(settings.name_prefix),
        "service_name": service_name(settings.name_prefix),
        "origin": load_balancer.origin,
        "database": database.connection,
        "cache": cache.connection,
        "secrets": app_secrets.secrets,
        "distribution": cdn.distribution,
        "rollback_alarm_names": observability.rollback_alarm_names,
        "rollback_alarms_owner": observability,
        "before_service": run_database_bootstrap,
        "log_retention_days": settings.service.log_retention_days,
        "xray_insights": settings.is_prod,
        "protect": settings.protect,
    },
    opts=with_aws,
)

GeneratedSecretRotation(
    "secret-rotation",
    {
        "name_prefix": settings.name_prefix,
        "secrets": app_secrets.secrets,
        "key_arn": app_secrets.key_arn,
        "replication_group_id": cache.replication_group_id,
        "log_retention_days": settings.service.log_retention_days,
        "protect": settings.protect,
        "cache_group": cache.group,
    },
    opts=with_aws,
)
RotationRedeploy(
    "rotation-redeploy",
    {
        "name_prefix": settings.name_prefix,
        "secret_arns": list(rotated_secrets(app_secrets.secrets).values()),
        "secret_key_arn": app_secrets.key_arn,
        "valkey_secret_arn": app_secrets.secrets.redis_auth_token.arn,
        "replication_group_id": cache.replication_group_id,
        "cluster_name": cluster_name(settings.name_prefix),
        "service_name": service_name(settings.name_prefix),
        "log_retention_days": settings.service.log_retention_days,
        "protect": settings.protect,
    },
    opts=pulumi.ResourceOptions.merge(with_aws, pulumi.ResourceOptions(depends_on=[web])),
)

if settings.database.dr_region is not None:
    # Region loss (docs/runbooks/disaster-recovery.md): the release images and the backups' ARN.
    replicate_release_images(
        "release-images-dr",
        settings.database.dr_region,
        [image for image in (settings.service.nextjs.image, settings.service.hono.image) if image],
        with_aws,
    )
# Null without a DR region: the name exists in every stack, so a procedure can ask for it.
pulumi.export("databaseDrBackupsArn", database.dr_backups_arn)

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
pulumi.export("albDnsName", load_balancer.dns_name)
pulumi.export("distributionId", cdn.distribution.id)
pulumi.export("cdnDomainName", cdn.distribution.domain_name)
pulumi.export("publicUrl", cdn.public_url)
pulumi.export("clusterName", web.cluster_name)
pulumi.export("serviceName", web.service_name)
pulumi.export("taskDefinitionArn", web.task_definition_arn)
pulumi.export("taskRoleArn", web.task_role_arn)
pulumi.export("repositoryUrls", web.repository_urls)
pulumi.export("images", web.images)
pulumi.export("logGroupNames", web.log_group_names)
pulumi.export("rollbackAlarmNames", observability.rollback_alarm_names)
pulumi.export("deployment", deployment_summary(settings.service))
pulumi.export("alarmTopicArn", observability.alarm_topic_arn)
pulumi.export("dashboardName", observability.dashboard_name)
pulumi.export("rumAppMonitorId", observability.rum_app_monitor_id)
pulumi.export("rumIdentityPoolId", observability.rum_identity_pool_id)
pulumi.export("rumGuestRoleArn", observability.rum_guest_role_arn)
pulumi.export("rumRegion", observability.rum_region)
pulumi.export("budgetName", observability.budget_name)
