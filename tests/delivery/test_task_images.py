"""Every image of the task moves by digest, not only the app's: the collector sidecar and the
one-off tasks' images (roles, bootstrap, migration and their IAM-token sidecar).

Properties: (1) the defaults are pinned by digest, so both stacks run the same bytes; (2) a prod
stack refuses a tag-only task image before anything is registered, naming the key, the value and
what is allowed, while staging may run a tag (the guardrail reports it there as advisory); (3)
the program runs exactly the images the settings name; (4) the guardrail judges every container
of every task definition in the real stacks and finds each one pinned; an image it cannot read
yet is a note, never a pass.
"""

from __future__ import annotations

import json

import pytest

from components.migration import (
    iam_token_container,
    migration_container_definitions,
    roles_container_definitions,
)
from foundation.images import parse_image_reference
from settings import settings_from_config
from settings.errors import SettingsError
from settings.schema import (
    OTEL_COLLECTOR_IMAGE,
    POSTGRES_TOOLS_IMAGES,
    TOKEN_SIGNER_IMAGE,
)
from tests.policies.builders import UNKNOWN, app_containers, replace
from tests.policies.support import run_case, violations
from tools.offline.runner import cached_run, stack_config

RULE = "ecs-task-images-pinned-by-digest"
DIGEST = "sha256:" + "0123456789abcdef" * 4
TAGGED = {
    (
        "service",
        "otelCollectorImage",
    ): "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3",
    ("database", "tokenImage"): "public.ecr.aws/aws-cli/aws-cli:2.27.26",
    ("database", "toolsImage"): "public.ecr.aws/docker/library/postgres:17.6-alpine",
}


def settings_with(stack: str, section: str, **changes: object):
    config, _ = stack_config(stack)
    values = json.loads(config[f"perfcheck:{section}"])
    values.update(changes)
    config[f"perfcheck:{section}"] = json.dumps(values)
    return settings_from_config("perfcheck", stack, config)


def test_every_default_task_image_is_pinned_by_digest():
    for image in (OTEL_COLLECTOR_IMAGE, TOKEN_SIGNER_IMAGE, *POSTGRES_TOOLS_IMAGES.values()):
        assert parse_image_reference(image).digest, image


def test_the_tools_image_of_a_major_is_at_least_that_major():
    for major, image in POSTGRES_TOOLS_IMAGES.items():
        tag = parse_image_reference(image).tag or ""
        assert int(tag.split(".")[0].split("-")[0]) == major, image


@pytest.mark.parametrize(("section", "key"), sorted(TAGGED))
def test_prod_refuses_a_tag_only_task_image_naming_key_value_and_what_is_allowed(section, key):
    image = TAGGED[(section, key)]
    with pytest.raises(SettingsError) as refused:
        settings_with("prod", section, **{key: image})
    (problem,) = [p for p in refused.value.problems if f"{section}.{key}" in p]
    assert problem.startswith(f"perfcheck:{section}.{key}: '{image}'")
    assert "repository[:tag]@sha256:<64 hex digits>" in problem


@pytest.mark.parametrize(("section", "key"), sorted(TAGGED))
def test_staging_may_run_a_tag_only_task_image(section, key):
    settings = settings_with("staging", section, **{key: TAGGED[(section, key)]})
    assert settings.stack == "staging"


@pytest.mark.parametrize(("section", "key"), sorted(TAGGED))
def test_prod_takes_the_same_image_pinned_by_digest(section, key):
    settings = settings_with("prod", section, **{key: f"{TAGGED[(section, key)]}@{DIGEST}"})
    assert settings.stack == "prod"


