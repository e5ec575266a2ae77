"""Network channel (R14, R16): rendered network deliveries reach the customer code's
mailbox on the e-invoicing network (status `published`), one audit event each."""

from __future__ import annotations

from tasks.publish import publish_deliveries


def publish_network_deliveries(con, actor: str) -> int:
    return publish_deliveries(con, "network", actor)
