"""The engine's fast restore (services/workflow/engine/restoring.py) against SpiffWorkflow's own.

Every step of every path test is checked the same way by tests/support/process_driver.py;
this file names the check and covers what the paths do not: ids in every form.
"""

from __future__ import annotations

import uuid

from services.workflow.engine.restoring import parse_uuid
from tests.support.process_driver import ItemDriver, definitions
from tests.support.stock_restore import same_as_stock


def test_parse_uuid_equals_uuid_for_canonical_text() -> None:
    for value in [uuid.uuid4() for _ in range(500)] + [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)]:
        parsed = parse_uuid(str(value))
        assert parsed == value and hash(parsed) == hash(value) and str(parsed) == str(value)
        assert {value: 1}[parsed] == 1


def test_a_reported_returned_and_closed_item_restores_as_the_stock_converter_restores_it() -> None:
    d = ItemDriver()
    d.start()
    states = []
    for kind, form in [("approve_item", {"decision": "approve"}), ("sign", {"comment": "已收到"}),
                       ("report", {"report_type": "completion", "content": "初稿"}),
                       ("review", {"decision": "return", "comment": "请补充材料"}),
                       ("report", {"report_type": "completion", "content": "已完成改造"}),
                       ("review", {"decision": "accept"})]:
        d.complete(kind, form)
        states.append(d.engine.dump(d.run))
    assert len(set(states)) == len(states)  # every step changed the state
    for state in states:
        same_as_stock(d.engine, definitions().spec_json("assignment"), state)
