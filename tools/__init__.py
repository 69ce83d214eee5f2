"""Developer tools beside the Pulumi program: the offline preview, benchmarks, generators.

Every tool needs the project's virtualenv (pulumi, pydantic, ...). Typed with another Python
(`python -m tools.offline.preview` outside the venv), a tool says how to run it instead of
failing on its first import with a traceback.
"""

from __future__ import annotations

import importlib.util
import sys

VENV_HINT = (
    "run the project's tools with its virtualenv, from the repository root: a `make` target "
    "(`make help` lists them; the first one builds .venv) or `.venv/bin/python -m tools...`"
)


def _outside_the_virtualenv() -> bool:
    return any(importlib.util.find_spec(name) is None for name in ("pulumi", "yaml", "pydantic"))


if _outside_the_virtualenv():  # pragma: no cover - exercised by a subprocess test
    sys.stderr.write(f"{sys.executable} lacks the project's packages: {VENV_HINT}.\n")
    sys.exit(2)
