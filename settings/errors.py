"""The one error a bad stack configuration produces: every problem, one line each."""

from __future__ import annotations


class SettingsError(Exception):
    """Raised before any resource is registered when the stack config is invalid."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        header = f"Invalid configuration for stack '{self.stack}' ({len(self.problems)} problem"
        header += "s):" if len(self.problems) != 1 else "):"
        return "\n".join([header, *(f"  - {p}" for p in self.problems)])
