"""A procedure a person runs by hand names a credential a person can obtain.

The deploy roles trust only GitHub Actions jobs of one environment (deploy/trust-policy.json:
the OIDC provider, `sub` = `repo:<repo>:environment:<env>`), so nobody at a terminal can assume
them. A runbook step that runs `pulumi up` by hand "with the deploy role" cannot be followed.
"""

from __future__ import annotations

import json
import re

from tools.offline.runner import ROOT

TRUST = ROOT / "deploy" / "trust-policy.json"
BY_HAND = {
    "docs/runbooks/rollback.md": "## 3. The emergency path",
    "docs/runbooks/disaster-recovery.md": "2. **Build the stack in the DR region.**",
}
"""Runbook -> the heading of the section a person runs by hand."""


def section(path: str, heading: str) -> str:
    text = (ROOT / path).read_text()
    start = text.index(heading)
    following = re.search(r"\n(## |\d+\. \*\*)", text[start + len(heading) :])
    end = start + len(heading) + following.start() if following else len(text)
    return text[start:end]


def test_the_deploy_roles_trust_only_github_jobs() -> None:
    (statement,) = json.loads(TRUST.read_text())["Statement"]
    assert set(statement["Principal"]) == {"Federated"}
    assert statement["Principal"]["Federated"].endswith(
        ":oidc-provider/token.actions.githubusercontent.com"
    )


def test_by_hand_sections_name_a_break_glass_session() -> None:
    """Property: every by-hand section that runs `pulumi up` says which session a person uses,
    and never offers a deploy role as that session."""
    for path, heading in BY_HAND.items():
        text = section(path, heading)
        assert "pulumi up" in text, path
        assert "break-glass administrator session" in text, path
        assert not re.search(r"someone with [a-z-]+'s deploy role", text), path
