"""One credential scanner for every string input of every resource (issue 22, item 2).

Properties guarded here:
- REACH: every resource type's inputs are read, not only containers (Lambda, CodeBuild, Batch,
  App Runner, EC2 and launch-template user data, SSM String parameters, volume driver options,
  and a type no rule names).
- SHAPES: credentials beyond NAME=value are found (headers, encoded blobs, connection strings of
  other engines, secrets in commands, framework secrets by name, look-alike letters).
- SAFE SHAPES: known-public values and names pass (public keys, publishable/site keys, Sentry
  DSNs, anon keys, ARNs, references, host names under *_AUTH_DOMAIN).
- SINKS: inputs made to receive a secret (RDS master password, SecureString) pass.
No real secret appears here: every "credential" is a made-up string of the right shape.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from tests.policies.builders import record, secret, stack_run
from tests.policies.support import synthetic_config_dir
from tools.offline.policy_driver import evaluate_packs, load_pack

load_pack("guardrails")  # puts the kit and the pack on sys.path
from perfcheck_guardrails import credentials, input_credentials  # noqa: E402

POLICY = "no-credentials-in-resource-inputs"
FAKE_PASSWORD = "Zq7-not-real-Pw9x"  # the shape of a password, never a real one


def _scanner() -> credentials.CredentialScanner:
    return credentials.CredentialScanner(
        {
            "credentialNamePatterns": list(credentials.CREDENTIAL_NAME_PATTERNS),
            "publicVariablePrefixes": list(credentials.PUBLIC_PREFIXES),
        }
    )


def _findings(type_token: str, inputs: dict[str, Any]) -> list[str]:
    """The rule's messages on one resource, through the driver (the servicer the CLI talks to)."""
    run = stack_run([record("prod", type_token, "subject", inputs)])
    report = evaluate_packs(run, "prod", synthetic_config_dir(), packs=("guardrails",))
    found = [v.message for v in report.for_policy(POLICY)]
    for message in found:
        assert FAKE_PASSWORD not in message  # the value is never echoed
    return found


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- REACH: every resource's inputs -----------------------------------------------------------

REACH = [
    (
        "lambda-environment",
        "aws:lambda/function:Function",
        {"environment": {"variables": {"DB_PASSWORD": FAKE_PASSWORD}}},
        "environment.variables.DB_PASSWORD",
    ),
    (
        "codebuild-plaintext-variable",
        "aws:codebuild/project:Project",
        {
            "environment": {
                "environmentVariables": [
                    {"name": "NPM_TOKEN", "value": FAKE_PASSWORD, "type": "PLAINTEXT"}
                ]
            }
        },
        "[NPM_TOKEN]",
    ),
    (
        "batch-container-properties-json",
        "aws:batch/jobDefinition:JobDefinition",
        {
            "containerProperties": json.dumps(
                {"environment": [{"name": "API_SECRET", "value": FAKE_PASSWORD}]}
            )
        },
        "[API_SECRET]",
    ),
    (
        "apprunner-runtime-variable",
        "aws:apprunner/service:Service",
        {
            "sourceConfiguration": {
                "imageRepository": {
                    "imageConfiguration": {
                        "runtimeEnvironmentVariables": {"STRIPE_KEY": FAKE_PASSWORD}
                    }
                }
            }
        },
        "runtimeEnvironmentVariables.STRIPE_KEY",
    ),
    (
        "ec2-user-data-plain",
        "aws:ec2/instance:Instance",
        {"userData": f"#!/bin/bash\nexport PGPASSWORD={FAKE_PASSWORD}\npsql -h db\n"},
        "userData",
    ),
    (
        "ec2-user-data-base64",
        "aws:ec2/instance:Instance",
        {"userDataBase64": _b64(f"#!/bin/bash\nmysql -u admin -p{FAKE_PASSWORD} -h db\n")},
        "userDataBase64",
    ),
    (
        "launch-template-user-data-gzip",
        "aws:ec2/launchTemplate:LaunchTemplate",
        {
            "userData": base64.b64encode(
                gzip.compress(f"#cloud-config\nrunner_token: {FAKE_PASSWORD}\n".encode())
            ).decode()
        },
        "userData",
    ),
    (
        "ssm-parameter-string",
        "aws:ssm/parameter:Parameter",
        {"name": "/app/prod/db-password", "type": "String", "value": FAKE_PASSWORD},
        "value",
    ),
    (
        "docker-volume-driver-options",
        "aws:ecs/taskDefinition:TaskDefinition",
        {
            "family": "smb",
            "containerDefinitions": "[]",
            "volumes": [
                {
                    "name": "share",
                    "dockerVolumeConfiguration": {
                        "driver": "local",
                        "driverOpts": {
                            "type": "cifs",
                            "o": f"username=svc,password={FAKE_PASSWORD}",
                        },
                    },
                }
            ],
        },
        "driverOpts",
    ),
    (
        "type-no-rule-names",
        "aws:glue/connection:Connection",
        {"connectionProperties": {"PASSWORD": FAKE_PASSWORD, "USERNAME": "etl"}},
        "connectionProperties.PASSWORD",
    ),
]


