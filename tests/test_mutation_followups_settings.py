"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): settings.

Each names the property it guards; the mutant it was written for is in its docstring."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from foundation.app_contract import (
    HONO_DEFAULT_PORT,
    HONO_HEALTH_PATH_DEFAULT,
    NEXTJS_DEFAULT_PORT,
    NEXTJS_HEALTH_PATH_DEFAULT,
)
from settings import SettingsError, loader, settings_from_config
from settings.schema import Settings, looks_like_secret
from tools.offline.runner import stack_config


@pytest.mark.parametrize(
    "value",
    [
        "Build1Build1Build1Build1",  # three classes, repetitive
        "AAaa11AAaa11AAaa11AAaa11",
        "Release2026Release2026Release2026",
    ],
)
def test_a_long_repetitive_value_of_mixed_classes_is_not_taken_for_a_secret(value: str) -> None:
    """A secret needs both mixed classes and high entropy: mixed classes alone (a repeated
    code) is an ordinary tag. Mutant: `classes >= 3 and entropy >= 4.0` -> `or`."""
    assert not looks_like_secret(value)


@pytest.mark.parametrize(
    "value", ["kx9pl2mq7vr4tz8wn3by6cf1hj5", "0123456789abcdef0123456789abcdef"]
)
def test_a_random_value_of_two_classes_is_not_taken_for_a_secret(value: str) -> None:
    """High entropy alone (a lowercase hash or id, two classes) is not enough either: the rule
    asks for upper, lower and digits together. Same mutant, the other half of the clause."""
    assert not looks_like_secret(value)


def test_a_random_value_of_three_classes_is_a_secret() -> None:
    """The heuristic's positive side: long, random-looking and all three classes."""
    assert looks_like_secret("kX9pL2mQ7vR4tZ8wN3bY6cF1")


def _prod_with_service(change: dict[str, object], app: str | None = None) -> dict[str, str]:
    """Prod's flat config with keys of `service` (or of one of its containers) changed."""
    config, _ = stack_config("prod")
    service = json.loads(config["perfcheck:service"])
    target = service[app] if app else service
    for key, value in change.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    config["perfcheck:service"] = json.dumps(service)
    return config


def _problems(config: dict[str, str], stack: str = "prod") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", stack, config)
    return caught.value.problems


@pytest.mark.parametrize("app", ["nextjs", "hono"])
@pytest.mark.parametrize("tag", ["latest", "main", "stable"])
def test_prod_refuses_a_container_image_with_a_moving_tag(app: str, tag: str) -> None:
    """Prod runs only images pinned by digest: a container's own `image` carrying a moving tag
    is refused on that key, even with a digest beside it. Mutant: the problem is not appended."""
    image = f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/{app}:{tag}"
    lines = _problems(_prod_with_service({"image": image}, app))
    assert [line for line in lines if line.startswith(f"perfcheck:service.{app}.image:")], lines
    assert any("moving tag" in line and tag in line for line in lines), lines


def test_staging_takes_a_container_image_with_a_moving_tag() -> None:
    """The pinning is prod's promise only (staging deploys what was just built)."""
    config, _ = stack_config("staging")
    service = json.loads(config["perfcheck:service"])
    service["nextjs"]["image"] = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/web:main"
    config["perfcheck:service"] = json.dumps(service)
    assert settings_from_config("perfcheck", "staging", config).service.nextjs.image


@pytest.mark.parametrize("given", ["lots", [0.5], "0,5", True])
def test_a_number_field_given_something_else_says_a_number_is_expected(given: object) -> None:
    """A number field given text, a list or a boolean reads as 'expected a number', in the stack
    file's words. (The sample's mutant here, 'float_parsing' dropped, is equivalent: the sections
    validate strictly, so pydantic reports every such input as 'float_type'.)"""
    lines = _problems(_prod_with_service({"traceSampleRate": given}))
    assert len(lines) == 1, lines
    assert lines[0].startswith("perfcheck:service.traceSampleRate: got "), lines
    assert lines[0].endswith("expected a number (no quotes)"), lines


