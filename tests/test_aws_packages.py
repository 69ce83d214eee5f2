"""The offline runner's on-demand pulumi_aws service packages (tools/offline/aws_packages.py).

Properties:
- every name an on-demand package serves is the very object the package's own `__init__` binds
  (same identity, so a resource registers exactly as before), and it serves every such name;
- what the loader does not understand is loaded the usual way, never guessed: a package whose
  `__init__` has other statements is not taken, a name outside the exports runs the real
  `__init__`, and a module without a literal `__all__` is refused;
- a later star import of a name wins, as it does in the `__init__`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi_aws
import pytest

from tools.offline import aws_packages

SMALL_SERVICES = ("kms", "sns", "ecr")
"""Services with resources, data sources, enums, input and output types, quick to load whole."""


def on_demand_package(service: str) -> ModuleType:
    """A fresh on-demand package for `service`, whatever this process imported before."""
    spec = aws_packages.ServicePackageFinder().find_spec(
        f"pulumi_aws.{service}", list(pulumi_aws.__path__)
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def eager_namespace(service: str) -> dict[str, Any]:
    """What the package's own `__init__` binds, run in a fresh namespace (submodules shared),
    with the binding of each submodule's name the import system makes in its package."""
    package = importlib.import_module(f"pulumi_aws.{service}")
    init = Path(package.__file__ or "")
    namespace: dict[str, Any] = {
        "__name__": package.__name__,
        "__package__": package.__name__,
        "__path__": list(package.__path__),
    }
    exec(compile(init.read_text(encoding="utf-8"), str(init), "exec"), namespace)
    prefix = f"{package.__name__}."
    for name, module in list(sys.modules.items()):
        if name.startswith(prefix) and "." not in name[len(prefix) :]:
            namespace.setdefault(name[len(prefix) :], module)
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("__") and name not in {"_utilities", "_builtins", "typing"}
    }


@pytest.mark.parametrize("service", SMALL_SERVICES)
def test_every_name_is_the_object_the_init_binds(service: str) -> None:
    eager = eager_namespace(service)
    lazy = on_demand_package(service)
    init = Path(lazy.__file__ or "")
    exports = aws_packages.export_map(init.parent, init.read_text(encoding="utf-8"))
    assert set(exports) == set(eager), "the export map must list exactly what the init binds"
    wrong = [name for name, value in eager.items() if getattr(lazy, name) is not value]
    assert wrong == []


def test_a_resource_is_served_without_loading_the_rest_of_its_service() -> None:
    lazy = on_demand_package("kms")
    assert lazy.Key is importlib.import_module("pulumi_aws.kms.key").Key
    assert "Alias" not in vars(lazy), "only the names asked for are bound: the init did not run"


def test_a_package_with_other_statements_is_loaded_the_usual_way() -> None:
    # pulumi_aws.config's __init__ swaps its module class: not a star-import package.
    spec = aws_packages.ServicePackageFinder().find_spec(
        "pulumi_aws.config", list(pulumi_aws.__path__)
    )
    assert spec is None


def test_a_name_outside_the_exports_runs_the_real_init() -> None:
    lazy = on_demand_package("sns")
    assert lazy._utilities is importlib.import_module("pulumi_aws._utilities")
    assert lazy.Topic is importlib.import_module("pulumi_aws.sns.topic").Topic
    with pytest.raises(AttributeError, match="NoSuchResource"):
        _ = lazy.NoSuchResource


def test_a_missing_name_raises_attribute_error_after_the_real_init() -> None:
    lazy = on_demand_package("kms")
    with pytest.raises(AttributeError):
        _ = lazy.NotAKmsResource
    assert "Key" in vars(lazy), "the real __init__ ran, binding every export"


def test_other_statements_in_an_init_are_not_understood() -> None:
    with pytest.raises(aws_packages.NotUnderstood, match=r"sys\.modules"):
        aws_packages.init_modules("from .key import *\nsys.modules[__name__].x = 1\n")
    assert aws_packages.init_modules(
        "import builtins as _builtins\nfrom .. import _utilities\nimport typing\n"
        "# a comment\nfrom ._enums import *\nfrom .key import *\nfrom . import outputs\n"
    ) == (["_enums", "key"], ["outputs"])


@pytest.mark.parametrize(
    "text",
    [
        "x = 1\n",
        "__all__ = ['A' + 'B']\n",
        "__all__ = [1, 2]\n",
        "__all__ = ['A',\n",
    ],
)
def test_a_module_without_a_literal_all_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "module.py"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(aws_packages.NotUnderstood):
        aws_packages.literal_all(path)


def test_a_long_all_past_the_first_read_is_read_whole(tmp_path: Path) -> None:
    names = [f"Name{i}Args" for i in range(2000)]
    path = tmp_path / "_inputs.py"
    path.write_text("import x\n" * 600 + f"__all__ = {names!r}\n", encoding="utf-8")
    assert aws_packages.literal_all(path) == names


def test_the_last_star_import_of_a_name_wins(tmp_path: Path) -> None:
    (tmp_path / "first.py").write_text("__all__ = ['Shared', 'first']\n", encoding="utf-8")
    (tmp_path / "second.py").write_text("__all__ = ['Shared']\n", encoding="utf-8")
    init = "from .first import *\nfrom .second import *\nfrom . import outputs\n"
    assert aws_packages.export_map(tmp_path, init) == {
        "first": ("first", "first"),  # the module's function of its own name replaces it
        "Shared": ("second", "Shared"),
        "second": ("second", None),
        "outputs": ("outputs", None),
    }


def test_an_export_named_like_another_module_is_not_understood(tmp_path: Path) -> None:
    """Which of the two the package ends with would depend on import order: load it whole."""
    (tmp_path / "first.py").write_text("__all__ = ['second']\n", encoding="utf-8")
    (tmp_path / "second.py").write_text("__all__ = ['Other']\n", encoding="utf-8")
    with pytest.raises(aws_packages.NotUnderstood, match="second"):
        aws_packages.export_map(tmp_path, "from .first import *\nfrom .second import *\n")
