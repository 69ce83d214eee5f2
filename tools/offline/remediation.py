"""What to edit in THIS project when a rule fails: the stack setting, or the code that decides.

The packs are generic (they judge any Pulumi program), so their remediation names resource
arguments (`multi_az=True`). An operator edits a stack file, not a resource call: this table says,
per rule, which `perfcheck:` setting controls the finding, or which module to touch when no
setting does. A test keeps it complete: every rule of both packs has an entry.
"""

from __future__ import annotations

from tools.offline.policy_driver import load_pack

COST_CONFIG = "policies/config/<stack>.cost.json"

FIX_FOR_RULE: dict[str, str] = {
    # Data safety: the database and cache settings.
    "rds-multi-az": "set perfcheck:database.multiAz: true",
    "rds-deletion-protection": "set perfcheck:database.deletionProtection: true",
    "rds-backup-retention": (
        "raise perfcheck:database.backupRetentionDays to the rule's minimumDays (at most 35)"
    ),
    "elasticache-automatic-failover": (
        "set perfcheck:cache.multiAz: true and perfcheck:cache.nodes: 2 or more"
    ),
    "elasticache-snapshot-retention": "set perfcheck:cache.snapshotRetentionDays (1 to 35)",
    "stateful-resources-protected": "set perfcheck:protect: true",
    # Sizes and spend: settings, or the stack's reviewed allow-lists.
    "rds-instance-class-allowed": (
        "set perfcheck:database.instanceClass to a class in allowedInstanceClasses, or add the "
        f"class there in {COST_CONFIG} (a reviewed change)"
    ),
    "elasticache-node-type-allowed": (
        "set perfcheck:cache.nodeType to a type in allowedNodeTypes, or add the type there in "
        f"{COST_CONFIG} (a reviewed change)"
    ),
    "cloudwatch-log-group-retention": (
        "lower the *RetentionDays settings (perfcheck:service.logRetentionDays, "
        "database.logRetentionDays, network.flowLogRetentionDays, cache.slowLogRetentionDays) to "
        f"at most maximumDays in {COST_CONFIG}"
    ),
    "budget-exists": "set perfcheck:budget.monthlyUsd and perfcheck:budget.alertEmails",
    "budget-sees-untagged-spend": (
        "set perfcheck:budget.accountMonthlyUsd (the account budget, no filter; at least "
        "budget.monthlyUsd) and perfcheck:budget.alertEmails; code: components/observability.py"
    ),
    "monthly-estimate-within-budget": (
        "lower the sizes (perfcheck:database.instanceClass, cache.nodeType, cache.nodes, "
        "service.cpu/memory, service.minTasks) or the usage assumptions (perfcheck:usage.*), or "
        "raise perfcheck:budget.monthlyUsd (docs/cost.md)"
    ),
    "worst-month-within-budget": (
        "lower perfcheck:service.maxTasks, or raise perfcheck:budget.monthlyUsd so a month at "
        "the scaling maximum is budgeted (docs/cost.md, worst month)"
    ),
    "required-cost-tags": (
        "set perfcheck:tags.owner and perfcheck:tags.costCenter; Project, Environment (the stack "
        "name) and ManagedBy come from the program (components/tagging.py)"
    ),
    "no-gp2-storage": "code: components/database.py (storage_type gp3)",
    # Edge and TLS: the owners' domain and certificate decisions.
    "cloudfront-viewer-tls": "set perfcheck:cdn.domainName and perfcheck:cdn.hostedZoneId",
    "cloudfront-origin-https": (
        "set perfcheck:service.certificateArn (a regional ACM certificate for the ALB)"
    ),
    "cloudfront-https-origin-name-coverable": (
        "set perfcheck:service.originDomainName (a name the ALB's certificate covers, in "
        "cdn.domainName's zone)"
    ),
    "alb-http-listener-redirects-to-https": "set perfcheck:service.certificateArn",
    "alb-http-listener-rules-redirect-to-https": "set perfcheck:service.certificateArn",
    "alb-https-listener-tls-policy": "code: components/load_balancer.py (ssl_policy)",
    "nlb-tls-listener-access-logs": "code: components/load_balancer.py (access_logs)",
    "cloudfront-viewer-https": "code: components/cache_behaviours.py (viewer_protocol_policy)",
    # Containers: the service settings, then the container definitions.
    "ecs-container-non-root-user": (
        "set perfcheck:service.runAsUser to uid:gid, never 0; sidecars: "
        "components/container_definitions.py"
    ),
    "ecs-essential-container-health-check": (
        "set perfcheck:service.nextjs.healthPath / hono.healthPath; sidecars: "
        "components/container_definitions.py; the migration task: components/migration.py"
    ),
    "ecs-container-read-only-root-filesystem": "code: components/container_definitions.py",
    "ecs-exec-writable-root": (
        "set perfcheck:service.execEnabled: false (or service.readonlyRootFilesystem: false, "
        "which ecs-container-read-only-root-filesystem then reports)"
    ),
    "ecs-depends-on-healthy-has-health-check": "code: components/container_definitions.py",
    "ecs-container-logging": "code: components/container_definitions.py",
    "ecs-container-not-privileged": "code: components/container_definitions.py",
    "ecs-task-images-pinned-by-digest": (
        "pin by digest: set perfcheck:service.<app>.imageDigest (the digest staging verified), "
        "perfcheck:service.otelCollectorImage, perfcheck:database.toolsImage or "
        "perfcheck:database.tokenImage to repository[:tag]@sha256:<64 hex digits>"
    ),
    "ecs-no-credentials-in-environment": (
        "code: components/container_definitions.py (put the value in Secrets Manager, "
        "components/secrets.py, and list it under the container's secrets)"
    ),
    "no-credentials-in-resource-inputs": (
        "code: the resource's component (put the value in Secrets Manager, components/secrets.py, "
        "and pass its ARN)"
    ),
    "ecs-service-no-public-ip": "code: components/web_service.py (network configuration)",
    "ecs-service-circuit-breaker-rollback": "code: components/web_service.py",
    "ecs-service-deploys-with-automatic-rollback": (
        "set perfcheck:service.deploymentStrategy: canary (or linear, blue-green) and "
        "service.bakeTimeMinutes; the alarms and circuit breaker: components/web_service.py"
    ),
    "alb-behind-cloudfront-internal": (
        "code: components/load_balancer.py (internal ALB) and components/cdn.py (VPC origin)"
    ),
    "one-front-door": (
        "code: components/load_balancer.py (internal) and components/cdn.py, or name the extra "
        "door with its reason under allowedFrontDoors in policies/config/<stack>.guardrails.json"
    ),
    "ecs-cluster-container-insights": "code: components/web_service.py",
    "ecs-task-role-distinct-from-execution-role": "code: components/web_iam.py",
    # Encryption and placement: fixed in code, never a setting.
    "rds-storage-encrypted": "code: components/database.py",
    "rds-performance-insights-encrypted": "code: components/database.py",
    "rds-not-publicly-accessible": "code: components/database.py",
    "rds-final-snapshot": "code: components/database.py",
    "rds-force-ssl": "code: components/database.py (parameter group)",
    "elasticache-encrypted-at-rest": "code: components/cache.py",
    "elasticache-in-transit-encryption": "code: components/cache.py",
    "efs-encrypted": (
        "the program creates no EFS; remove the file system, or encrypt it in its components/ "
        "module"
    ),
    "no-database-on-efs": (
        "the database runs on RDS (components/database.py); remove the database container"
    ),
    "efs-not-used-by-database": "remove the EFS volume from the task definition",
    "s3-bucket-encryption-configured": (
        "code: the bucket's component (components/cdn.py, components/load_balancer.py)"
    ),
    "sns-topic-encrypted": "code: components/observability.py",
    "secretsmanager-secret-customer-managed-key": "code: components/secrets.py",
    "cloudwatch-log-group-encrypted": "code: components/encryption.py (log group keys)",
    "kms-key-rotation-enabled": "code: components/encryption.py",
    "security-group-no-public-ingress": "code: components/network.py",
    # Rules added against bypasses (issue 15): fixed in code, or an exemption that is out of date.
    "cloudfront-web-acl": "set perfcheck:cdn.wafEnabled: true (rules: components/waf_rules.py)",
    "ebs-volume-encrypted": "the program creates no EBS volume; remove it, or encrypt it in its "
    "components/ module",
    "ecr-repository-immutable-scanned": "code: components/web_service.py (ECR repositories)",
    "elasticache-rbac-no-open-user": "code: components/cache.py (AUTH token, no open default user)",
    "memorydb-cluster-secure": "the program creates no MemoryDB; remove it, or give it TLS, a "
    "customer managed key and an ACL in its components/ module",
    "no-classic-load-balancer": "remove the Classic Load Balancer (components/load_balancer.py "
    "builds an Application Load Balancer)",
    "rds-managed-master-password": "code: components/database.py (manage_master_user_password)",
    "rds-proxy-require-tls": "code: components/database.py (the proxy's require_tls)",
    "resource-provider-understood": "build the resource with pulumi-aws in a components/ module, "
    "or remove it (the packs do not judge other providers)",
    "s3-bucket-not-public": "code: the bucket's component (components/cdn.py, "
    "components/load_balancer.py): block public access, no public policy",
    "resource-policy-not-public": "code: the resource's component (components/): name this "
    "account's principals or AWS services with an aws:SourceArn or aws:SourceAccount condition",
    "ssm-parameter-secure-string": "code: the parameter's component (components/secrets.py): a "
    "SecureString under the stack's KMS key, or a Secrets Manager secret",
    "guardrails-exemptions-current": "remove the exemption the finding names from "
    "policies/config/<stack>.guardrails.json (it matches nothing, or no finding any more)",
    "cost-exemptions-current": "remove the exemption the finding names from "
    "policies/config/<stack>.cost.json (it matches nothing, or no finding any more)",
    # Issue 22: types no rule judges, type families, hollow controls, run-time resources.
    "resource-type-judged": "add a rule for the type, or list the type with the reason it needs "
    "none under reviewedTypes in policies/config/<stack>.guardrails.json (remove a stale entry)",
    "data-encrypted-at-rest": "the program creates no such data store; remove it, or encrypt it "
    "in its components/ module",
    "front-door-tls-minimum": "the program has no such front door; remove it, or set its TLS 1.2 "
    "policy in its components/ module",
    "rds-tls-minimum-version": "code: components/database.py (parameter group: no TLS below 1.2)",
    "sns-subscription-https": "code: components/observability.py (subscribe over https or email)",
    "waf-web-acl-effective": "code: components/waf_rules.py (rule groups with override none, "
    "blocking rate limits)",
    "ecs-deployment-bake-time-not-zero": "set perfcheck:service.bakeTimeMinutes and "
    "canaryBakeMinutes above 0",
    "control-not-switched-off": "code: the resource's component (components/): remove the off "
    "switch (alarm actions, rule state, health check, logging) or the resource; rotate secrets at "
    "least every 90 days (components/secret_rotation.py)",
    "efs-volume-transit-encryption": "code: the task's component (components/): transit "
    "encryption ENABLED on every EFS volume",
    "ebs-instance-template-in-stack": "the program creates no EC2 instance; remove it, or create "
    "its launch template in its components/ module with encrypted block devices",
    "ecs-deployment-controller-rolls-back": "code: components/web_service.py (the ECS deployment "
    "controller with the circuit breaker's rollback)",
    "ecs-managed-ebs-volume-encrypted": "code: components/web_service.py (encrypted task volumes)",
    "lambda-log-group-managed": "code: the function's component (components/secret_rotation.py, "
    "components/rotation_redeploy.py): an explicit log group passed as logging_config",
    "rds-export-log-groups-managed": "code: components/database.py (an explicit log group "
    "/aws/rds/instance/<id>/<log> for each exported log, created before the database)",
    "identity-policy-not-administrator": "code: the role's components/ module (name the actions "
    "the workload calls; NotAction only in Deny statements)",
    "autoscaling-group-launch-template": "the program creates no Auto Scaling group; remove it, "
    "or start it from a launch template in its components/ module",
    "vpc-nat-gateway-per-az": "set perfcheck:network.natGateways: one-per-az (or allow the "
    "strategy in policies/config/<stack>.guardrails.json after review)",
    "ecs-exec-disabled": "set perfcheck:service.execEnabled: false (or allowExecuteCommand in "
    "policies/config/<stack>.guardrails.json)",
    "provider-default-tags-this-stack": "code: components/tagging.py (default tags from the "
    "project and stack, not a copied provider)",
    "ecs-tasks-carry-tags": "code: components/web_service.py (propagate_tags SERVICE)",
    "provider-no-static-credentials": "remove access_key/secret_key/token from the explicit "
    "aws.Provider in its components/ module (the deploy role's credentials apply)",
    "web-identity-trust-narrowed": "code: the role's components/ module (a ':sub' condition "
    "naming the repository, e.g. components/trust.py's table)",
    "ecs-service-serving-tasks": "set perfcheck:service.minTasks to at least the stack's "
    "minimumServingTasks (policies/config/<stack>.guardrails.json)",
}


DEPLOY_FIX = (
    "change the argument of the resource in components/ (or the perfcheck: setting it comes "
    "from) to the value the finding says AWS accepts"
)
"""The deploy pack's rules: each finding names its own fix; the project's edit is in code."""
FIX_FOR_RULE.update(
    dict.fromkeys((rule.name for rule in load_pack("deploy").policies), DEPLOY_FIX)
    | {"deploy-exemptions-current": "remove the stale exemption from policies/config/"}
)


def fix_for(policy: str, pack_remediation: str | None) -> str:
    """The project's fix for `policy`, else the pack's own remediation."""
    return FIX_FOR_RULE.get(policy) or pack_remediation or "see policies/README.md"
