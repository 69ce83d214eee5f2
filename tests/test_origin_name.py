"""An HTTPS origin is reached at a name its certificate covers (review 21, F3).

CloudFront developer guide, "HTTP 502 status code (Bad Gateway)", SSL/TLS negotiation failure
between CloudFront and a custom origin: one of the names in the origin's certificate must match
the origin domain name (or the forwarded Host); else the handshake fails and every viewer gets
a 502. The ALB's own `*.elb.amazonaws.com` name is in AWS's domain: no certificate the owners
can get covers it.

Properties guarded here, with one fact in foundation/aws_limits.py (`origin_certificate_problem`):
- the settings refuse `service.certificateArn` without `service.originDomainName`, an origin
  name in AWS's domains, one without `cdn.hostedZoneId`, or one that is not a name of its own
  in `cdn.domainName`'s zone; each problem names the key, the value and what is allowed, and the
  preview shows the stack file's line;
- the Cdn component refuses exactly the origin names the settings refuse (a settings object made
  past the validators still registers nothing);
- a custom origin at a host AWS serves with its own certificate (API Gateway, S3) is not refused:
  only hosts that present the owner's certificate (load balancers, instances) are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.cdn import origin_name_problem
from foundation.aws_limits import origin_certificate_problem
from settings import SettingsError, settings_from_config
from tests.test_preview_errors import run as run_preview
from tests.test_preview_errors import stack_dir
from tools.offline.runner import stack_config

CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0b6d3a4e-1f2a-4b5c-8d7e-9f0a1b2c3d4e"
ZONE = "Z0123456789ABCDEFGHIJ"


def problems(stack: str = "prod", cdn: dict[str, Any] | None = None, **service: Any) -> list[str]:
    config, _ = stack_config(stack)
    section = json.loads(config["perfcheck:service"])
    section.update(service)
    config["perfcheck:service"] = json.dumps(section)
    if cdn is not None:
        config["perfcheck:cdn"] = json.dumps({**json.loads(config["perfcheck:cdn"]), **cdn})
    try:
        settings_from_config("perfcheck", stack, config)
    except SettingsError as error:
        return error.problems
    return []


def domain(name: str) -> dict[str, str]:
    return {"domainName": name, "hostedZoneId": ZONE}


AWS_NAMES = [
    "internal-perfcheck-prod-alb-1234567890.eu-west-1.elb.amazonaws.com",
    "perfcheck-prod-alb-1.cn-north-1.elb.amazonaws.com.cn",
    "ec2-203-0-113-25.eu-west-1.compute.amazonaws.com",
    "ip-10-30-1-17.eu-west-1.compute.internal",
    "abc123.execute-api.eu-west-1.amazonaws.com",  # AWS-served, but never the ALB's certificate
]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_certificate_alone_is_refused_on_its_key(stack: str) -> None:
    (problem,) = problems(stack, cdn=domain("perfcheck.example.com"), certificateArn=CERTIFICATE)
    assert problem.startswith(f"perfcheck:service.certificateArn: '{CERTIFICATE}' without ")
    assert "*.elb.amazonaws.com" in problem and "502" in problem
    assert "allowed: also set service.originDomainName" in problem


@pytest.mark.parametrize("name", AWS_NAMES)
def test_an_origin_name_in_awss_domains_is_refused(name: str) -> None:
    (problem,) = problems(
        cdn=domain("perfcheck.example.com"), certificateArn=CERTIFICATE, originDomainName=name
    )
    assert problem.startswith(f'perfcheck:service.originDomainName: got "{name}"; ')
    assert "in AWS's domain" in problem and "allowed: a name in a domain you own" in problem


def test_an_origin_name_needs_the_zone_its_record_goes_in() -> None:
    (problem,) = problems(certificateArn=CERTIFICATE, originDomainName="origin.example.com")
    assert problem.startswith("perfcheck:service.originDomainName: 'origin.example.com' without ")
    assert "cdn.hostedZoneId" in problem


@pytest.mark.parametrize(
    ("cdn_domain", "origin", "allowed"),
    [
        ("www.example.com", "origin.other.com", "www.example.com or example.com"),
        ("www.example.com", "www.example.com", "www.example.com or example.com"),
        ("example.com", "example.com", "a name under example.com,"),
        ("example.com", "originexample.com", "a name under example.com,"),
    ],
)
def test_an_origin_name_outside_the_domains_zone_is_refused(
    cdn_domain: str, origin: str, allowed: str
) -> None:
    (problem,) = problems(
        cdn=domain(cdn_domain), certificateArn=CERTIFICATE, originDomainName=origin
    )
    assert problem.startswith(f"perfcheck:service.originDomainName: '{origin}' is not a name")
    assert allowed in problem


@pytest.mark.parametrize(
    ("cdn_domain", "origin", "certificate"),
    [
        ("www.example.com", "origin.example.com", CERTIFICATE),  # sibling in the parent zone
        ("www.example.com", "origin.www.example.com", CERTIFICATE),
        ("example.com", "origin.example.com", CERTIFICATE),  # apex domain
        ("www.example.com", "origin.example.com", None),  # the record first, HTTPS later
    ],
)
def test_a_coverable_origin_name_in_the_zone_is_accepted(
    cdn_domain: str, origin: str, certificate: str | None
) -> None:
    service = {"originDomainName": origin}
    if certificate:
        service["certificateArn"] = certificate
    assert problems(cdn=domain(cdn_domain), **service) == []


@pytest.mark.parametrize("name", [*AWS_NAMES, "origin.perfcheck.example.com", "ORIGIN.EXAMPLE.COM"])
def test_the_component_refuses_exactly_the_names_the_settings_refuse(name: str) -> None:
    found = problems(
        cdn=domain("example.com"), certificateArn=CERTIFICATE, originDomainName=name.lower()
    )
    refused_by_settings = any(
        p.startswith("perfcheck:service.originDomainName: got") for p in found
    )
    refused_by_component = origin_name_problem(name, "https-only", ZONE) is not None
    assert refused_by_component == refused_by_settings, found


def test_only_owner_served_aws_hosts_are_refused_for_a_custom_origin() -> None:
    """A custom origin at an API Gateway or S3 name gets AWS's certificate for that name."""
    assert (
        origin_certificate_problem("abc.execute-api.eu-west-1.amazonaws.com", vpc_origin=False)
        is None
    )
    assert origin_certificate_problem("b.s3.eu-west-1.amazonaws.com", vpc_origin=False) is None
    assert origin_certificate_problem("abc.execute-api.eu-west-1.amazonaws.com", vpc_origin=True)
    for name in AWS_NAMES[:4]:
        assert origin_certificate_problem(name.upper() + ".", vpc_origin=False), name
    assert origin_certificate_problem("elb.amazonaws.com", vpc_origin=False)  # the domain itself
    assert origin_certificate_problem("elb.amazonaws.com.example.com", vpc_origin=True) is None
    assert origin_certificate_problem("notamazonaws.com", vpc_origin=True) is None


