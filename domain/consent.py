"""Consent state of a customer code as of a moment (R14, R15). Pure: no I/O.

The e-invoicing form signed with the contract (`channel_choice`) is the first
expression of consent (R15): `portal` is electronic in the portal from the first
document; `network` stays on paper until an activation code is redeemed (R16);
`paper` or nothing is paper. Later consent events (code redeemed, opt-out) are
folded over it in order of time; only events at or before `as_of` count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    customer_code: str
    at: datetime
    event: str  # network_activated | portal_activated | opted_out
    channel: str = ""


@dataclass(frozen=True, slots=True)
class Consent:
    customer_code: str
    portal: bool
    network: bool
    basis: str  # why, in words an operator can read back
    since: datetime | None = None

    @property
    def electronic(self) -> bool:
        return self.portal or self.network


def consent_from_channel_choice(customer_code: str, channel_choice: str | None) -> Consent:
    choice = (channel_choice or "paper").lower()
    if choice == "portal":
        return Consent(customer_code, True, False, "R15 e-invoicing form: portal")
    if choice == "network":
        return Consent(
            customer_code, False, False, "R15 e-invoicing form: network, paper until code redeemed"
        )
    return Consent(customer_code, False, False, "R14 paper is the default")


def fold_consent(initial: Consent, events: list[ConsentEvent], as_of: datetime) -> Consent:
    state = initial
    for event in sorted(events, key=lambda e: e.at):
        if event.at > as_of:
            break
        if event.event == "network_activated":
            state = Consent(
                state.customer_code, state.portal, True, "R16 activation code redeemed", event.at
            )
        elif event.event == "portal_activated":
            state = Consent(
                state.customer_code,
                True,
                state.network,
                "R15 electronic delivery activated",
                event.at,
            )
        elif event.event == "opted_out":
            state = Consent(
                state.customer_code, False, False, "R20 opted out: back to paper", event.at
            )
    return state
