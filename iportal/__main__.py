"""`python -m iportal` runs the CLI (used by tests that need a second process)."""

from iportal.cli import app

app()