@pytest.mark.parametrize(
    ("type_token", "inputs", "where"), [c[1:] for c in REACH], ids=[c[0] for c in REACH]
)
def test_reach_every_resource_input_is_scanned(
    type_token: str, inputs: dict[str, Any], where: str
) -> None:
    found = _findings(type_token, inputs)
    assert any(where in message for message in found), found


def test_reach_secret_references_and_secret_inputs_pass() -> None:
    """SINKS: a CodeBuild variable resolved from Secrets Manager, an SSM SecureString and an RDS
    master password (write-only in AWS) are where secrets belong. The master password arrives
    as a secret: pulumi-aws's SDK wraps a top-level schema-secret input in Output.secret."""
    assert not _findings(
        "aws:codebuild/project:Project",
        {
            "environment": {
                "environmentVariables": [
                    {"name": "NPM_TOKEN", "value": "ci/npm:token", "type": "SECRETS_MANAGER"}
                ]
            }
        },
    )
    assert not _findings(
        "aws:ssm/parameter:Parameter",
        {"name": "/app/db-password", "type": "SecureString", "value": FAKE_PASSWORD},
    )
    assert not _findings("aws:rds/cluster:Cluster", {"masterPassword": secret(FAKE_PASSWORD)})


def test_reach_unknown_credential_is_noted_not_passed() -> None:
    """A generated password wired into a Lambda variable is unknown at preview: a note."""
    run = stack_run(
        [
            record(
                "prod",
                "aws:lambda/function:Function",
                "subject",
                {
                    "environment": {
                        "variables": {"DB_PASSWORD": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}
                    }
                },
            )
        ]
    )
    report = evaluate_packs(run, "prod", synthetic_config_dir(), packs=("guardrails",))
    notes = [d.message for d in report.diagnostics if "DB_PASSWORD" in d.message]
    assert notes, report.diagnostics


# -- SHAPES: beyond NAME=value ----------------------------------------------------------------

SHAPES = {
    "authorization-bearer-header": "curl -H 'Authorization: Bearer Ab3dEf6hIj9kLm2nOp5q' https://x",
    "bearer-without-header-name": "wget --header=Bearer Ab3dEf6hIj9kLm2nOp5q https://x",
    "basic-header-base64": f"curl -H 'Authorization:Basic {_b64('svc:' + FAKE_PASSWORD)}' https://x",
    "basic-alone": f"--auth Basic {_b64('svc:' + FAKE_PASSWORD)}",
    "api-key-header": f"curl -H 'X-Api-Key: {FAKE_PASSWORD}' https://x",
    "base64-blob-of-assignment": f"echo {_b64('DB_PASSWORD=' + FAKE_PASSWORD)} | base64 -d",
    "base64-docker-config": _b64(
        json.dumps({"auths": {"r.io": {"auth": _b64("u:" + FAKE_PASSWORD)}}})
    ),
    "mongodb-url": f"mongodb+srv://app:{FAKE_PASSWORD}@cluster0.example.net/db",
    "mysql-url": f"mysql://root:{FAKE_PASSWORD}@db:3306/app",
    "redis-url-no-user": f"redis://:{FAKE_PASSWORD}@cache:6379/0",
    "amqp-url": f"amqp://svc:{FAKE_PASSWORD}@mq:5672/",
    "sqlserver-connection-string": f"Server=tcp:db,1433;User Id=sa;Password={FAKE_PASSWORD};",
    "jdbc-sqlserver": f"jdbc:sqlserver://db:1433;user=sa;password={FAKE_PASSWORD}",
    "jdbc-oracle-user-slash-password": f"jdbc:oracle:thin:scott/{FAKE_PASSWORD}@db:1521/orcl",
    "flag-password": f"migrate --password {FAKE_PASSWORD}",
    "mysql-p-flag": f"mysqldump -u root -p{FAKE_PASSWORD} app",
    "pgpassword-env-prefix": f"PGPASSWORD={FAKE_PASSWORD} pg_dump -h db app",
    "sqlcmd-capital-p": f"sqlcmd -S db -U sa -P {FAKE_PASSWORD}",
    "openssl-passin": f"openssl pkcs12 -in a.p12 -passin pass:{FAKE_PASSWORD}",
    "chpasswd": f"echo 'deploy:{FAKE_PASSWORD}' | chpasswd",
    "aws-configure-set": f"aws configure set aws_secret_access_key {FAKE_PASSWORD}",
    "homoglyph-name": f"DB_P\u0410SSWORD={FAKE_PASSWORD}",  # Cyrillic A
    "zero-width-name": f"DB_PASS\u200bWORD={FAKE_PASSWORD}",
    "fullwidth-name": f"\uff30\uff21\uff33\uff33\uff37\uff2f\uff32\uff24={FAKE_PASSWORD}",
}


