"""What the office's registration form asks the workflow service before saving: the leaders an
item may name (``GET /leaders``) and the deadline an urgency gives (``GET /deadlines/preview``,
counted in official working days by the same rule the processes use)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.services import REPO, auth, serving

FLOWS = REPO / "tests" / "fixtures" / "flows"


@pytest.fixture
def app(make_workflow_app: Callable[..., Any]) -> Any:
    return make_workflow_app(FLOWS)


async def test_the_leaders_are_listed_for_any_signed_in_user_and_no_one_else(app: Any) -> None:
    async with serving(app) as client:
        assert (await client.get("/leaders")).status_code == 401
        answer = await client.get("/leaders", headers=auth("office"))
        assert answer.status_code == 200, answer.text
        leaders = {leader["username"]: leader for leader in answer.json()["items"]}
        assert set(leaders) == {"mayor", "leader", "secretary-general"}
        assert leaders["secretary-general"] == {"username": "secretary-general", "name": "陈东",
                                                "title": "市政府秘书长", "secretary_general": True}


async def test_the_deadline_preview_counts_working_days_across_the_national_day_holiday(app: Any) -> None:
    async with serving(app) as client:
        assert (await client.get("/deadlines/preview", params={"urgency": "normal"})).status_code == 401
        answer = await client.get("/deadlines/preview", params={"urgency": "normal", "start": "2026-09-30"},
                                  headers=auth("office"))
        assert answer.status_code == 200, answer.text
        preview = answer.json()
        # 1–7 October are off, Saturday 10 October is a make-up working day
        assert (preview["working_days"], preview["due_date"], preview["sign_due_date"]) == (5, "2026-10-13",
                                                                                          "2026-10-08")
        assert "5个工作日" in preview["explanation"] and "10月13日前报告" in preview["explanation"]
        urgent = (await client.get("/deadlines/preview", params={"urgency": "urgent", "start": "2026-09-30"},
                                   headers=auth("office"))).json()
        assert urgent["due_date"] == "2026-10-10"  # the make-up Saturday is the third working day
        special = (await client.get("/deadlines/preview", params={"urgency": "special"}, headers=auth("office"))).json()
        assert special["due_date"] is None and "责任领导确定" in special["explanation"]
        today = (await client.get("/deadlines/preview", params={"urgency": "difficult"}, headers=auth("office"))).json()
        assert today["start"] == "2026-03-02" and today["working_days"] == 10  # the service's clock: Monday 2 March


@pytest.mark.parametrize("params", [{"urgency": "soon"}, {"urgency": "normal", "start": "0001-01-01"},
                                    {"urgency": "normal", "start": "2026-13-01"}, {}])
async def test_a_bad_preview_is_refused_with_a_reason(app: Any, params: dict[str, str]) -> None:
    async with serving(app) as client:
        answer = await client.get("/deadlines/preview", params=params, headers=auth("office"))
        assert answer.status_code == 422 and answer.json()["detail"], answer.text
