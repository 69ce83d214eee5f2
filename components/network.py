"""The network: a VPC over 2-3 AZs with public, private and isolated tiers, flow logs, the
security groups every later tier uses (each open only to the traffic it must carry), and the VPC
endpoints that give everything inside a private path to the AWS APIs it calls.

Reachability: the isolated subnets (database, cache, RDS Proxy) have no route out, so whatever
runs there reaches AWS only through an interface endpoint; the private subnets (tasks) have NAT,
but with private DNS on, an endpoint answers for its service VPC-wide, so its security group must
admit every caller. perfcheck_deploy/reachability.py (policies/deploy) checks both from the
resource records.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from components.contracts import ComponentArgs
from components.encryption import ServiceGrant, create_kms_key
from components.trust import role_with_policy, service_trust_policy
from foundation.endpoints import HTTPS_PORT, INTERFACE_SERVICES

CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
HTTP_PORT = 80
"""The load balancer's listener without a certificate (with one: 443)."""


@dataclass(frozen=True)
class SubnetPlan:
    """CIDR blocks per tier, one per AZ, in AZ order."""

    public: list[str]
    private: list[str]
    isolated: list[str]


def plan_subnets(vpc_cidr: str, availability_zones: int) -> SubnetPlan:
    """Split the VPC range: each AZ gets a quarter; in it, private /2, public /4, isolated /4.

    Private subnets hold the tasks (and the most IPs: one per task ENI); public ones only the
    load balancer and NAT; isolated ones the database and cache.
    """
    network = ipaddress.IPv4Network(vpc_cidr)
    per_az = list(network.subnets(prefixlen_diff=2))[:availability_zones]
    plan = SubnetPlan(public=[], private=[], isolated=[])
    for az_block in per_az:
        private, rest = az_block.subnets(prefixlen_diff=1)
        public, isolated, _spare_a, _spare_b = rest.subnets(prefixlen_diff=2)
        plan.private.append(str(private))
        plan.public.append(str(public))
        plan.isolated.append(str(isolated))
    return plan


class NetworkArgs(ComponentArgs):
    cidr: str
    """VPC IPv4 range."""
    availability_zones: int
    """Number of AZs (2 or 3)."""
    nat_per_az: bool
    """One NAT gateway per AZ (prod) or a single one (staging)."""
    flow_log_retention_days: int
    """Retention of the VPC flow log group."""
    app_port: int
    """The port the load balancer forwards to (the Next.js container)."""
    load_balancer_port: int
    """The port CloudFront reaches the load balancer on (443 with a certificate, else 80)."""
    database_proxy: bool
    """Whether an RDS Proxy sits between the service and the database."""
    protect: bool
    """Pulumi protect on the flow-log key."""


