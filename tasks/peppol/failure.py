"""A failed validation rule, whatever layer found it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

LAYERS = ("xsd", "en16931", "peppol", "iportal")


@dataclass(frozen=True, slots=True)
class Failure:
    layer: str  # xsd | en16931 (CEN rules) | peppol (OpenPeppol rules) | iportal (own policy)
    rule_id: str  # the publisher's id (BR-CO-15, PEPPOL-EN16931-R003) or IPORTAL-PEPPOL-*
    text: str  # the rule's own words, prefixed with its id
    flag: str = "fatal"  # fatal | warning (warnings do not stop a document)
    location: str = ""  # XPath or line where the rule failed

    def as_dict(self) -> dict:
        return asdict(self)


def is_blocking(failures: list[Failure]) -> bool:
    """A document with a fatal failure is not sent (issue 7); warnings travel with it."""
    return any(f.flag == "fatal" for f in failures)
