"""The public board's pure core: the projection cut down to public fields, the flood limit,
hiding and answering feedback."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.ledger.domain.state import ItemState
from services.reporting.domain import public_board as board
from services.reporting.domain.public_feedback import Feedback, FeedbackHidden, FloodLimit, TooMuchFeedback
from tests.support.item_story import ItemStory, projection

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def test_the_board_keeps_public_fields_only_and_shows_an_item_once_assigned() -> None:
    story = ItemStory(public=True, leader="leader")
    state = ItemState(story.item_id)
    seen = []
    for event in story.with_progress([story.registered(), story.approved(), story.assigned(), story.signed(),
                                      story.submitted(content="内部报告")]):
        state = board.apply(projection(), state, event)
        seen.append(board.on_board(state))
    assert seen[0] is False and seen[-1] is True
    assert (state.leader, state.progress, state.co_units) == (None, "", ())  # never kept
    assert state.status == "reported" and state.due_date == dt.date(2026, 3, 9)
    assert set(board.row_of(state)) == set(board.STORED_FIELDS)
    assert not board.on_board(board.apply(projection(), ItemState(uuid.uuid4()), ItemStory().registered()))


def test_a_flood_waits_until_the_oldest_leaves_the_window() -> None:
    limit = FloodLimit(limit=3, window=dt.timedelta(minutes=10))
    times = [T0, T0 + dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=2)]
    limit.check(times[:2], T0 + dt.timedelta(minutes=3))
    with pytest.raises(TooMuchFeedback) as refused:
        limit.check(times, T0 + dt.timedelta(minutes=3))
    assert refused.value.retry_after == 7 * 60 and refused.value.headers == {"Retry-After": "420"}
    limit.check(times, T0 + dt.timedelta(minutes=10, seconds=1))  # the first one is out
    with pytest.raises(TooMuchFeedback) as soon:
        limit.check(times, T0 + dt.timedelta(minutes=9, seconds=59, microseconds=500_000))
    assert soon.value.retry_after == 1


def test_hidden_feedback_is_neither_hidden_again_nor_answered() -> None:
    given = Feedback(id=uuid.uuid4(), item_id=uuid.uuid4(), rating=2, text="慢", contact="138", client="1.2.3.4",
                     created_at=T0)
    answered = given.answered("已督促", "office", T0)
    assert answered.public_view()["answer"] == "已督促" and "contact" not in answered.public_view()
    assert "client" not in answered.office_view()
    hidden = answered.hide("广告", "office", T0)
    assert hidden.hidden and hidden.hidden_reason == "广告"
    for verb in (lambda: hidden.hide("再次", "office", T0), lambda: hidden.answered("回复", "office", T0)):
        with pytest.raises(FeedbackHidden):
            verb()
