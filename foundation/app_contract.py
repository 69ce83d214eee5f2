"""The contract between the infrastructure and the app's containers: names, ports, variables.

One source of truth for the task definition, the local Docker Compose setup and their tests, so
that what a developer runs locally matches what ECS runs.
"""

from __future__ import annotations

from typing import Final

NEXTJS: Final = "nextjs"
HONO: Final = "hono"
OTEL: Final = "otel"

NEXTJS_DEFAULT_PORT: Final = 3000
HONO_DEFAULT_PORT: Final = 8787
OTLP_GRPC_PORT: Final = 4317
OTLP_HTTP_PORT: Final = 4318
OTEL_HEALTH_PORT: Final = 13133
POSTGRES_PORT: Final = 5432
REDIS_PORT: Final = 6379

# Plain (non-secret) variables each app container receives.
NEXTJS_ENVIRONMENT: Final = (
    "PORT",
    "HOSTNAME",
    "NODE_ENV",
    "API_URL",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_TLS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "CLOUDFRONT_DISTRIBUTION_ID",
)
HONO_ENVIRONMENT: Final = (
    "PORT",
    "NODE_ENV",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_SSLMODE",
    "DB_USERNAME",
    "DB_LOGIN",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_TLS",
    "NEXTJS_URL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "CLOUDFRONT_DISTRIBUTION_ID",
)

# The database login: DB_LOGIN=iam in ECS (the app signs an RDS IAM token per new connection
# with its task role, e.g. @aws-sdk/rds-signer as node-postgres' `password` function; there is no
# DB_PASSWORD in ECS at all). Local Compose uses DB_LOGIN=password with DB_PASSWORD from .env.
DB_LOGIN_IAM: Final = "iam"
LOCAL_ONLY_SECRETS: Final = ("DB_PASSWORD",)

# Rotation contract: each rotated shared secret X also arrives as X_PREVIOUS (the version before
# the last rotation; equal to X until the first one). The app signs/sends with X and accepts X or
# X_PREVIOUS, so tasks started before and after a rotation understand each other during the
# rolling redeploy that follows it (docs/runbooks/rotation.md).
# Credentials: only ever through the task definition's `secrets` (Secrets Manager valueFrom).
NEXTJS_SECRETS: Final = (
    "REDIS_AUTH_TOKEN",
    "REVALIDATE_SECRET",
    "REVALIDATE_SECRET_PREVIOUS",
    "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY",
    "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY_PREVIOUS",
)
HONO_SECRETS: Final = (
    "REDIS_AUTH_TOKEN",
    "REVALIDATE_SECRET",
    "REVALIDATE_SECRET_PREVIOUS",
)
# Given to both containers when container-to-container authentication is on.
INTERNAL_TOKEN_SECRET: Final = "INTERNAL_API_TOKEN"
INTERNAL_TOKEN_PREVIOUS_SECRET: Final = "INTERNAL_API_TOKEN_PREVIOUS"

NEXTJS_HEALTH_PATH_DEFAULT: Final = "/api/health"
HONO_HEALTH_PATH_DEFAULT: Final = "/health"
