"""The first deploy's database bootstrap, run by `pulumi up` itself, before the service.

The service's tasks log in as `perfcheck_app`, which exists only once the owner role has been
created by the RDS master user and the app role by the owner. Instead of a person doing that
between two `up`s (the service would otherwise wait for health checks that cannot pass), the
first `up` runs one Fargate task (components/migration.py `DatabaseBootstrap`) that reads the
master secret through its own execution role and applies `bootstrap_sql`. A small Lambda starts
it and waits for it to stop; an `aws.lambda_.Invocation` calls the Lambda once per task
definition (a new SQL or database address re-runs it: the SQL is idempotent), and the web
service depends on that invocation (docs/runbooks/data-tier-first-deploy.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.contracts import ComponentArgs
from components.migration import DatabaseBootstrap
from components.rotation_redeploy import logged_function

HANDLER = Path(__file__).parent / "handlers" / "run_database_bootstrap.py"
LAMBDA_TIMEOUT_SECONDS = 900
"""Lambda's maximum: a Fargate task starts in one to three minutes and the SQL takes seconds."""


class DatabaseBootstrapRunArgs(ComponentArgs):
    task: DatabaseBootstrap
    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    log_retention_days: int
    protect: bool


class DatabaseBootstrapRun(pulumi.ComponentResource):
    """The Lambda that runs the bootstrap task, and its one invocation per task definition."""

    invocation: aws.lambda_.Invocation

    def __init__(
        self, name: str, args: DatabaseBootstrapRunArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:database:DatabaseBootstrapRun", name, None, opts)
        prefix = args["name_prefix"]
        task = args["task"]
        region = aws.get_region_output().region
        account = aws.get_caller_identity_output().account_id
        statement = aws.iam.GetPolicyDocumentStatementArgs
        condition = aws.iam.GetPolicyDocumentStatementConditionArgs
        function = logged_function(
            self,
            name,
            function_name=f"{prefix}-db-bootstrap",
            key_alias=f"{prefix}/db-bootstrap-logs",
            description="Runs the database bootstrap task once per task definition",
            handler_file=HANDLER,
            statements=[
                statement(
                    sid="RunTheBootstrapTask",
                    actions=["ecs:RunTask"],
                    resources=[
                        pulumi.Output.format(
                            "arn:aws:ecs:{0}:{1}:task-definition/{2}:*",
                            region,
                            account,
                            task.family,
                        )
                    ],
                    conditions=[
                        condition(
                            test="ArnEquals", variable="ecs:cluster", values=[args["cluster_arn"]]
                        )
                    ],
                ),
                statement(
                    sid="WatchIt",
                    actions=["ecs:DescribeTasks"],
                    resources=[
                        pulumi.Output.format(
                            "arn:aws:ecs:{0}:{1}:task/{2}/*", region, account, args["cluster_name"]
                        )
                    ],
                ),
                statement(
                    sid="PassItsRoles",
                    actions=["iam:PassRole"],
                    resources=task.role_arns,
                    conditions=[
                        condition(
                            test="StringEquals",
                            variable="iam:PassedToService",
                            values=["ecs-tasks.amazonaws.com"],
                        )
                    ],
                ),
            ],
            environment={},
            log_retention_days=args["log_retention_days"],
            protect=args["protect"],
            timeout=LAMBDA_TIMEOUT_SECONDS,
        )
        request = pulumi.Output.json_dumps(
            {
                "cluster": args["cluster_arn"],
                "taskDefinition": task.task_definition_arn,
                "container": DatabaseBootstrap.container_name,
                "subnets": args["subnet_ids"],
                "securityGroups": [task.security_group_id],
                "logGroup": task.log_group_name,
            }
        )
        self.invocation = aws.lambda_.Invocation(
            f"{name}-invocation",
            function_name=function.name,
            input=request,
            triggers={"taskDefinition": task.task_definition_arn},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"functionName": function.name})