def test_a_major_with_no_pinned_tools_image_gets_a_tag_that_prod_refuses(monkeypatch):
    """Fail closed: a new engine major without a pinned client image is refused in prod (its
    default is the moving `<major>-alpine` tag), and named as the default."""
    monkeypatch.delitem(POSTGRES_TOOLS_IMAGES, 17)
    staging = settings_with("staging", "database")
    assert staging.database.one_off_tools_image.endswith("/postgres:17-alpine")
    with pytest.raises(SettingsError) as refused:
        settings_with("prod", "database")
    (problem,) = [p for p in refused.value.problems if "database.toolsImage" in p]
    assert "postgres:17-alpine' (the default for engine major 17: none pinned)" in problem


def test_a_tools_image_older_than_the_server_is_refused():
    with pytest.raises(SettingsError) as refused:
        settings_with("staging", "database", toolsImage=f"x/postgres:16.4-alpine@{DIGEST}")
    (problem,) = refused.value.problems
    assert "perfcheck:database.toolsImage" in problem and "below the server's 17" in problem


def test_a_malformed_task_image_is_refused():
    with pytest.raises(SettingsError) as refused:
        settings_with("staging", "service", otelCollectorImage="Not An Image")
    assert "perfcheck:service.otelCollectorImage" in refused.value.problems[0]


def test_the_one_off_containers_run_the_images_they_are_given():
    tools, token = f"x/tools@{DIGEST}", f"x/token@{DIGEST}"
    common = {"log_group": "/g", "region": "eu-west-1"}
    roles = roles_container_definitions(
        image=tools, host="h", database="d", token_image=token, **common
    )
    migration = migration_container_definitions(
        image=tools,
        source_host="s",
        source_port=5432,
        source_database="d",
        source_ssl_mode="require",
        source_secret_arn="arn:aws:secretsmanager:eu-west-1:1:secret:s",
        target_host="h",
        target_database="d",
        token_image=token,
        **common,
    )
    for containers in (roles, migration):
        assert sorted(c["image"] for c in containers) == sorted([token, tools])
    assert iam_token_container(host="h", user="u", **common)["image"] == TOKEN_SIGNER_IMAGE


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_container_of_every_task_definition_in_the_stack_is_pinned(stack):
    run = cached_run(stack)
    names = set()
    for task in run.by_type("aws:ecs/taskDefinition:TaskDefinition"):
        for container in json.loads(task.inputs["containerDefinitions"]):
            names.add(container["name"])
            assert parse_image_reference(container["image"]).digest, (task.name, container)
    assert {"nextjs", "hono", "otel", "iam-token", "roles", "bootstrap"} <= names


def test_an_image_unknown_at_preview_is_a_note_never_a_pass():
    def unknown_collector(r):
        containers = app_containers()
        containers[2]["image"] = UNKNOWN
        return {"task": replace(r["task"], containerDefinitions=json.dumps(containers))}

    report = run_case(unknown_collector)
    assert violations(report, RULE) == []
    notes = [n.message for n in (*report.diagnostics, *report.not_applicable) if n.policy == RULE]
    assert any("[otel].image" in n and "not known" in n for n in notes), report


def test_the_program_runs_the_task_images_the_settings_name():
    """Property: the settings keys reach the task definitions (not only the defaults)."""
    from tools.offline.runner import run_stack

    tools, token = f"x/postgres:17.7-alpine@{DIGEST}", f"x/aws-cli:2@{DIGEST}"
    collector = f"x/collector:v1@{DIGEST}"
    config, secret = stack_config("staging")
    for section, changes in (
        ("database", {"toolsImage": tools, "tokenImage": token}),
        ("service", {"otelCollectorImage": collector}),
    ):
        values = json.loads(config[f"perfcheck:{section}"])
        values.update(changes)
        config[f"perfcheck:{section}"] = json.dumps(values)
    run = run_stack("staging", config=config, secret_keys=secret)
    images = {
        container["name"]: container["image"]
        for task in run.by_type("aws:ecs/taskDefinition:TaskDefinition")
        for container in json.loads(task.inputs["containerDefinitions"])
    }
    assert images["roles"] == images["bootstrap"] == tools
    assert images["iam-token"] == token and images["otel"] == collector
