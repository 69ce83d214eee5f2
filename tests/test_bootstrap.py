"""deploy/bootstrap.sh creates, from the committed files, everything the first deploy needs: the
OIDC provider, one boundary and one deploy role per environment (trusting only that environment,
with a session long enough for the deploy job), the preview role, and for the self-managed backend
the state bucket and one KMS key per stack. Run against a fake `aws` that records each call."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "deploy" / "bootstrap.sh"
FAKE_AWS = r"""#!/usr/bin/env bash
{ printf 'CALL'; printf ' %s' "$@"; printf '\n'
  for arg in "$@"; do
    case "$arg" in file://*) echo "FILE ${arg#file://}"; cat "${arg#file://}"; echo ;; esac
  done; } >> "$AWS_LOG"
case "$1 $2" in
  "sts get-caller-identity") echo 123456789012 ;;
  "kms create-key") echo 1234abcd-key ;;
  "route53 get-hosted-zone") [ -n "${FAKE_ZONE_NAME:-}" ] || exit 254
    printf '%s\t%s\n' "$FAKE_ZONE_NAME" "${FAKE_ZONE_PRIVATE:-False}" ;;
  "iam get-"*|"s3api head-bucket"|"kms describe-key") exit 254 ;;
esac
"""


def run_bootstrap(
    tmp_path: Path,
    *args: str,
    fake_aws: str = FAKE_AWS,
    script: Path = SCRIPT,
    zone: tuple[str, str] | None = None,
) -> tuple[int, str, list[str]]:
    """Run `script` with a fake `aws` that logs each call and the files it sends. `zone`: the
    (name, PrivateZone) Route 53 answers for any zone id; None: no such zone."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "aws"
    fake.write_text(fake_aws)
    fake.chmod(0o755)
    log = tmp_path / "aws.log"
    log.write_text("")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "AWS_LOG": str(log)}
    if zone is not None:
        env |= {"FAKE_ZONE_NAME": zone[0], "FAKE_ZONE_PRIVATE": zone[1]}
    done = subprocess.run(
        [shutil.which("bash") or "bash", str(script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, log.read_text().split("CALL ")[1:]


def documents(call: str) -> list[dict]:
    return [json.loads(part.split("\n", 1)[1]) for part in call.split("FILE ")[1:]]


def _flag(call: str, name: str) -> str:
    found = re.search(rf"--{name} (\S+)", call)
    assert found, (name, call.split("FILE")[0])
    return found.group(1)


def deploy_role_documents(calls: list[str], account: str = "123456789012") -> dict[str, dict]:
    """Deploy role -> one document with every statement IAM applies to it once the bootstrap is
    done: its inline policies (put, less those deleted) and the customer-managed policies attached
    to it, as last sent. An attached policy the bootstrap did not send fails here (fail closed)."""
    managed: dict[str, dict] = {}
    inline: dict[str, dict[str, dict]] = {}
    attached: dict[str, list[str]] = {}
    for call in calls:
        if call.startswith("iam create-policy "):
            (managed[f"arn:aws:iam::{account}:policy/{_flag(call, 'policy-name')}"],) = documents(
                call
            )
        elif call.startswith("iam create-policy-version"):
            (managed[_flag(call, "policy-arn")],) = documents(call)
        elif call.startswith("iam put-role-policy"):
            role = _flag(call, "role-name")
            (inline.setdefault(role, {})[_flag(call, "policy-name")],) = documents(call)
        elif call.startswith("iam delete-role-policy"):
            inline.get(_flag(call, "role-name"), {}).pop(_flag(call, "policy-name"), None)
        elif call.startswith("iam attach-role-policy"):
            attached.setdefault(_flag(call, "role-name"), []).append(_flag(call, "policy-arn"))
    found = {}
    for role in sorted(set(inline) | set(attached)):
        if not role.startswith("perfcheck-deploy-"):
            continue
        documents_of_role = [*inline.get(role, {}).values()]
        documents_of_role += [managed[arn] for arn in attached.get(role, [])]
        statements = [s for d in documents_of_role for s in d["Statement"]]
        found[role] = {"Version": "2012-10-17", "Statement": statements}
    return found


def deploy_session_seconds() -> int:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    return max(
        int((step.get("with") or {}).get("role-duration-seconds", 3600))
        for job in workflow["jobs"].values()
        for step in job.get("steps") or []
        if "configure-aws-credentials" in step.get("uses", "")
    )


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> list[str]:
    code, output, made = run_bootstrap(
        tmp_path_factory.mktemp("bootstrap"),
        "--repository",
        "acme/perfcheck",
        "--region",
        "eu-west-1",
        "--state-bucket",
        "acme-pulumi-state",
    )
    assert code == 0, output
    return made


def test_one_deploy_role_per_environment_trusting_only_that_environment(calls):
    created = {c.split()[3]: c for c in calls if c.startswith("iam create-role")}
    assert set(created) == {
        "perfcheck-deploy-staging",
        "perfcheck-deploy-prod",
        "perfcheck-preview",
    }
    for role, environment in (
        ("perfcheck-deploy-staging", "staging"),
        ("perfcheck-deploy-prod", "production"),
        ("perfcheck-preview", "preview"),
    ):
        (trust,) = documents(created[role])
        subject = trust["Statement"][0]["Condition"]["StringEquals"]
        assert subject["token.actions.githubusercontent.com:sub"] == (
            f"repo:acme/perfcheck:environment:{environment}"
        )
        assert "${" not in json.dumps(trust)


def test_each_deploy_role_gets_its_own_stacks_policy_and_boundary(calls):
    for stack in ("staging", "prod"):
        put = next(
            c
            for c in calls
            if c.startswith(f"iam put-role-policy --role-name perfcheck-deploy-{stack} ")
        )
        (policy,) = documents(put)
        text = json.dumps(policy)
        assert "${" not in text
        assert f'"aws:ResourceTag/Environment": "{stack}"' in text
        other = "prod" if stack == "staging" else "staging"
        assert f'"aws:ResourceTag/Environment": "{other}"' not in text
        boundary = next(c for c in calls if f"--policy-name perfcheck-{stack}-boundary" in c)
        assert "${" not in json.dumps(documents(boundary))


def test_the_session_fits_the_longest_deploy_job(calls):
    """The role's MaxSessionDuration admits the role-duration-seconds the deploy jobs ask for."""
    for call in calls:
        if call.startswith("iam create-role --role-name perfcheck-deploy"):
            seconds = int(re.search(r"--max-session-duration (\d+)", call).group(1))
            assert deploy_session_seconds() <= seconds <= 43200


def test_the_self_managed_backend_gets_a_private_versioned_bucket_and_a_key_per_stack(calls):
    joined = "\n".join(calls)
    assert "s3api create-bucket --bucket acme-pulumi-state" in joined
    assert (
        "put-bucket-versioning --bucket acme-pulumi-state --versioning-configuration Status=Enabled"
        in joined
    )
    assert (
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"
        in joined
    )
    for stack in ("staging", "prod"):
        assert f"kms create-alias --alias-name alias/perfcheck-pulumi-secrets-{stack}" in joined
        assert f"TagKey=Environment,TagValue={stack}" in joined


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--region", "eu-west-1"), "--repository: want <owner>/<repo>"),
        (
            ("--repository", "acme/perfcheck", "--region", "Ireland"),
            "--region: want e.g. eu-west-1",
        ),
        (
            ("--repository", "acme/perfcheck", "--region", "eu-west-1", "--environments", "prod"),
            "unknown environment 'prod'",
        ),
    ],
)
def test_bad_arguments_exit_2_naming_what_is_allowed(tmp_path, args, says):
    code, output, _ = run_bootstrap(tmp_path, *args)
    assert code == 2 and says in output, output


EXISTING_ROLES_AWS = FAKE_AWS.replace(
    '  "iam get-"*|',
    '  "iam get-policy"|"iam get-role") exit 0 ;;\n'
    "  \"iam list-policy-versions\") printf 'v3\\tv10\\tv2\\tv4\\n' ;;\n"
    '  "iam get-"*|',
)
MANAGED = {"boundary": "permissions-boundary.json", "deploy-guards": "deploy-role-guards.json"}
"""Customer-managed policy of each stack (perfcheck-<stack>-<kind>) -> its committed template."""


def _sids(document: dict) -> list[str]:
    return [statement["Sid"] for statement in document["Statement"]]


def test_a_new_account_gets_each_managed_policy_created(calls) -> None:
    """Property: the first run creates the boundary and the deploy guards for each stack, from
    their committed files, and attaches the guards to the stack's deploy role."""
    for stack in ("staging", "prod"):
        for kind, template in MANAGED.items():
            (create,) = [c for c in calls if f"--policy-name perfcheck-{stack}-{kind} " in c]
            assert create.startswith("iam create-policy ")
            expected = json.loads((ROOT / "deploy" / template).read_text())
            assert _sids(documents(create)[0]) == _sids(expected)
        arn = f"arn:aws:iam::123456789012:policy/perfcheck-{stack}-deploy-guards"
        assert (
            f"iam attach-role-policy --role-name perfcheck-deploy-{stack} --policy-arn {arn}"
            in ("\n".join(calls))
        )


def test_a_changed_managed_policy_reaches_an_account_that_has_one(tmp_path: Path) -> None:
    """Property: re-running the bootstrap after the boundary or the guards changed updates each
    (a new default version, the oldest kept one deleted at IAM's limit of five), never leaves
    the account's old document in force."""
    code, output, made = run_bootstrap(
        tmp_path,
        "--repository",
        "acme/perfcheck",
        "--region",
        "eu-west-1",
        fake_aws=EXISTING_ROLES_AWS,
    )
    assert code == 0, output
    assert not [c for c in made if c.startswith(("iam create-policy ", "iam create-role"))]
    for stack in ("staging", "prod"):
        for kind, template in MANAGED.items():
            arn = f"arn:aws:iam::123456789012:policy/perfcheck-{stack}-{kind}"
            (update,) = [
                c for c in made if c.startswith(f"iam create-policy-version --policy-arn {arn} ")
            ]
            assert "--set-as-default" in update
            expected = json.loads((ROOT / "deploy" / template).read_text())
            assert _sids(documents(update)[0]) == _sids(expected)
            (deleted,) = [
                c for c in made if c.startswith(f"iam delete-policy-version --policy-arn {arn} ")
            ]
            assert "--version-id v2" in deleted


@pytest.mark.parametrize("fake_aws", [FAKE_AWS, EXISTING_ROLES_AWS], ids=["create", "re-run"])
def test_the_denies_are_in_force_before_the_allows_are_written(
    tmp_path: Path, fake_aws: str
) -> None:
    """Property: on a new role and on a re-run, the guards policy is written and attached before
    the Allow statements are put, so the role never holds the allows without the denies."""
    code, output, made = run_bootstrap(
        tmp_path, "--repository", "acme/perfcheck", "--region", "eu-west-1", fake_aws=fake_aws
    )
    assert code == 0, output
    for stack in ("staging", "prod"):
        guards = f"perfcheck-{stack}-deploy-guards"
        order = [
            n
            for n, c in enumerate(made)
            if guards in c.split("FILE")[0]
            or c.startswith(f"iam put-role-policy --role-name perfcheck-deploy-{stack} ")
        ]
        kinds = [made[n].split()[1] for n in order]
        assert kinds[-1] == "put-role-policy" and kinds.count("put-role-policy") == 1, kinds
        assert {"attach-role-policy"} <= set(kinds[:-1]), kinds
        assert {"create-policy", "create-policy-version"} & set(kinds[:-1]), kinds


def test_the_deploy_roles_statements_are_the_committed_ones(calls) -> None:
    """The role's inline and attached documents hold every committed statement, each once."""
    expected = [
        *_sids(json.loads((ROOT / "deploy" / "deploy-role-policy.json").read_text())),
        *_sids(json.loads((ROOT / "deploy" / "deploy-role-guards.json").read_text())),
    ]
    for role, document in deploy_role_documents(calls).items():
        assert sorted(_sids(document)) == sorted(expected), role
