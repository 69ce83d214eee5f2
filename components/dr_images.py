"""Release images replicated to the DR region, so a region loss does not take them along.

ECR's registry-level replication copies every image pushed to a matching repository into the DR
region's registry of the same account, under the same repository name (Amazon ECR User Guide,
"Private image replication"; it copies pushes made after the rule exists, so the rule is in
place before the first release is pushed). A DR stack then pulls the same digests from
`<account>.dkr.ecr.<dr region>.amazonaws.com/<repository>`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from foundation.images import parse_image_reference


def release_repositories(images: Sequence[str]) -> list[str]:
    """The private ECR repositories the release images come from (others are not replicated)."""
    names = set()
    for image in images:
        registry, _, path = parse_image_reference(image).repository.partition("/")
        if ".dkr.ecr." in registry and path:
            names.add(path)
    return sorted(names)


def replicate_release_images(
    name: str, dr_region: str, images: Sequence[str], opts: pulumi.ResourceOptions
) -> aws.ecr.ReplicationConfiguration | None:
    """One replication rule: these repositories, into the DR region of this account."""
    repositories = release_repositories(images)
    if not repositories:
        return None
    account = aws.get_caller_identity_output().account_id
    return aws.ecr.ReplicationConfiguration(
        name,
        replication_configuration={
            "rules": [
                {
                    "destinations": [{"region": dr_region, "registry_id": account}],
                    "repository_filters": [
                        {"filter": repository, "filter_type": "PREFIX_MATCH"}
                        for repository in repositories
                    ],
                }
            ]
        },
        opts=opts,
    )
