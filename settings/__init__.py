"""Stack settings: read once from the stack's config, validated, typed and frozen."""

from settings.errors import SettingsError
from settings.loader import load_settings, settings_from_config
from settings.schema import Settings

__all__ = ["Settings", "SettingsError", "load_settings", "settings_from_config"]
