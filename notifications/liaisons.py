"""Whom a batch's receipts go to: the units' current liaisons, read once."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from schemas.tables import Contact, current_contacts


class Liaisons:
    """The current liaisons of every unit of a campaign, read in one query for a batch of receipts
    (the one query for who a unit's mail goes to, `current_contacts`), read again after `forget`:
    a contacts form accepted in the batch may change them."""

    def __init__(self, campaign_id: str) -> None:
        self.campaign_id = campaign_id
        self._by_unit: dict[str, list[Contact]] | None = None

    def of(self, session: Session, unit: str) -> list[Contact]:
        if self._by_unit is None:
            self._by_unit = defaultdict(list)
            for name, c in current_contacts(session, self.campaign_id, roles=("liaison",)):
                self._by_unit[name].append(c)
        return self._by_unit.get(unit, [])

    def forget(self) -> None:
        self._by_unit = None
