"""Container image references: `registry/repository[:tag][@sha256:<64 hex>]`.

A digest names one image for ever; a tag is a pointer that can move (or, in an IMMUTABLE ECR
repository, name an image no gate ever judged). Prod deploys by digest, the digest the staging
deploy verified (docs/delivery.md, "Promotion"); these helpers read and write the references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGEST_PATTERN = r"sha256:[0-9a-f]{64}"
TAG_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
# Docker's reference grammar, simplified: lowercase path components, optional registry port.
_REFERENCE = re.compile(
    rf"^(?P<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    rf"(?::(?P<tag>{TAG_PATTERN}))?(?:@(?P<digest>{DIGEST_PATTERN}))?$"
)
# Tag words that mean "whatever was pushed last": such a tag names a different image tomorrow.
MOVING_TAG_WORDS = frozenset(
    {"latest", "stable", "edge", "nightly", "head", "current", "main", "master", "snapshot"}
)


@dataclass(frozen=True)
class ImageReference:
    repository: str
    tag: str | None = None
    digest: str | None = None

    def pinned(self, digest: str | None) -> str:
        """This image as ECS should pull it: by digest when one is known, else by tag."""
        digest = digest or self.digest
        if digest:
            return f"{self.repository}@{digest}"
        return f"{self.repository}:{self.tag}" if self.tag else self.repository


def parse_image_reference(uri: str) -> ImageReference:
    """Split an image URI, or raise ValueError saying what a valid one looks like."""
    match = _REFERENCE.match(uri)
    if not match:
        raise ValueError(
            f"'{uri}' is not an image reference: expected registry/repository[:tag]"
            "[@sha256:<64 hex digits>], lowercase repository path"
        )
    return ImageReference(match["repository"], match["tag"], match["digest"])


def moving_tag_word(tag: str | None) -> str | None:
    """The word that makes `tag` a moving tag (`latest`, `main-latest`, ...), or None."""
    if not tag:
        return None
    words = re.split(r"[._-]", tag.lower())
    return next((word for word in words if word in MOVING_TAG_WORDS), None)
