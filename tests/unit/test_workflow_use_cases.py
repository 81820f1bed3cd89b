"""The workflow service's use cases, called on the service object as its wiring point
(``build_service``) builds it, without HTTP: on a settable clock, an in-memory SQLite
database and a publisher that records what the outbox relay sends (tests/support/fakes.py).
The processes are the real ones of workflows/ (workflows/README.md)."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from services.workflow.adapters import tables
from services.workflow.delegations import Delegations
from services.workflow.domain.deployment import DeployLimits
from services.workflow.domain.forms import InvalidForm
from services.workflow.domain.refusals import (
    BadDelegation,
    DeadlineInPast,
    DeploymentTooLarge,
    ExtensionAlreadyRequested,
    ExtensionRefused,
    IdempotencyKeyReused,
    InvalidRegistration,
    NotAssignee,
    NotFound,
    NotLeadUnit,
    RejectedDefinitions,
    StepFailed,
    TaskClosed,
    UnknownParty,
)
from services.workflow.service import WorkflowService, build_service
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock
from shared.contracts.base import Message
from shared.contracts.commands import OpenAccountability
from shared.identity import Principal, load_directory
from tests.support.fakes import RecordingPublisher, memory_database
from tests.support.people import directory, person
from tests.support.process_driver import WORKFLOWS, definitions
from tests.support.services import NOW, REPO
from tests.support.workflow_client import ITEM

# NOW is Monday 2026-03-02 09:30 in Beijing: a normal item approved today is signed by Tuesday
# 03-03 (reminded at 09:00, overdue after 23:59:59) and reports by Monday 03-09.
SIGN_REMINDER = dt.datetime(2026, 3, 3, 9, 0, tzinfo=CHINA)
SIGN_OVERDUE = dt.datetime(2026, 3, 4, 0, 0, tzinfo=CHINA)
SIGN_SCRIPT = 'emit("item.signed", unit=lead_unit, comment=sign.get("comment") or "")'


@dataclass
class Workflow:
    """The service under test, its clock and what its relay published."""

    service: WorkflowService
    clock: SettableClock
    published: RecordingPublisher

    async def register(self, **changes: Any) -> uuid.UUID:
        item_id, replayed = await self.service.register_item({**ITEM, **changes}, "office")
        assert not replayed
        return item_id

    async def ready(self, item_id: uuid.UUID) -> list[str]:
        return [t["kind"] for t in (await self.service.item_state(item_id, person("office")))["ready_tasks"]]

    async def task(self, item_id: uuid.UUID, kind: str) -> uuid.UUID:
        [task_id] = [t["id"] for t in (await self.service.item_state(item_id, person("office")))["ready_tasks"] if t["kind"] == kind]
        return task_id

    async def do(self, item_id: uuid.UUID, kind: str, actor: str, data: dict[str, Any]) -> None:
        await self.service.complete_task(await self.task(item_id, kind), data, person(actor))

    async def signed(self) -> uuid.UUID:
        """A new item, approved and signed: its report is due 03-09."""
        item_id = await self.register()
        await self.do(item_id, "approve_item", "leader", {"decision": "approve"})
        await self.do(item_id, "sign", "zjj-liaison", {})
        return item_id

    async def drain(self) -> list[Message]:
        """Run the outbox relay until the outbox is empty; what it published since the last drain."""
        while await self.service.relay.relay_once():
            pass
        assert await self.service.outbox.pending(self.service.db) == 0
        return self.published.take()

    async def kinds(self) -> list[str]:
        return [m.kind for m in await self.drain()]


@contextlib.asynccontextmanager
async def workflow_on(clock: SettableClock, published: RecordingPublisher,
                      limits: DeployLimits | None = None) -> AsyncIterator[Workflow]:
    async with memory_database(tables.metadata) as db:
        service = build_service(db, clock, load_calendar(None), published, directory(), limits)
        await service.versions.install(definitions(), source="startup", actor="system")
        yield Workflow(service, clock, published)


@pytest.fixture
async def wf() -> AsyncIterator[Workflow]:
    async with workflow_on(SettableClock(NOW), RecordingPublisher()) as workflow:
        yield workflow


# -- register_item ------------------------------------------------------------------------------
async def test_registering_numbers_the_item_in_its_year_and_asks_its_leader_to_approve(wf: Workflow) -> None:
    first = await wf.register()
    [registered, created] = await wf.drain()
    assert (registered.kind, registered.item_id, registered.code) == ("item.registered", first, "督办〔2026〕1号")
    assert (created.kind, created.task_kind, created.assignee_user, created.item_id) == (
        "task.created", "approve_item", "leader", first)
    assert await wf.ready(first) == ["approve_item"]
    await wf.register(title="整治背街小巷")
    assert [m.code for m in await wf.drain() if m.kind == "item.registered"] == ["督办〔2026〕2号"]
    wf.clock.set(dt.datetime(2027, 1, 1, 0, 30, tzinfo=CHINA))  # still 2026 in UTC: the year is Beijing's
    await wf.register()
    assert [m.code for m in await wf.drain() if m.kind == "item.registered"] == ["督办〔2027〕1号"]


async def test_a_retried_registration_with_the_same_idempotency_key_gives_the_same_item(wf: Workflow) -> None:
    first, replayed = await wf.service.register_item(dict(ITEM), "office", idempotency_key="k-1")
    assert replayed is False
    assert await wf.kinds() == ["item.registered", "task.created"]
    again, replayed = await wf.service.register_item(dict(ITEM), "office", idempotency_key="k-1")
    assert (again, replayed) == (first, True)
    assert await wf.kinds() == []  # nothing new: no event, no number used
    with pytest.raises(IdempotencyKeyReused):
        await wf.service.register_item({**ITEM, "title": "另一事项"}, "office", idempotency_key="k-1")
    other, replayed = await wf.service.register_item(dict(ITEM), "office2", idempotency_key="k-1")  # keys are per caller
    assert other != first and replayed is False
    assert [m.code for m in await wf.drain() if m.kind == "item.registered"] == ["督办〔2026〕2号"]


async def test_an_invalid_registration_stores_nothing(wf: Workflow) -> None:
    with pytest.raises(InvalidRegistration) as refused:
        await wf.service.register_item({**ITEM, "urgency": "whenever"}, "office")
    assert refused.value.detail[0]["loc"] == ["body", "urgency"]
    assert await wf.kinds() == []
    await wf.register()
    assert [m.code for m in await wf.drain() if m.kind == "item.registered"] == ["督办〔2026〕1号"]  # no number lost


async def test_a_registration_names_units_and_a_leader_of_the_org_and_a_deadline_after_today(
        wf: Workflow) -> None:
    for changes, message in [({"lead_unit": "nowhere"}, "unknown unit 'nowhere'"),
                             ({"co_units": ["tiedong", "atlantis"]}, "unknown unit 'atlantis'"),
                             ({"leader": "zjj-liaison"}, "not a leader"), ({"leader": "nobody"}, "not a leader")]:
        with pytest.raises(UnknownParty, match=message):
            await wf.service.register_item({**ITEM, **changes}, "office")
    with pytest.raises(DeadlineInPast):
        await wf.service.register_item({**ITEM, "urgency": "special", "due_date": "2026-03-02"}, "office")  # today
    assert await wf.kinds() == []
    await wf.register(urgency="special", due_date="2026-03-03")
    assert [m.code for m in await wf.drain() if m.kind == "item.registered"] == ["督办〔2026〕1号"]  # no number lost


# -- complete_task -------------------------------------------------------------------------------
async def test_an_approved_item_is_assigned_and_waits_for_the_lead_unit_to_sign(wf: Workflow) -> None:
    item_id = await wf.register()
    await wf.drain()
    await wf.do(item_id, "approve_item", "leader", {"decision": "approve", "comment": "同意"})
    events = await wf.drain()
    assert [m.kind for m in events] == ["task.completed", "item.approved", "item.assigned", "task.created",
                                        "item.progressed"]
    completed, approved, assigned, created, progressed = events
    assert (completed.task_kind, completed.actor, completed.data) == (  # the data as its form reads it
        "approve_item", "leader", {"decision": "approve", "comment": "同意", "due_date": None})
    assert approved.due_date == assigned.due_date == dt.date(2026, 3, 9)
    assert assigned.sign_due_date == dt.date(2026, 3, 3)
    assert (created.task_kind, created.assignee_unit, created.assignee_role) == ("sign", "zjj", "liaison")
    assert (progressed.status.value, progressed.due_date) == ("assigned", dt.date(2026, 3, 9))
    assert await wf.ready(item_id) == ["sign"]
    history = (await wf.service.item_state(item_id, person("office")))["history"]
    assert [(h["kind"], h["actor"]) for h in history] == [("approve_item", "leader")]


async def test_a_rejected_item_ends_with_its_process(wf: Workflow) -> None:
    item_id = await wf.register()
    await wf.do(item_id, "approve_item", "leader", {"decision": "reject", "comment": "不予立项"})
    assert "item.rejected" in await wf.kinds()
    state = await wf.service.item_state(item_id, person("office"))
    assert (state["completed"], state["ready_tasks"]) == (True, [])


async def test_an_unknown_task_is_not_found_and_a_completed_one_is_closed(wf: Workflow) -> None:
    with pytest.raises(NotFound):
        await wf.service.complete_task(uuid.uuid4(), {}, person("leader"))
    item_id = await wf.register()
    approve = await wf.task(item_id, "approve_item")
    await wf.service.complete_task(approve, {"decision": "approve"}, person("leader"))
    await wf.drain()
    with pytest.raises(TaskClosed):
        await wf.service.complete_task(approve, {"decision": "reject"}, person("leader"))
    assert await wf.kinds() == []  # the second completion changed nothing


async def test_only_the_assignee_completes_a_task_and_a_unit_that_cannot_see_it_is_told_nothing(
        wf: Workflow) -> None:
    item_id = await wf.signed()
    await wf.drain()
    report = await wf.task(item_id, "report")  # the lead unit zjj's liaison's
    form = {"report_type": "progress", "content": "已完成一半"}
    for who, refusal in [("zjj-head", NotAssignee), ("tiedong-liaison", NotAssignee),  # the co-unit sees it
                         ("office", NotAssignee), ("tiexi-liaison", NotFound)]:  # another unit does not
        with pytest.raises(refusal):
            await wf.service.complete_task(report, form, person(who))
    assert await wf.kinds() == [] and await wf.ready(item_id) == ["report"]
    await wf.service.complete_task(report, form, person("zjj-liaison"))
    assert "task.completed" in await wf.kinds()


async def test_form_data_the_task_s_form_refuses_names_each_field_and_changes_nothing(wf: Workflow) -> None:
    item_id = await wf.register()
    approve = await wf.task(item_id, "approve_item")
    await wf.drain()
    with pytest.raises(InvalidForm) as refused:
        await wf.service.complete_task(approve, {"decision": "perhaps"}, person("leader"))
    assert [e["loc"] for e in refused.value.detail] == [["data", "decision"]]
    assert await wf.kinds() == [] and await wf.ready(item_id) == ["approve_item"]


async def test_completing_for_a_delegating_leader_keeps_whose_task_it_was(wf: Workflow) -> None:
    item_id = await wf.register()
    approve = await wf.task(item_id, "approve_item")
    with pytest.raises(NotAssignee):  # another leader, not acting for the item's leader
        await wf.service.complete_task(approve, {"decision": "approve"}, person("mayor"))
    await wf.service.complete_task(approve, {"decision": "approve"}, person("mayor"), acting_for={"leader"})
    [completed] = [m for m in await wf.drain() if m.kind == "task.completed"]
    assert (completed.actor, completed.on_behalf_of) == ("mayor", "leader")
    [done] = (await wf.service.item_state(item_id, person("office")))["history"]
    assert (done["actor"], done["on_behalf_of"]) == ("mayor", "leader")


# -- request_extension and its decision ------------------------------------------------------------
async def test_an_extension_must_end_after_today_and_after_the_current_deadline(wf: Workflow) -> None:
    item_id = await wf.signed()
    await wf.drain()
    for day in ("2026-03-01", "2026-03-02", "2026-03-09"):  # yesterday, today, the current deadline
        with pytest.raises(DeadlineInPast, match="new_due_date"):
            await wf.service.request_extension(item_id, dt.date.fromisoformat(day), "需协调", person("zjj-liaison"))
    assert await wf.kinds() == []
    assert await wf.ready(item_id) == ["report"]


async def test_only_the_lead_unit_s_liaison_asks_for_an_extension(wf: Workflow) -> None:
    item_id = await wf.signed()
    await wf.drain()
    for who, refusal in [("zjj-head", NotLeadUnit), ("tiedong-liaison", NotLeadUnit), ("office", NotLeadUnit),
                         ("tiexi-liaison", NotFound)]:  # a unit that does not see the item is told nothing
        with pytest.raises(refusal):
            await wf.service.request_extension(item_id, dt.date(2026, 3, 20), "需协调", person(who))
    assert await wf.kinds() == [] and await wf.ready(item_id) == ["report"]


async def test_one_extension_request_per_deadline(wf: Workflow) -> None:
    item_id = await wf.signed()
    await wf.drain()
    await wf.service.request_extension(item_id, dt.date(2026, 3, 20), "需协调", person("zjj-liaison"))
    events = await wf.drain()
    assert [m.kind for m in events] == ["extension.requested", "task.created"]
    assert (events[0].requested_due_date, events[1].task_kind) == (dt.date(2026, 3, 20), "extension_decision")
    with pytest.raises(ExtensionAlreadyRequested, match="waits for the office"):
        await wf.service.request_extension(item_id, dt.date(2026, 3, 27), "仍需协调", person("zjj-liaison"))
    assert await wf.kinds() == []
    assert sorted(await wf.ready(item_id)) == ["extension_decision", "report"]


async def test_no_extension_can_be_asked_before_the_item_is_signed(wf: Workflow) -> None:
    item_id = await wf.register()
    await wf.do(item_id, "approve_item", "leader", {"decision": "approve"})
    await wf.drain()
    with pytest.raises(ExtensionRefused):
        await wf.service.request_extension(item_id, dt.date(2026, 3, 20), "需协调", person("zjj-liaison"))
    assert await wf.kinds() == []
    with pytest.raises(NotFound):
        await wf.service.request_extension(uuid.uuid4(), dt.date(2026, 3, 20), "需协调", person("zjj-liaison"))


async def test_an_approved_extension_before_the_current_deadline_is_refused_and_a_later_one_moves_it(
        wf: Workflow) -> None:
    item_id = await wf.signed()
    await wf.service.request_extension(item_id, dt.date(2026, 3, 20), "需协调", person("zjj-liaison"))
    await wf.drain()
    decision = await wf.task(item_id, "extension_decision")
    for day in ("2026-02-27", "2026-03-05"):  # past, and before the deadline 03-09
        with pytest.raises(DeadlineInPast):
            await wf.service.complete_task(decision, {"decision": "approve", "new_due_date": day},
                                           person("office"))
    assert await wf.kinds() == []
    await wf.service.complete_task(decision, {"decision": "approve", "new_due_date": "2026-03-16"},
                                   person("office"))
    events = await wf.drain()
    [decided] = [m for m in events if m.kind == "extension.decided"]
    assert (decided.approved, decided.new_due_date) == (True, dt.date(2026, 3, 16))
    assert [m.due_date for m in events if m.kind == "item.progressed"] == [dt.date(2026, 3, 16)]


# -- fire_due_timers ---------------------------------------------------------------------------------
async def test_a_due_reminder_fires_once_when_the_clock_reaches_it(wf: Workflow) -> None:
    item_id = await wf.register()
    await wf.do(item_id, "approve_item", "leader", {"decision": "approve"})
    await wf.drain()
    assert (await wf.service.item_state(item_id, person("office")))["next_timer_at"] == SIGN_REMINDER
    wf.clock.set(SIGN_REMINDER - dt.timedelta(seconds=1))
    assert await wf.service.fire_due_timers() == 0
    assert await wf.kinds() == []
    wf.clock.set(SIGN_REMINDER)
    assert await wf.service.fire_due_timers() == 1
    [reminder] = await wf.drain()
    assert (reminder.kind, reminder.deadline.value, reminder.due_date, reminder.unit, reminder.item_id) == (
        "deadline.reminder", "sign", dt.date(2026, 3, 3), "zjj", item_id)
    assert reminder.occurred_at == SIGN_REMINDER
    assert await wf.service.fire_due_timers() == 0  # a second sweep finds nothing
    wf.clock.advance(dt.timedelta(hours=1))
    assert await wf.service.fire_due_timers() == 0  # nor a later one, before the next timer
    assert await wf.kinds() == []
    assert await wf.ready(item_id) == ["sign"]


async def test_an_unsigned_item_past_its_deadline_is_overdue_once_and_its_unit_held_accountable(
        wf: Workflow) -> None:
    item_id = await wf.register()
    await wf.do(item_id, "approve_item", "leader", {"decision": "approve"})
    await wf.drain()
    wf.clock.set(SIGN_OVERDUE)  # the reminder and the end of the signing day have both passed
    assert await wf.service.fire_due_timers() == 1  # one instance stepped, both timers in its step
    events = await wf.drain()
    assert [m.kind for m in events] == ["deadline.reminder", "deadline.overdue", "accountability.opened",
                                        "task.created", "item.progressed"]
    overdue, opened, created, progressed = events[1:]
    assert (overdue.deadline.value, overdue.due_date) == ("sign", dt.date(2026, 3, 3))
    assert (opened.unit, opened.trigger.value, opened.offence_count, opened.item_id) == ("zjj", "overdue", 1, item_id)
    assert (created.task_kind, created.assignee_user) == ("decide_measure", "leader")
    assert (progressed.overdue, progressed.overdue_deadline.value) == (True, "sign")
    assert await wf.service.fire_due_timers() == 0
    assert await wf.kinds() == []  # not fired twice
    assert sorted(await wf.ready(item_id)) == ["decide_measure", "sign"]  # it can still be signed


async def test_a_sweep_steps_every_due_instance_and_stops_at_its_limit(wf: Workflow) -> None:
    items = [await wf.register(title=f"事项{n}") for n in range(3)]
    for item_id in items:
        await wf.do(item_id, "approve_item", "leader", {"decision": "approve"})
    await wf.drain()
    wf.clock.set(SIGN_REMINDER)
    assert await wf.service.fire_due_timers(limit=2) == 2
    assert await wf.service.fire_due_timers(limit=2) == 1
    assert await wf.service.fire_due_timers(limit=2) == 0
    reminders = [m.item_id for m in await wf.drain() if m.kind == "deadline.reminder"]
    assert sorted(reminders) == sorted(items)  # each item reminded once


# -- open_accountability ------------------------------------------------------------------------------
async def test_a_bulletins_criticism_opens_a_case_once(wf: Workflow) -> None:
    bulletin = uuid.uuid4()
    command = OpenAccountability(occurred_at=NOW, actor="reporting", unit="zjj", reason="通报批评：工作推进迟缓",
                                 bulletin_id=bulletin)
    assert await wf.service.open_accountability(command) is True
    events = await wf.drain()
    assert [m.kind for m in events] == ["accountability.opened", "task.created"]
    opened, created = events
    assert (opened.unit, opened.trigger.value, opened.bulletin_id, opened.item_id) == ("zjj", "bulletin", bulletin,
                                                                                        None)
    assert (created.task_kind, created.assignee_role, created.assignee_user) == ("decide_measure", "leader", None)
    assert await wf.service.open_accountability(command) is False  # the same command again: applied once
    assert await wf.kinds() == []
    with pytest.raises(ValueError, match="bulletin_id"):
        await wf.service.open_accountability(OpenAccountability(occurred_at=NOW, actor="reporting", unit="zjj",
                                                                reason="逾期", item_id=uuid.uuid4()))


async def test_a_units_second_case_of_the_year_counts_the_first(wf: Workflow) -> None:
    for _ in range(2):
        await wf.service.open_accountability(OpenAccountability(
            occurred_at=NOW, actor="reporting", unit="zjj", reason="通报批评", bulletin_id=uuid.uuid4()))
    assert [m.offence_count for m in await wf.drain() if m.kind == "accountability.opened"] == [1, 2]


# -- item_state, incidents ------------------------------------------------------------------------------
async def test_the_state_of_an_unknown_item_is_not_found(wf: Workflow) -> None:
    with pytest.raises(NotFound):
        await wf.service.item_state(uuid.uuid4(), person("office"))


async def test_a_step_the_process_cannot_take_changes_nothing_and_leaves_an_incident(wf: Workflow) -> None:
    broken = (WORKFLOWS / "assignment.bpmn").read_text(encoding="utf-8").replace(
        SIGN_SCRIPT, 'note = sign["signature"]\n' + SIGN_SCRIPT)  # passes the check, fails when it runs
    assert await wf.service.versions.deploy({"assignment.bpmn": broken.encode()}, "admin") == 2
    item_id = await wf.register()
    await wf.do(item_id, "approve_item", "leader", {"decision": "approve"})
    await wf.drain()
    with pytest.raises(StepFailed, match="nothing was changed") as failed:
        await wf.do(item_id, "sign", "zjj-liaison", {})
    assert await wf.kinds() == []
    state = await wf.service.item_state(item_id, person("office"))
    assert (state["version"], [t["kind"] for t in state["ready_tasks"]]) == (2, ["sign"])
    [incident] = await wf.service.list_incidents(open_only=True, limit=10)
    assert (incident["id"], incident["trigger"], incident["item_id"]) == (failed.value.incident_id, "task", item_id)
    assert "signature" in incident["message"]
    resolved = await wf.service.resolve_incident(incident["id"], "admin")
    assert (resolved["resolved_by"], resolved["resolved_at"]) == ("admin", NOW)
    assert await wf.service.list_incidents(open_only=True, limit=10) == []
    with pytest.raises(NotFound):
        await wf.service.resolve_incident(incident["id"] + 1, "admin")


# -- versions ---------------------------------------------------------------------------------------------
async def test_a_rejected_deployment_stores_nothing_and_new_items_keep_the_active_version(wf: Workflow) -> None:
    with pytest.raises(RejectedDefinitions):
        await wf.service.versions.deploy({"assignment.bpmn": b"<not-bpmn/>"}, "admin")
    with pytest.raises(RejectedDefinitions, match="not a file of the active version"):
        await wf.service.versions.deploy({}, "admin", remove=frozenset({"nothing.bpmn"}))
    assert [v["version"] for v in await wf.service.versions.listed()] == [1]
    item_id = await wf.register()
    assert (await wf.service.item_state(item_id, person("office")))["version"] == 1


async def test_a_deployment_past_the_configured_limits_is_refused() -> None:
    async with workflow_on(SettableClock(NOW), RecordingPublisher(), DeployLimits(file_bytes=1000)) as small:
        with pytest.raises(DeploymentTooLarge):
            await small.service.versions.deploy({"revisit.bpmn": (WORKFLOWS / "revisit.bpmn").read_bytes()}, "admin")
        assert [v["version"] for v in await small.service.versions.listed()] == [1]


# -- delegations --------------------------------------------------------------------------------------------
async def test_a_delegate_acts_for_the_leader_during_the_period_only(wf: Workflow) -> None:
    directory = load_directory(REPO / "deploy" / "org.example.yaml")
    delegations = Delegations(wf.service.db, wf.clock, directory)
    leader, delegate = (Principal.from_user(directory.user(name)) for name in ("leader", "mayor"))  # type: ignore[arg-type]
    for other, starts, ends in (("zjj-liaison", "2026-03-03", "2026-03-05"),  # not a leader
                                ("leader", "2026-03-03", "2026-03-05"),  # themselves
                                ("mayor", "2026-03-05", "2026-03-03"),  # backwards
                                ("mayor", "2026-02-20", "2026-03-01")):  # over
        with pytest.raises(BadDelegation):
            await delegations.give(leader, other, dt.date.fromisoformat(starts), dt.date.fromisoformat(ends), "出差")
    given = await delegations.give(leader, "mayor", dt.date(2026, 3, 3), dt.date(2026, 3, 5), "出差")
    assert await delegations.acting_for(delegate) == set()  # from tomorrow
    wf.clock.set(dt.datetime(2026, 3, 3, 8, 0, tzinfo=CHINA))
    assert await delegations.acting_for(delegate) == {"leader"}
    assert await delegations.acting_for(leader) == set()
    assert [d["id"] for d in await delegations.listed(delegate)] == [given["id"]]
    revoked = await delegations.revoke(leader, given["id"])
    assert revoked["revoked_at"] == wf.clock.now()
    assert await delegations.acting_for(delegate) == set()
    with pytest.raises(NotFound):
        await delegations.revoke(delegate, given["id"])  # only the leader who gave it
