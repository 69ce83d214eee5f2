"""The one IAM policy document reader (foundation/iampolicy.py): every form a document may take
reads the same, and actions match as IAM matches them."""

from __future__ import annotations

import json

import pytest

from foundation import iampolicy
from foundation.stackmodel import UNKNOWN, UNKNOWN_WIRE


@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("s3:GetObject", "s3:GetObject", True),
        ("S3:getobject", "s3:GetObject", True),  # IAM compares actions case-insensitively
        ("s3:Get*", "s3:GetObject", True),
        ("s3:*", "s3:GetObject", True),
        ("*", "kms:Decrypt", True),
        ("s3:Get?bject", "s3:GetObject", True),
        ("s3:Get?", "s3:GetObject", False),  # ? is one character
        ("s3:Get*", "s3:PutObject", False),
        ("s3:GetObject", "s3:GetObjectAcl", False),  # no implied prefix match
        ("s3:Get.bject", "s3:GetObject", False),  # a dot is a dot, not a regex
        ("kms:*", "kms-x:Decrypt", False),
    ],
)
def test_actions_match_as_iam_matches_them(pattern, action, matches):
    assert iampolicy.action_matches(pattern, action) is matches


def _statement(**fields):
    return {"Version": "2012-10-17", "Statement": fields}


@pytest.mark.parametrize(
    "document",
    [
        _statement(Effect="Allow", Principal="*", Action="s3:GetObject", Resource="*"),
        json.dumps(_statement(Effect="Allow", Principal={"AWS": "*"}, Action=["s3:GetObject"])),
        {
            "version": "2012-10-17",
            "statement": [
                {"effect": "Allow", "principal": {"aws": ["*"]}, "action": "s3:GetObject"}
            ],
        },
    ],
)
def test_every_form_of_a_public_statement_reads_as_everyone(document):
    parsed = iampolicy.parse_policy(document)
    (statement,) = parsed.statements
    assert statement.everyone and statement.allow
    assert statement.actions == ("s3:GetObject",)
    assert statement.covers_action("S3:GETOBJECT")


def test_a_service_principal_is_not_everyone_and_its_kind_is_read_in_any_case():
    parsed = iampolicy.parse_policy(
        _statement(Effect="Allow", Principal={"service": "logs.amazonaws.com"}, Action="kms:*")
    )
    (statement,) = parsed.statements
    assert not statement.everyone
    assert statement.principals("Service") == ("logs.amazonaws.com",)


def test_not_action_covers_everything_it_does_not_name():
    (statement,) = iampolicy.parse_policy(
        _statement(Effect="Allow", NotAction=["iam:*"], Resource="*")
    ).statements
    assert statement.actions is None and statement.not_actions == ("iam:*",)
    assert statement.covers_action("s3:GetObject")
    assert not statement.covers_action("IAM:CreateUser")


def test_resource_and_not_resource_are_told_apart_from_absent():
    (with_resource, with_not, without) = iampolicy.parse_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
                {"Effect": "Allow", "Action": "sts:AssumeRole", "NotResource": ["arn:x"]},
                {"Effect": "Allow", "Action": "sts:AssumeRole"},
            ]
        }
    ).statements
    assert with_resource.resources == ("*",) and with_resource.not_resources is None
    assert with_not.not_resources == ("arn:x",) and with_not.resources is None
    assert without.resources is None and without.not_resources is None


def test_condition_keys_are_read_case_insensitively():
    (statement,) = iampolicy.parse_policy(
        _statement(
            Effect="Allow",
            Principal="*",
            Action="s3:GetObject",
            Condition={"StringEquals": {"AWS:SourceAccount": "111122223333"}},
        )
    ).statements
    assert statement.condition_keys == {"aws:sourceaccount"}


def test_allowed_actions_skip_deny_and_read_a_missing_effect_only_when_asked():
    document = iampolicy.parse_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Action": ["logs:PutLogEvents", "s3:GetObject"]},
                {"Effect": "Deny", "Action": "kms:Decrypt"},
                {"Action": "ssm:GetParameter"},
            ]
        }
    )
    assert document.allowed_actions() == ["logs:PutLogEvents", "s3:GetObject"]
    assert document.allowed_actions(default_allow=True) == [
        "logs:PutLogEvents",
        "s3:GetObject",
        "ssm:GetParameter",
    ]


def test_unknown_absent_and_malformed_documents_are_told_apart():
    assert iampolicy.parse_policy(None) is None
    assert iampolicy.parse_policy(UNKNOWN_WIRE) is UNKNOWN
    with pytest.raises(iampolicy.PolicyNotJson, match="line 1 column"):
        iampolicy.parse_policy("{not json")
    with pytest.raises(iampolicy.PolicyDocumentError, match="not a JSON object"):
        iampolicy.parse_policy("[1, 2]")
    assert iampolicy.parse_policy('{"Version": "2012-10-17"}').statements is None
    (odd,) = iampolicy.parse_policy({"Statement": ["not an object"]}).statements
    assert not odd.is_object and odd.label == "0"
