"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): foundation.

Each names the property it guards; the mutant it was written for is in its docstring."""
