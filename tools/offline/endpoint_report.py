"""The preview's "Interface endpoints" section: each endpoint with the callers it serves.

Every interface endpoint costs per AZ-hour; the reachability model
(perfcheck_deploy/reachability.py) is what proves one is needed, so the preview shows its
evidence next to the resource.
"""

from __future__ import annotations

from foundation.records import StackRun


def render_endpoint_callers(run: StackRun) -> list[str]:
    """Lines for the preview: `  <endpoint>: <caller>: <why>`, one caller per line; an endpoint
    with none says so (the deploy check `endpoint-without-caller` blocks it too)."""
    from tools.offline.policy_driver import DEPLOY_PACK_DIR, add_pack_paths

    add_pack_paths(DEPLOY_PACK_DIR)  # the deploy pack's modules import by name
    from perfcheck_deploy.reachability import endpoint_callers
    from perfcheck_deploy.stack import stack_index

    served = endpoint_callers(stack_index(run))
    if not served:
        return []
    lines = [f"Interface endpoints and the callers each serves ({len(served)}):"]
    for endpoint in sorted(served):
        callers = served[endpoint]
        if not callers:
            lines.append(f"  {endpoint}: NO CALLER (remove it)")
            continue
        lines.append(f"  {endpoint}: {callers[0]}")
        lines.extend(f"  {' ' * len(endpoint)}  {caller}" for caller in callers[1:])
    return lines