def _every_location(model: type[BaseModel], prefix: list[str]) -> list[list[str]]:
    found = []
    for name, field in model.model_fields.items():
        loc = [*prefix, field.alias or name]
        found.append(loc)
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            found.extend(_every_location(field.annotation, loc))
    return found


def test_the_loader_describes_every_location_of_the_schema_without_raising() -> None:
    """The messages for an unknown or missing key under any field (a model, an optional value,
    a constrained list or map) are text, never an exception that would reach the user as a
    traceback. Mutant: the isinstance guard before issubclass dropped (an `int | None` field)."""
    locations = _every_location(Settings, [])
    assert ["service", "bakeTimeMinutes"] in locations  # an optional value: the hard case
    for loc in locations:
        assert isinstance(loader._allowed_at(loc, "x"), str), loc
        assert isinstance(loader._expected([*loc, "x"]), str), loc


@pytest.mark.parametrize(
    ("app", "port", "health_path"),
    [
        ("nextjs", NEXTJS_DEFAULT_PORT, NEXTJS_HEALTH_PATH_DEFAULT),
        ("hono", HONO_DEFAULT_PORT, HONO_HEALTH_PATH_DEFAULT),
    ],
)
def test_a_container_block_left_out_takes_the_app_contracts_port_and_health_path(
    app: str, port: int, health_path: str
) -> None:
    """A stack file without `service.nextjs` / `service.hono` gets the port and health path the
    app contract documents (the images listen there), not a refusal or another port. Mutant: a
    key dropped from the default container's literal."""
    config, _ = stack_config("staging")  # staging: no digest needed for the stack's images
    service = json.loads(config["perfcheck:service"])
    del service[app]
    config["perfcheck:service"] = json.dumps(service)
    container = getattr(settings_from_config("perfcheck", "staging", config).service, app)
    assert (container.port, container.health_path) == (port, health_path)


@pytest.mark.parametrize("image", ["otel collector", "Registry/UPPER:tag", ""])
def test_a_collector_image_that_is_no_image_reference_is_refused_on_its_key(image: str) -> None:
    """`service.otelCollectorImage` is read like the app images: text that is no image
    reference is refused at settings, on that key, before any resource. Mutant: the validator
    does not parse the value."""
    lines = _problems(_prod_with_service({"otelCollectorImage": image}))
    assert [line for line in lines if line.startswith("perfcheck:service.otelCollectorImage:")], (
        lines
    )


@pytest.mark.parametrize("given", ["yes", "1", "on"])
def test_protect_given_anything_but_true_or_false_says_true_or_false(given: str) -> None:
    """`perfcheck:protect` is a plain boolean: 'yes', '1' or 'on' are refused with 'expected true
    or false', not read as JSON (where '1' would pass as a number) nor called a structured value.
    Mutant: `protect` dropped from the loader's plain-value keys."""
    config, _ = stack_config("prod")
    lines = _problems({**config, "perfcheck:protect": given})
    assert lines == [f'perfcheck:protect: got "{given}"; expected true or false'], lines


@pytest.mark.parametrize("given", [True, ["build-1"], {"tag": "build-1"}])
def test_a_text_field_given_no_number_says_text_is_expected_not_a_number(given: object) -> None:
    """A text field given a boolean, a list or a map reads 'expected text'; only a number gets
    the 'the stack file holds a number: quote it' advice (YAML's reading of 2026 as a number).
    Mutant: `isinstance(given, (int, float)) and not isinstance(given, bool)` -> `or`."""
    lines = _problems(_prod_with_service({"imageTag": given}))
    assert len(lines) == 1 and lines[0].startswith("perfcheck:service.imageTag: got "), lines
    assert lines[0].endswith("expected text (a string)") and "number" not in lines[0], lines