class Network(pulumi.ComponentResource):
    """VPC, subnets, NAT, flow logs and security groups."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    isolated_subnet_ids: pulumi.Output[list[str]]
    load_balancer_sg_id: pulumi.Output[str]
    service_sg_id: pulumi.Output[str]
    database_sg_id: pulumi.Output[str]
    database_proxy_sg_id: pulumi.Output[str] | None
    cache_sg_id: pulumi.Output[str]
    endpoint_sg_ids: dict[str, pulumi.Output[str]]
    """Per interface endpoint service (secretsmanager, logs, ...): its security group, so a later
    caller (the migration task) can be admitted on 443."""
    endpoint_subnet_count: int
    """How many AZs hold each interface endpoint's network interfaces."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:network:Network", name, None, opts)
        plan = plan_subnets(args["cidr"], args["availability_zones"])
        vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args["cidr"],
            number_of_availability_zones=args["availability_zones"],
            enable_dns_hostnames=True,
            enable_dns_support=True,
            subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
            subnet_specs=[
                awsx.ec2.SubnetSpecArgs(
                    type=awsx.ec2.SubnetType.PUBLIC, name="public", cidr_blocks=plan.public
                ),
                awsx.ec2.SubnetSpecArgs(
                    type=awsx.ec2.SubnetType.PRIVATE, name="private", cidr_blocks=plan.private
                ),
                awsx.ec2.SubnetSpecArgs(
                    type=awsx.ec2.SubnetType.ISOLATED, name="isolated", cidr_blocks=plan.isolated
                ),
            ],
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(
                strategy=awsx.ec2.NatGatewayStrategy.ONE_PER_AZ
                if args["nat_per_az"]
                else awsx.ec2.NatGatewayStrategy.SINGLE
            ),
            tags={"Name": f"{args['name_prefix']}-vpc"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.vpc_id = vpc.vpc_id
        self.public_subnet_ids = vpc.public_subnet_ids
        self.private_subnet_ids = vpc.private_subnet_ids
        self.isolated_subnet_ids = vpc.isolated_subnet_ids

        self._flow_logs(name, args)
        self._security_groups(name, args)
        self._endpoints(name, args, vpc)
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "isolatedSubnetIds": self.isolated_subnet_ids,
            }
        )

    def _flow_logs(self, name: str, args: NetworkArgs) -> None:
        """Every accepted and rejected flow, to an encrypted log group with retention."""
        region = aws.get_region_output()
        identity = aws.get_caller_identity_output()
        log_group_name = f"/perfcheck/{args['name_prefix']}/vpc-flow-logs"
        log_group_arn = pulumi.Output.format(
            "arn:aws:logs:{0}:{1}:log-group:{2}", region.region, identity.account_id, log_group_name
        )
        key = create_kms_key(
            f"{name}-flow-logs-key",
            alias=f"{args['name_prefix']}/vpc-flow-logs",
            description=f"{args['name_prefix']} VPC flow logs",
            parent=self,
            grants=[
                ServiceGrant(
                    principal=pulumi.Output.concat("logs.", region.region, ".amazonaws.com"),
                    condition_key="kms:EncryptionContext:aws:logs:arn",
                    condition_values=[log_group_arn],
                )
            ],
            protect=args["protect"],
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=log_group_name,
            retention_in_days=args["flow_log_retention_days"],
            kms_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        assume = service_trust_policy("vpc-flow-logs.amazonaws.com", identity.account_id)
        role, _ = role_with_policy(
            f"{name}-flow-logs-role",
            f"{name}-flow-logs-write",
            trust=assume,
            description="Lets VPC Flow Logs write to its own log group",
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    actions=[
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    resources=[log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
                )
            ],
            parent=self,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _security_groups(self, name: str, args: NetworkArgs) -> None:
        """One group per tier; rules are separate resources, each with a description."""
        prefix = args["name_prefix"]
        # The VPC's default group allows all traffic between its members and all egress; nothing
        # here uses it. Adopted with no rules, so nothing can by accident (docs/security.md).
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc_id,
            ingress=[],
            egress=[],
            tags={"Name": f"{prefix}-default-unused"},
            opts=pulumi.ResourceOptions(parent=self),
        )

        def group(tier: str, description: str) -> aws.ec2.SecurityGroup:
            return aws.ec2.SecurityGroup(
                f"{name}-{tier}-sg",
                vpc_id=self.vpc_id,
                description=description,
                tags={"Name": f"{prefix}-{tier}"},
                opts=pulumi.ResourceOptions(parent=self),
            )

        load_balancer = group("lb", "Load balancer: only CloudFront origin-facing addresses")
        service = group("service", "ECS service tasks (Next.js + Hono + OTel sidecar)")
        database = group("database", "RDS PostgreSQL: only from the service or its proxy")
        cache = group("cache", "ElastiCache: only from the service")

        def permit(
            direction: type[aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule],
            rule: str,
            sg: aws.ec2.SecurityGroup,
            port: int,
            description: str,
            first_port: int | None = None,
            **peer: object,
        ) -> None:
            """TCP `port` (or `first_port` to `port`) between `sg` and a peer, as its own rule."""
            direction(
                f"{name}-{rule}",
                security_group_id=sg.id,
                ip_protocol="tcp",
                from_port=port if first_port is None else first_port,
                to_port=port,
                description=description,
                opts=pulumi.ResourceOptions(parent=sg),
                **peer,  # type: ignore[arg-type]
            )

        ingress = functools.partial(permit, aws.vpc.SecurityGroupIngressRule)
        egress = functools.partial(permit, aws.vpc.SecurityGroupEgressRule)

        # The managed prefix list counts as its max entries against the rules quota, so it is
        # referenced once, from HTTP's port to the listener's: with a certificate the `up` that
        # adds it keeps the HTTP listener until the distribution has moved to the HTTPS origin
        # (minutes), and a rule switched from 80 to 443 at the start would cut every viewer off
        # meanwhile (review 5, R25). Nothing listens between the two ports.
        cloudfront = aws.ec2.get_managed_prefix_list_output(
            name=CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST
        )
        lb_port = args["load_balancer_port"]
        app_port = args["app_port"]
        ingress(
            "lb-from-cloudfront",
            load_balancer,
            lb_port,
            f"CloudFront origin-facing addresses to the listener on {lb_port}"
            + ("" if lb_port == HTTP_PORT else f" (from {HTTP_PORT}: the HTTP one it replaces)"),
            first_port=HTTP_PORT,
            prefix_list_id=cloudfront.id,
        )
        egress(
            "lb-to-service",
            load_balancer,
            app_port,
            "Forward to the Next.js container",
            referenced_security_group_id=service.id,
        )
        ingress(
            "service-from-lb",
            service,
            app_port,
            "Load balancer to the Next.js container",
            referenced_security_group_id=load_balancer.id,
        )
        egress(
            "service-to-https",
            service,
            443,
            "HTTPS: AWS APIs through their VPC endpoints; CloudFront and ECR Public through NAT",
            cidr_ipv4="0.0.0.0/0",
        )
        egress(
            "service-to-cache",
            service,
            6379,
            "Redis/Valkey over TLS",
            referenced_security_group_id=cache.id,
        )
        ingress(
            "cache-from-service",
            cache,
            6379,
            "Service tasks to Redis/Valkey",
            referenced_security_group_id=service.id,
        )

        self.database_proxy_sg_id = None
        if args["database_proxy"]:
            proxy = group("db-proxy", "RDS Proxy: only from the service")
            egress(
                "service-to-proxy",
                service,
                5432,
                "PostgreSQL through RDS Proxy",
                referenced_security_group_id=proxy.id,
            )
            ingress(
                "proxy-from-service",
                proxy,
                5432,
                "Service tasks to RDS Proxy",
                referenced_security_group_id=service.id,
            )
            egress(
                "proxy-to-database",
                proxy,
                5432,
                "RDS Proxy to PostgreSQL",
                referenced_security_group_id=database.id,
            )
            ingress(
                "database-from-proxy",
                database,
                5432,
                "RDS Proxy to PostgreSQL",
                referenced_security_group_id=proxy.id,
            )
            self.database_proxy_sg_id = proxy.id
        else:
            egress(
                "service-to-database",
                service,
                5432,
                "PostgreSQL",
                referenced_security_group_id=database.id,
            )
            ingress(
                "database-from-service",
                database,
                5432,
                "Service tasks to PostgreSQL",
                referenced_security_group_id=service.id,
            )

        self.load_balancer_sg_id = load_balancer.id
        self.service_sg_id = service.id
        self.database_sg_id = database.id
        self.cache_sg_id = cache.id

    def _endpoints(self, name: str, args: NetworkArgs, vpc: awsx.ec2.Vpc) -> None:
        """Interface endpoints (private DNS on) in the isolated subnets, each with its own security
        group admitting 443 only from the groups that call it; an S3 gateway endpoint on every
        route table (ECR image layers come from S3).

        Placement: one interface per AZ when the VPC has a NAT per AZ (prod: an AZ loss leaves
        the others' endpoints), else only the first AZ (staging: its one NAT is single-AZ too, and
        every AZ still resolves the endpoint through private DNS).
        """
        region = aws.get_region_output().region
        prefix = args["name_prefix"]
        self.endpoint_subnet_count = args["availability_zones"] if args["nat_per_az"] else 1
        count = self.endpoint_subnet_count
        subnet_ids = vpc.isolated_subnet_ids.apply(lambda ids: list(ids)[:count])
        # RDS Proxy is not a caller: with end-to-end IAM authentication it reads no secret
        # (components/database.py). A proxy given a Secrets Manager auth entry would need the
        # secretsmanager and kms endpoints to admit it: deploycheck reachability says so.
        callers: dict[str, list[tuple[str, pulumi.Output[str]]]] = {
            service: [("service", self.service_sg_id)] for service in INTERFACE_SERVICES
        }

        self.endpoint_sg_ids = {}
        for service, groups in callers.items():
            slug = service.replace(".", "-")
            group = aws.ec2.SecurityGroup(
                f"{name}-endpoint-{slug}-sg",
                vpc_id=self.vpc_id,
                description=f"VPC endpoint {service}: HTTPS from its callers only",
                tags={"Name": f"{prefix}-endpoint-{slug}"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for caller, caller_sg in groups:
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-endpoint-{slug}-from-{caller}",
                    security_group_id=group.id,
                    ip_protocol="tcp",
                    from_port=HTTPS_PORT,
                    to_port=HTTPS_PORT,
                    referenced_security_group_id=caller_sg,
                    description=f"{caller} to {service} over HTTPS",
                    opts=pulumi.ResourceOptions(parent=group),
                )
                if caller != "service":  # the service already has 443 out to anywhere (NAT)
                    aws.vpc.SecurityGroupEgressRule(
                        f"{name}-{caller}-to-endpoint-{slug}",
                        security_group_id=caller_sg,
                        ip_protocol="tcp",
                        from_port=HTTPS_PORT,
                        to_port=HTTPS_PORT,
                        referenced_security_group_id=group.id,
                        description=f"HTTPS to the {service} endpoint",
                        opts=pulumi.ResourceOptions(parent=group),
                    )
            aws.ec2.VpcEndpoint(
                f"{name}-endpoint-{slug}",
                vpc_id=self.vpc_id,
                service_name=pulumi.Output.concat("com.amazonaws.", region, ".", service),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnet_ids,
                security_group_ids=[group.id],
                policy=_same_account_endpoint_policy(),
                tags={"Name": f"{prefix}-{slug}"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.endpoint_sg_ids[service] = group.id

        aws.ec2.VpcEndpoint(
            f"{name}-endpoint-s3",
            vpc_id=self.vpc_id,
            service_name=pulumi.Output.concat("com.amazonaws.", region, ".s3"),
            vpc_endpoint_type="Gateway",
            route_table_ids=vpc.route_tables.apply(
                lambda tables: pulumi.Output.all(*[table.id for table in tables or []])
            ),
            policy=_s3_endpoint_policy(region),
            tags={"Name": f"{prefix}-s3"},
            opts=pulumi.ResourceOptions(parent=self),
        )


def _this_account_statement() -> aws.iam.GetPolicyDocumentStatementArgs:
    account = aws.get_caller_identity_output().account_id
    return aws.iam.GetPolicyDocumentStatementArgs(
        sid="OnlyThisAccount",
        principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="*", identifiers=["*"])],
        actions=["*"],
        resources=["*"],
        conditions=[
            aws.iam.GetPolicyDocumentStatementConditionArgs(
                test="StringEquals", variable="aws:PrincipalAccount", values=[account]
            )
        ],
    )


def _same_account_endpoint_policy() -> pulumi.Output[str]:
    """Endpoint policy: only principals of this account may use the endpoint (a stolen foreign
    credential cannot exfiltrate through it)."""
    return aws.iam.get_policy_document_output(statements=[_this_account_statement()]).json


def _s3_endpoint_policy(region: pulumi.Output[str]) -> pulumi.Output[str]:
    """This account's principals, plus reading ECR's image layers: the layer download URLs
    ECR hands out point at its AWS-owned bucket and are not signed by this account, so the
    same-account rule alone would break every image pull (ECR user guide, "Minimum Amazon S3
    bucket permissions for Amazon ECR")."""
    return aws.iam.get_policy_document_output(
        statements=[
            _this_account_statement(),
            aws.iam.GetPolicyDocumentStatementArgs(
                sid="EcrImageLayers",
                principals=[
                    aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="*", identifiers=["*"])
                ],
                actions=["s3:GetObject"],
                resources=[
                    pulumi.Output.concat("arn:aws:s3:::prod-", region, "-starport-layer-bucket/*")
                ],
            ),
        ]
    ).json
