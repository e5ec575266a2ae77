"""The customers' web portal (issue 8): see iportal/web/app.py and docs/portal.md."""

from iportal.web.app import create_app
from iportal.web.config import PortalConfig, PortalSettings

__all__ = ["PortalConfig", "PortalSettings", "create_app"]
