"""The app's own credentials, generated at deploy time into Secrets Manager under one CMK.

Nothing here is typed into config: each value is a random password whose result Pulumi keeps
encrypted in state as a secret. The database's master credentials are not here: RDS manages and
rotates them itself (see components/database.py).

Rotation (components/secret_rotation.py) owns every value after the first: the program writes
each secret's first version once, labelled both AWSCURRENT and AWSPREVIOUS (so a task reading
`X_PREVIOUS` starts before the first rotation too), and never touches the labels again.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.contracts import AppSecrets, ComponentArgs, SecretRef
from components.encryption import create_kms_key


class AppSecretsArgs(ComponentArgs):
    recovery_window_days: int
    """Days a deleted secret can be restored (7-30); prod keeps the maximum."""
    protect: bool
    """Pulumi protect on the key and the secrets."""


# How each rotated secret's next value is made (components/handlers/rotate_generated_secret.py):
# `kind:size`. Every secret the program generates is here.
ROTATION_KINDS = {
    "redis-auth-token": "valkey-auth:64",
    "revalidate-secret": "alphanumeric:48",
    "server-actions-key": "base64:32",
    "internal-token": "alphanumeric:48",
}
FIRST_VERSION_STAGES = ["AWSCURRENT", "AWSPREVIOUS"]

# purpose -> (length, description). Passwords are alphanumeric: safe in headers, URLs and the
# Redis AUTH token rules. The server-actions key is raw key material instead (below).
GENERATED = {
    "redis-auth-token": (64, "ElastiCache AUTH token (TLS in transit required)"),
    "revalidate-secret": (48, "Shared secret Hono sends to Next.js on-demand revalidation"),
    "server-actions-key": (32, "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY, identical across tasks"),
    "internal-token": (48, "Token the Next.js and Hono containers present to each other"),
}


class AppSecretsComponent(pulumi.ComponentResource):
    """One customer-managed key and one generated secret per credential."""

    secrets: AppSecrets
    key_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:secrets:AppSecrets", name, None, opts)
        key = create_kms_key(
            f"{name}-key",
            alias=f"{args['name_prefix']}/app-secrets",
            description=f"{args['name_prefix']} application secrets",
            parent=self,
            protect=args["protect"],
        )
        self.key_arn = key.arn
        refs: dict[str, SecretRef] = {}
        values: dict[str, pulumi.Output[str]] = {}
        for purpose, (length, description) in GENERATED.items():
            generated = _generate(f"{name}-{purpose}-value", purpose, length, self)
            secret = aws.secretsmanager.Secret(
                f"{name}-{purpose}",
                name_prefix=f"{args['name_prefix']}/{purpose}-",
                description=description,
                kms_key_id=key.arn,
                recovery_window_in_days=args["recovery_window_days"],
                opts=pulumi.ResourceOptions(parent=self, protect=args["protect"]),
            )
            rotated = purpose in ROTATION_KINDS
            aws.secretsmanager.SecretVersion(
                f"{name}-{purpose}-version",
                secret_id=secret.id,
                secret_string=generated,
                version_stages=FIRST_VERSION_STAGES if rotated else None,
                # Rotation moves the labels afterwards; the program must not move them back.
                opts=pulumi.ResourceOptions(
                    parent=secret, ignore_changes=["versionStages"] if rotated else None
                ),
            )
            refs[purpose] = SecretRef(arn=secret.arn, kms_key_arn=key.arn)
            values[purpose] = pulumi.Output.secret(generated)
        self.secrets = AppSecrets(
            redis_auth_token=refs["redis-auth-token"],
            revalidate_secret=refs["revalidate-secret"],
            server_actions_key=refs["server-actions-key"],
            internal_token=refs["internal-token"],
            redis_auth_token_value=values["redis-auth-token"],
        )
        self.register_outputs({"keyArn": key.arn})


def _generate(name: str, purpose: str, length: int, parent: pulumi.Resource) -> pulumi.Output[str]:
    """The secret value: `length` random bytes base64-encoded for the server-actions key (Next.js
    decodes it into an AES-256 key, like `openssl rand -base64 32`), else an alphanumeric
    password of `length` characters."""
    opts = pulumi.ResourceOptions(parent=parent)
    if purpose == "server-actions-key":
        return pulumi.Output.secret(random.RandomBytes(name, length=length, opts=opts).base64)
    password = random.RandomPassword(name, length=length, special=False, opts=opts)
    return pulumi.Output.secret(password.result)