@pytest.mark.parametrize("text", list(SHAPES.values()), ids=list(SHAPES))
def test_shapes_credentials_beyond_name_value_are_found(text: str) -> None:
    assert _scanner().text(text) is not None


FRAMEWORK = [
    "SECRET_KEY_BASE",
    "DJANGO_SECRET_KEY",
    "NEXTAUTH_SECRET",
    "JWT_SECRET",
    "APP_KEY",
    "APP_KEYS",
    "NONCE_SALT",
    "RAILS_MASTER_KEY",
]


@pytest.mark.parametrize("name", FRAMEWORK)
def test_shapes_framework_secrets_by_name_even_with_narrow_patterns(name: str) -> None:
    """A framework's secret is a credential even when a team narrows the name patterns."""
    narrow = credentials.CredentialScanner({"credentialNamePatterns": ["PASSWORD"]})
    assert narrow.setting(name, "a1b2c3d4e5f6") is not None


def test_shapes_look_alike_setting_names() -> None:
    scanner = _scanner()
    assert scanner.setting("API_T\u041eKEN", FAKE_PASSWORD)  # Cyrillic O
    assert scanner.setting("api\u200b_token", FAKE_PASSWORD)


# -- SAFE SHAPES: false positives that push teams to switch the rule off ----------------------

SAFE = {
    "rsa-public-key": (
        "JWT_PUBLIC_KEY",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----",
    ),
    "ssh-public-key": (
        "DEPLOY_KEY",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4rT3vTt99Ox5kndS4HmgTrKBT8SKzhK4rhGkEVGlCI ci@x",
    ),
    "stripe-publishable-key": ("STRIPE_KEY", "pk_live_51HxYzAbCdEfGhIjKlMn"),
    "recaptcha-site-key": ("RECAPTCHA_SITE_KEY", "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI"),
    "turnstile-site-key": ("TURNSTILE_SITEKEY", "0x4AAAAAAABkMYinukE8nzY"),
    "sentry-dsn": (
        "SENTRY_DSN",
        "https://0123456789abcdef0123456789abcdef@o12345.ingest.sentry.io/6789",
    ),
    "firebase-web-api-key": ("NEXT_FIREBASE_API_KEY", "AIzaSyA-abcdefghijklmnopqrstuvwxyz12345"),
    "supabase-anon-key": (
        "SUPABASE_ANON_KEY",
        "eyJhbGciOiJIUzI1NiJ9."
        + base64.urlsafe_b64encode(json.dumps({"role": "anon"}).encode()).decode().rstrip("=")
        + ".c2lnbmF0dXJlLWZha2U",
    ),
    "auth0-domain-host": ("AUTH0_DOMAIN", "tenant.eu.auth0.com"),
    "firebase-auth-domain-host": ("FIREBASE_AUTH_DOMAIN", "myapp.firebaseapp.com"),
    "auth-domain-host": ("AUTH_DOMAIN", "login.example.com"),
    "secret-arn": ("DB_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCd"),
    "variable-reference": ("DB_PASSWORD", "${DB_PASSWORD}"),
    "dynamic-reference": ("DB_PASSWORD", "{{resolve:secretsmanager:db:SecretString:password}}"),
}


@pytest.mark.parametrize(("name", "value"), list(SAFE.values()), ids=list(SAFE))
def test_safe_shapes_known_public_values_pass(name: str, value: str) -> None:
    assert _scanner().setting(name, value) is None


