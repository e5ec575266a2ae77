"""The CLI's name for the settings, which live in the top-level `config` package so that
flows and tasks read them without importing the CLI (issue 22)."""

from config.issuers import DEFAULT_ISSUERS, Issuer
from config.settings import Settings, _cached, load_or_create_secret, load_settings

# `_cached`: tests clear the per-process settings cache after changing the environment.
__all__ = [
    "DEFAULT_ISSUERS",
    "Issuer",
    "Settings",
    "_cached",
    "load_or_create_secret",
    "load_settings",
]
