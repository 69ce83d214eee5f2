"""The one containerDefinitions normaliser (foundation/containers.py): keys read as pulumi-aws's
Go decoder reads them, what it drops listed, paths compared as the kernel resolves them."""

from __future__ import annotations

import json

import pytest

from foundation import containers
from foundation.stackmodel import UNKNOWN, UNKNOWN_WIRE


def _one(**container):
    (parsed,) = containers.parse_containers(json.dumps([container]))
    return parsed


@pytest.mark.parametrize(
    "spelling", ["readonlyRootFilesystem", "ReadOnlyRootFileSystem", "READONLYROOTFILESYSTEM"]
)
def test_a_member_is_reached_in_any_case(spelling):
    assert _one(name="app", **{spelling: True})["readonlyRootFilesystem"] is True


def test_the_long_s_folds_to_s_as_go_folds_it():
    assert _one(name="app", **{"u\u017fer": "1000"})["user"] == "1000"


def test_the_last_spelling_of_a_member_wins_in_document_order():
    text = '[{"name": "app", "User": "0", "user": "1000"}]'
    assert containers.parse_containers(text)[0]["user"] == "1000"
    text = '[{"name": "app", "user": "1000", "USER": "0"}]'
    assert containers.parse_containers(text)[0]["user"] == "0"


def test_nested_members_fold_and_map_keys_stay_as_written():
    parsed = _one(
        name="app",
        Environment=[{"NAME": "PGDATA", "Value": "/data"}],
        Secrets=[{"name": "DB_PASSWORD", "valuefrom": "arn:secret"}],
        MountPoints=[{"SourceVolume": "data", "containerpath": "/var/lib/postgresql"}],
        healthcheck={"Command": ["CMD", "true"]},
        dependson=[{"ContainerName": "init", "Condition": "SUCCESS"}],
        dockerLabels={"Team": "web", "team": "ops"},
        entrypoint=["sh", "-c"],
        COMMAND=["postgres"],
    )
    assert parsed["environment"] == [{"name": "PGDATA", "value": "/data"}]
    assert parsed["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": "arn:secret"}]
    assert parsed["mountPoints"] == [
        {"sourceVolume": "data", "containerPath": "/var/lib/postgresql"}
    ]
    assert parsed["healthCheck"] == {"command": ["CMD", "true"]}
    assert parsed["dependsOn"] == [{"containerName": "init", "condition": "SUCCESS"}]
    assert parsed["dockerLabels"] == {"Team": "web", "team": "ops"}
    assert parsed["entryPoint"] == ["sh", "-c"] and parsed["command"] == ["postgres"]


def test_keys_that_reach_no_member_are_dropped_and_listed_with_their_path():
    text = json.dumps(
        [{"name": "a"}, {"name": "b", "readonlyRootFs": True, "healthCheck": {"cmd": ["x"]}}]
    )
    parsed = containers.parse_containers(text)
    assert "readonlyRootFs" not in parsed[1] and parsed[1]["healthCheck"] == {}
    assert containers.dropped_keys(text) == (
        "containerDefinitions[1].readonlyRootFs",
        "containerDefinitions[1].healthCheck.cmd",
    )


def test_absent_unknown_and_malformed_values_are_told_apart():
    assert containers.parse_containers(None) is None
    assert containers.parse_containers(UNKNOWN_WIRE) is UNKNOWN
    with pytest.raises(containers.NotJson, match="line 1 column"):
        containers.parse_containers('[{"name": "app",')
    with pytest.raises(containers.InvalidJson, match="list of container objects"):
        containers.parse_containers('{"name": "app"}')
    with pytest.raises(containers.InvalidJson):
        containers.parse_containers('["app"]')


@pytest.mark.parametrize(
    ("written", "resolved"),
    [
        ("//var/./lib/../lib/mysql/", "/var/lib/mysql"),
        ("/../..", "/"),
        ("var/lib/postgresql/data", "/var/lib/postgresql/data"),
        ("/data/./", "/data"),
    ],
)
def test_container_paths_are_compared_as_the_kernel_resolves_them(written, resolved):
    assert containers.kernel_path(written) == resolved


def test_a_container_is_labelled_by_name_else_by_position():
    assert containers.container_label({"name": "web"}, 3) == "containerDefinitions[web]"
    assert containers.container_label({"name": ""}, 3) == "containerDefinitions[3]"


@pytest.mark.parametrize(
    ("user", "root"),
    [
        ("root", True),
        ("0", True),
        ("00", True),
        ("+0", True),
        ("-0", True),
        ("0:1000", True),
        ("", True),
        ("1000", False),
        ("1000:0", False),  # only the uid decides
        ("app", False),
        ("10", False),
    ],
)
def test_a_user_is_root_as_the_container_runtime_reads_the_uid(user, root):
    assert containers.is_root_user(user) is root
