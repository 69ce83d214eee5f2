"""The AWS Regions a stack may name, as a dated list (the program cannot ask AWS offline).

A name that looks like a region but is none (`eu-wst-1`, `us-east-3`) fails every API call at
`pulumi up`; the settings refuse it up front. Source: botocore's endpoint data (partitions `aws`
and `aws-us-gov`); a test compares this list with the installed botocore, so a new Region shows
up as a failing test rather than as a refused stack. China (`aws-cn`) is a separate partition
with its own accounts and is not offered.
"""

from __future__ import annotations

REGIONS_AS_OF = "2026-12-05"

COMMERCIAL_REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
GOVCLOUD_REGIONS: frozenset[str] = frozenset({"us-gov-east-1", "us-gov-west-1"})
REGIONS: frozenset[str] = COMMERCIAL_REGIONS | GOVCLOUD_REGIONS
