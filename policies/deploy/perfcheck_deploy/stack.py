"""The deploy checks read the stack through the one model in `foundation.stackmodel`.

Values a preview cannot know yet arrive as the engine's unknown sentinel; checks ask `is_unknown`
(anything inside the value unknown) before judging a value and skip it, so an unknown is never
flagged.
"""

from __future__ import annotations

from foundation.records import RunIndex as StackIndex
from foundation.records import stack_index
from foundation.stackmodel import REFERENCE_KEYS, as_bool, as_int, text
from foundation.stackmodel import contains_unknown as is_unknown

__all__ = ["REFERENCE_KEYS", "StackIndex", "as_bool", "as_int", "is_unknown", "stack_index", "text"]