def test_the_preview_names_the_stack_file_line_of_certificateArn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["perfcheck:service"]["certificateArn"] = CERTIFICATE

    directory = stack_dir(tmp_path, edit=edit)
    lines = (directory / "Pulumi.dev.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "certificateArn:" in text)
    code, err = run_preview(capsys, directory)
    assert code == 2, err
    assert f"  - Pulumi.dev.yaml:{line}: perfcheck:service.certificateArn: '{CERTIFICATE}'" in err


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_deploy_role_may_write_the_origin_names_record(tmp_path: Path, stack: str) -> None:
    """R9: Route 53 has no tag key for a hosted zone, so the role bootstrap.sh makes for a stack
    with an origin name is given that name's A record in the stack's zone, by name and type
    (tests/test_deploy_role_records.py judges every record call and what stays refused)."""
    from tests.iam_policy_evaluator import Request, decide
    from tests.test_bootstrap import deploy_role_documents
    from tests.test_deploy_role_records import ORIGIN, bootstrap_for
    from tests.test_deploy_role_records import ZONE as STACK_ZONE

    code, output, calls = bootstrap_for(tmp_path, stack)
    assert code == 0, output
    role = deploy_role_documents(calls)[f"perfcheck-deploy-{stack}"]
    request = Request(
        "route53:ChangeResourceRecordSets",
        f"arn:aws:route53:::hostedzone/{STACK_ZONE}",
        {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [ORIGIN[stack]],
            "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
            "route53:ChangeResourceRecordSetsActions": ["CREATE"],
        },
    )
    assert decide(role, request) == "Allow"
