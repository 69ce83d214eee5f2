"""The pulumi-aws resource types whose constructor accepts `tags` (the ones that must carry cost
tags), so the cost pack knows them without depending on pulumi_aws itself.

The table is data, generated into taggable_types.json beside this module by
tools/gen_policy_files.py from the installed pulumi-aws; regenerate after upgrading pulumi-aws
(`make regen`). A packaged pack carries the file with the module.
"""

import json
from pathlib import Path
from typing import Final

_TABLE = json.loads(Path(__file__).with_suffix(".json").read_text(encoding="utf-8"))

PULUMI_AWS_VERSION: Final[str] = _TABLE["pulumiAws"]
TAGGABLE_TYPES: Final[frozenset[str]] = frozenset(_TABLE["types"])
