"""Shared building blocks of the perfcheck policy packs (vendored into each pack directory).

`pulumi policy publish` uploads one pack directory alone, so each pack carries its own copy of this
package; `policies/shared/perfcheck_policykit` is the source, `tools/gen_policy_files.py` copies it
and a test fails when a copy differs.
"""

from .rules import (
    EXEMPTION_PREFIX,
    INTERNAL_ERROR_PREFIX,
    UNKNOWN_PREFIX,
    ResourceContext,
    ResourceRule,
    Rule,
    StackContext,
    StackIndex,
    StackRule,
)
from .values import UNKNOWN, InvalidJson, is_unknown

__all__ = [
    "EXEMPTION_PREFIX",
    "INTERNAL_ERROR_PREFIX",
    "UNKNOWN",
    "UNKNOWN_PREFIX",
    "InvalidJson",
    "ResourceContext",
    "ResourceRule",
    "Rule",
    "StackContext",
    "StackIndex",
    "StackRule",
    "is_unknown",
]
