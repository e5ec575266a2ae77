"""Configuration of the back office: the issuers (R1) and the settings model.

Below flows/ and tasks/ in the dependency direction (`flows → tasks → (domain, config,
warehouse)`), so no step imports the CLI package to learn a setting (issue 22);
`iportal.config` re-exports these names for the CLI.
"""

from config.issuers import DEFAULT_ISSUERS, Issuer
from config.settings import Settings, load_or_create_secret, load_settings

__all__ = ["DEFAULT_ISSUERS", "Issuer", "Settings", "load_or_create_secret", "load_settings"]
