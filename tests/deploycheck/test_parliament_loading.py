"""How the deploy pack loads parliament (perfcheck_deploy/iam.py `_parliament_linter`).

Properties:
- the linter is parliament's own, reading its privilege data and config from the very files
  pkg_resources names, and it judges a document as parliament does;
- the stand-in for pkg_resources never outlives parliament's import: afterwards the name is
  absent or the real pkg_resources, for every later importer;
- a failing import under the stand-in is retried the ordinary way.

Each case runs in a fresh interpreter: this one may have imported parliament already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tools.offline.policy_driver import DEPLOY_PACK_DIR, KIT_DIR, ROOT

PRELUDE = f"""
import sys
sys.path[:0] = [{str(ROOT)!r}, {str(KIT_DIR)!r}, {str(DEPLOY_PACK_DIR)!r}]
from perfcheck_deploy import iam
"""


def run_fresh(body: str) -> str:
    code = PRELUDE + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_parliament_reads_the_files_pkg_resources_names_and_the_stand_in_is_gone() -> None:
    out = run_fresh(
        """
        document = (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            '"Action": "s3:GetObjectt", "Resource": "*"}]}'
        )
        issues = sorted(f.issue for f in iam.analyze_policy_string(document).findings)
        assert "pkg_resources" not in sys.modules, "the stand-in outlived the import"
        import parliament
        import pkg_resources  # the real one, now
        assert pkg_resources.__file__, "the real pkg_resources (the stand-in has no file)"
        for name, path in (("iam_definition.json", parliament.iam_definition_path),
                           ("config.yaml", parliament.config_path)):
            assert path == pkg_resources.resource_filename("parliament", name), (name, path)
        assert iam._parliament_linter() is parliament.analyze_policy_string
        assert issues == sorted(
            f.issue for f in parliament.analyze_policy_string(document).findings
        )
        print(issues)
        """
    )
    assert "UNKNOWN_ACTION" in out


def test_with_pkg_resources_imported_first_the_real_one_serves() -> None:
    run_fresh(
        """
        import pkg_resources
        iam._parliament_linter()
        assert sys.modules["pkg_resources"] is pkg_resources
        """
    )


def test_a_failing_import_under_the_stand_in_is_retried_the_ordinary_way() -> None:
    run_fresh(
        """
        import builtins
        real_import = builtins.__import__
        failures = []

        def once_failing(name, *args, **kwargs):
            # the first import of parliament's privilege data reader fails, as a stand-in
            # missing something parliament needs would
            if name == "jsoncfg" and not failures:
                failures.append(name)
                raise AttributeError("pkg_resources stand-in lacks something")
            return real_import(name, *args, **kwargs)

        builtins.__import__ = once_failing
        linter = iam._parliament_linter()
        builtins.__import__ = real_import
        import parliament
        assert failures == ["jsoncfg"]
        assert linter is parliament.analyze_policy_string
        assert parliament.iam_definition, "imported whole the second time"
        """
    )
