"""pulumi_aws service packages that load a resource's module when it is named, not the whole.

Why: a service package's `__init__` imports every module of the service (`from .web_acl import *`
for each of hundreds of resources and data sources), so naming one resource, `aws.ec2.Eip`, used
to load all of ec2. That was about a third of an offline preview's CPU. Here the package is
created without running its `__init__`; the first name asked of it builds, from the same
`__init__` and each module's literal `__all__`, the map of which module each name comes from
(the last import of a name wins, as it does in the `__init__`), and a name is served by importing
that one module. The objects are the very same ones the eager package exports: a resource is
registered exactly as before. Anything not understood (an `__init__` with other statements, a
module without a literal `__all__`, a name no module exports) falls back to running the real
`__init__`, so the package then behaves as it always did.

Used by the offline runner only: `pulumi up` imports pulumi_aws as it is.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

PROVIDER_PACKAGE = "pulumi_aws"

_STAR_IMPORT = re.compile(r"from \.([a-z_0-9]+) import \*")
_SUBMODULE_IMPORT = re.compile(r"from \. import ([a-z_0-9]+)")
_INERT_LINES = re.compile(
    r"(#.*|import builtins as _builtins|from \.\. import _utilities|import typing|)"
)
_ALL_START = re.compile(r"^__all__ = \[", re.MULTILINE)
_HEAD_BYTES = 4096


class NotUnderstood(Exception):
    """A package or module this loader does not read: the package is loaded the usual way."""


def init_modules(init_text: str) -> tuple[list[str], list[str]]:
    """The modules a service `__init__` star-imports, in order, and those it binds by name.

    Raises NotUnderstood for any other statement: such a package is loaded eagerly.
    """
    star: list[str] = []
    named: list[str] = []
    for line in init_text.splitlines():
        if match := _STAR_IMPORT.fullmatch(line):
            star.append(match.group(1))
        elif match := _SUBMODULE_IMPORT.fullmatch(line):
            named.append(match.group(1))
        elif not _INERT_LINES.fullmatch(line):
            raise NotUnderstood(f"unexpected line in the package __init__: {line!r}")
    return star, named


def literal_all(path: Path) -> list[str]:
    """A module's `__all__` as written (a literal list of strings), read without importing it."""
    with path.open(encoding="utf-8") as source:
        text = source.read(_HEAD_BYTES)
        start = _ALL_START.search(text)
        if start is None:
            text += source.read()
            start = _ALL_START.search(text)
        if start is None:
            raise NotUnderstood(f"{path.name} has no __all__ = [...]")
        end = text.find("]", start.end())
        while end < 0:
            more = source.read(1 << 16)
            if not more:
                raise NotUnderstood(f"{path.name}: __all__ is not closed")
            text += more
            end = text.find("]", start.end())
    try:
        names = ast.literal_eval(text[start.end() - 1 : end + 1])
    except (ValueError, SyntaxError) as error:
        raise NotUnderstood(f"{path.name}: __all__ is not a literal list") from error
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise NotUnderstood(f"{path.name}: __all__ is not a list of names")
    return names


def export_map(directory: Path, init_text: str) -> dict[str, tuple[str, str | None]]:
    """Each name the package binds -> (module, attribute), attribute None for the module itself.

    As in the `__init__`: importing a module binds its own name in the package, then its star
    import binds its `__all__` (a module's function of the module's name replaces the module), and
    a later star import of a name wins. A name that is another module's name is not understood:
    which one the package ends with would depend on import order.
    """
    star, named = init_modules(init_text)
    submodules = {path.stem for path in directory.glob("*.py")}
    exports: dict[str, tuple[str, str | None]] = {}
    for module in star:
        exports[module] = (module, None)
        for name in literal_all(directory / f"{module}.py"):
            if name != module and name in submodules:
                raise NotUnderstood(f"{module} exports {name}, also a module's name")
            exports[name] = (module, name)
    for module in named:
        exports[module] = (module, None)
    return exports


class _ServicePackageLoader(importlib.abc.Loader):
    """Creates a service package without running its `__init__`; names are served on demand."""

    def __init__(self, origin: str) -> None:
        self._origin = origin

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        origin = self._origin
        directory = Path(origin).parent
        lock = threading.RLock()
        state: dict[str, Any] = {"exports": None, "eager": False}

        def load_eagerly() -> None:
            """Run the real `__init__` in the package: from then on it is the usual package."""
            if state["eager"]:
                return
            state["eager"] = True
            del module.__dict__["__getattr__"]
            code = compile(Path(origin).read_text(encoding="utf-8"), origin, "exec")
            exec(code, module.__dict__)

        def exports() -> dict[str, tuple[str, str | None]] | None:
            if state["exports"] is None:
                try:
                    state["exports"] = export_map(directory, Path(origin).read_text("utf-8"))
                except (NotUnderstood, OSError):
                    state["exports"] = {}
                    load_eagerly()
            return None if state["eager"] else state["exports"]

        def __getattr__(name: str) -> Any:
            with lock:
                if not state["eager"]:
                    known = exports()
                    if known is not None and name in known:
                        source_name, attribute = known[name]
                        source = importlib.import_module(f"{module.__name__}.{source_name}")
                        value = source if attribute is None else getattr(source, attribute)
                        setattr(module, name, value)
                        return value
                    if not name.startswith("__"):
                        load_eagerly()
                if name in module.__dict__:
                    return module.__dict__[name]
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class ServicePackageFinder(importlib.abc.MetaPathFinder):
    """Finds `pulumi_aws.<service>` packages and gives them the on-demand loader."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        parent, _, service = fullname.rpartition(".")
        if parent != PROVIDER_PACKAGE or not service or path is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.submodule_search_locations:
            return None
        try:
            init_modules(Path(spec.origin).read_text(encoding="utf-8"))
        except (NotUnderstood, OSError):
            return None
        lazy = importlib.util.spec_from_file_location(
            fullname,
            spec.origin,
            loader=_ServicePackageLoader(spec.origin),
            submodule_search_locations=list(spec.submodule_search_locations),
        )
        return lazy


_FINDER = ServicePackageFinder()


def install() -> None:
    """Serve pulumi_aws service packages on demand from now on (idempotent).

    Packages already imported stay as they are.
    """
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
