"""The members of an ECS ContainerDefinition, nested: a dict is a structure (member name -> its
members), "map" a map whose keys are data (kept as written), None a scalar or a list of
scalars; a list of structures has its element's members. foundation/containers.py normalises
containerDefinitions keys to these spellings the way pulumi-aws decodes them.

The shape is data, generated into ecs_container_shape.json beside this module by
tools/gen_policy_files.py from botocore's ECS model (`make regen`), so foundation needs no
botocore.
"""

import json
from pathlib import Path
from typing import Any, Final

_TABLE = json.loads(Path(__file__).with_suffix(".json").read_text(encoding="utf-8"))

CONTAINER_DEFINITION: Final[dict[str, Any]] = _TABLE["containerDefinition"]