def test_safe_shapes_are_bound_to_their_shape_not_their_name() -> None:
    """A secret under a 'safe' name is still a secret: the shape decides, not the name."""
    scanner = _scanner()
    assert scanner.setting("STRIPE_PUBLISHABLE_KEY", "sk_live_51HxYzAbCdEfGhIjKlMn")
    service_role = (
        "eyJhbGciOiJIUzI1NiJ9."
        + base64.urlsafe_b64encode(json.dumps({"role": "service_role"}).encode()).decode()
        + ".c2lnbmF0dXJlLWZha2U"
    )
    assert scanner.setting("SUPABASE_ANON_KEY", service_role)
    assert scanner.setting("AUTH_DOMAIN", f"https://u:{FAKE_PASSWORD}@login.example.com")
    assert scanner.setting(
        "SENTRY_DSN", f"https://0123456789abcdef0123456789abcdef:{FAKE_PASSWORD}@sentry.io/1"
    )


def test_safe_shapes_through_the_driver_on_a_lambda() -> None:
    """The public client settings of a front-end build pass on a real resource."""
    assert not _findings(
        "aws:lambda/function:Function",
        {
            "environment": {
                "variables": {
                    "NEXT_PUBLIC_SENTRY_DSN": SAFE["sentry-dsn"][1],
                    "FIREBASE_AUTH_DOMAIN": SAFE["firebase-auth-domain-host"][1],
                    "RECAPTCHA_SITE_KEY": SAFE["recaptcha-site-key"][1],
                    "SECRET_ARN": SAFE["secret-arn"][1],
                }
            }
        },
    )


def test_walk_reads_each_string_once_with_its_path() -> None:
    """Linear: the walk scans each string of the inputs once (a counting scanner)."""
    seen: list[str] = []

    class Counting(credentials.CredentialScanner):
        def setting(self, name: str, value: Any) -> str | None:
            seen.append(str(value))
            return None

        def text(self, text: str, depth: int = 0) -> str | None:
            seen.append(text)
            return None

    props = {"a": "x", "b": {"c": "y", "d": ["p", "q"]}, "e": [{"name": "N", "value": "z"}]}
    input_credentials.findings(Counting({}), "aws:any/thing:Thing", props)
    assert sorted(seen) == ["p q", "x", "y", "z"]


def test_reach_skipped_types_take_only_references() -> None:
    """REACH: a type is skipped only when pulumi_aws says its inputs are all references (ids,
    ARNs, CIDRs, ports, regions) and it takes no tags (tag values are free text)."""
    import re

    from tools import gen_policy_files as gen

    root = gen.pulumi_aws_root()
    reference = re.compile(
        r"^(resource_name|opts|region|role|user|group|port|availability_zone)$|_(arn|id|ids|cidr_block)$"
    )
    seen: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in gen._TYPE_TOKEN.finditer(text):
            token = match.group("token")
            if token not in input_credentials.REFERENCE_ONLY_TYPES:
                continue
            init = gen._INTERNAL_INIT.search(text, match.end())
            assert init is not None
            params = re.findall(r"^\s+(\w+):", init.group("params"), re.M)
            assert all(reference.search(p) for p in params), (token, params)
            seen.add(token)
    assert seen == input_credentials.REFERENCE_ONLY_TYPES


def test_one_scanner_containers_read_the_new_shapes_too() -> None:
    """ONE SCANNER: the container rule reads with the same scanner, so a look-alike name and a
    bearer header in a container are found there too, and a Sentry DSN passes."""
    from tests.policies.builders import container

    definitions = [
        container(
            "web",
            "acme/web:1",
            8080,
            environment=[
                {"name": "DB_P\u0410SSWORD", "value": FAKE_PASSWORD},
                {"name": "SENTRY_DSN", "value": SAFE["sentry-dsn"][1]},
            ],
            command=["curl", "-H", "Authorization: Bearer Ab3dEf6hIj9kLm2nOp5q", "https://x"],
        )
    ]
    run = stack_run(
        [
            record(
                "prod",
                "aws:ecs/taskDefinition:TaskDefinition",
                "subject",
                {"family": "subject", "containerDefinitions": json.dumps(definitions)},
            )
        ]
    )
    report = evaluate_packs(run, "prod", synthetic_config_dir(), packs=("guardrails",))
    found = [v.message for v in report.for_policy("ecs-no-credentials-in-environment")]
    assert any("environment[DB_P\u0410SSWORD]" in m for m in found), found
    assert any(".command" in m for m in found), found
    assert not any("SENTRY_DSN" in m for m in found), found
