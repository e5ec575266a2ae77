"""Alerts as code (issue 19): apply automations.yaml to the Prefect API.

    load_automations(path, notify_block_id) -> [AutomationCore]
    apply_automations(path, notify_block) -> [(name, "created" | "updated")]

Create or update by name, so applying twice leaves one automation of each name. The file
is Prefect's own format (`prefect automation create -f` reads it too); `notify-block`
in it stands for the id of the operators' notification block, named on the command line
as `TYPE/NAME` (as `prefect block inspect` names blocks), e.g. `email/iportal-operators`.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import yaml

PLACEHOLDER = "notify-block"
DEFAULT_FILE = Path(__file__).resolve().parents[1] / "automations.yaml"


def load_automations(path: Path, notify_block_id: UUID | None) -> list:
    from prefect.events.schemas.automations import AutomationCore

    specs = yaml.safe_load(path.read_text(encoding="utf-8"))["automations"]
    for spec in specs:
        for action in spec["actions"]:
            if action.get("block_document_id") == PLACEHOLDER:
                if notify_block_id is None:
                    raise ValueError(f"{spec['name']} notifies: give --notify-block TYPE/NAME")
                action["block_document_id"] = str(notify_block_id)
    return [AutomationCore.model_validate(spec) for spec in specs]


def apply_automations(path: Path, notify_block: str | None) -> list[tuple[str, str]]:
    from prefect.client.orchestration import get_client

    done = []
    with get_client(sync_client=True) as client:
        block_id = None
        if notify_block:
            slug, _, name = notify_block.partition("/")
            if not name:
                raise ValueError(f"--notify-block {notify_block!r}: expected TYPE/NAME")
            block_id = client.read_block_document_by_name(name, slug).id
        for automation in load_automations(path, block_id):
            existing = client.read_automations_by_name(automation.name)
            if existing:
                client.update_automation(existing[0].id, automation)
                for extra in existing[1:]:  # made by hand with `prefect automation create`
                    client.delete_automation(extra.id)
                done.append((automation.name, "updated"))
            else:
                client.create_automation(automation)
                done.append((automation.name, "created"))
    return done
