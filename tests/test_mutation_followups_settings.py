"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): settings.

Each names the property it guards; the mutant it was written for is in its docstring."""

from __future__ import annotations

import pytest

from settings.schema import looks_like_secret


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
