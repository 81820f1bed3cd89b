"""The reporting read model's counted fields agree with the ledger's projection on the same
events (so a bulletin and ``/stats`` count alike), in order and reordered."""

from __future__ import annotations

import random

from services.ledger.domain.state import ItemState
from services.reporting.domain.bulletin_items import BulletinItem, apply
from shared.contracts.base import Message
from tests.support.item_story import ItemStory, projection

COUNTED = ("placeholder", "lead_unit", "co_units", "status", "due_date", "overdue", "assigned_on", "closed_on",
           "on_time", "returned_count", "reopened_count")


Units = list[tuple[str, str | None]]


def both(events: list[Message]) -> tuple[ItemState, BulletinItem, Units, Units]:
    """The ledger's row and ours, our facts and the ledger's timeline entries of the same kinds."""
    story_id = events[0].item_id  # type: ignore[attr-defined]
    ledger, ours, facts, entries = ItemState(story_id), BulletinItem(story_id), [], []
    for event in events:
        ledger, entry = projection().apply(ledger, event)
        ours, fact = apply(ours, event)
        if fact is not None:
            facts.append((fact.kind, fact.unit))
            assert entry is not None
            entries.append((entry.kind, entry.unit))
    return ledger, ours, facts, entries


def test_a_whole_life_counts_alike_in_order_and_shuffled() -> None:
    story = ItemStory()
    events = [*story.life(), story.revisit_failed(), story.reopened()]
    for seed in (None, 1, 2, 3):
        shuffled = list(events)
        if seed is not None:
            random.Random(seed).shuffle(shuffled)
        ledger, ours, facts, entries = both(shuffled)
        assert {k: getattr(ours, k) for k in COUNTED} == {k: getattr(ledger, k) for k in COUNTED}
        assert facts == entries  # the same unit for each counted event (None before the units are known)
        assert sorted(k for k, _ in facts) == ["accountability.opened", "deadline.overdue", "item.reopened",
                                               "report.returned", "revisit.completed"]
    assert (ours.revisits_failed, ours.revisits_passed, ours.code) == (1, 0, story.code)
