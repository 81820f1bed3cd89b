"""The reporting service's tables (it owns them; no other service reads them)."""

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, LargeBinary, MetaData, String, Table, Text, Uuid

from shared.storage.inbox import inbox_table
from shared.storage.outbox import outbox_table
from shared.storage.types import BigId, UtcDateTime

metadata = MetaData()
inbox = inbox_table(metadata, "reporting")
outbox = outbox_table(metadata, "reporting")  # bulletin.published, the approval and accountability commands

# the read model: one row per item (domain/bulletin_items.py) and the dated facts counted by unit
items = Table(
    "reporting_items",
    metadata,
    Column("item_id", Uuid, primary_key=True),
    Column("placeholder", Boolean, nullable=False),
    Column("code", String(100), nullable=False),
    Column("title", String(200), nullable=False),
    Column("source", String(40), nullable=True),
    Column("public", Boolean, nullable=False),
    Column("major", Boolean, nullable=False),
    Column("lead_unit", String(64), nullable=True),
    Column("co_units", JSON, nullable=False),
    Column("units_at", UtcDateTime, nullable=True),
    Column("status", String(20), nullable=False),
    Column("status_at", UtcDateTime, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("assigned_on", Date, nullable=True),
    Column("signed", Boolean, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("on_time", Boolean, nullable=True),
    Column("returned_count", Integer, nullable=False),
    Column("reopened_count", Integer, nullable=False),
    Column("revisits_passed", Integer, nullable=False),
    Column("revisits_failed", Integer, nullable=False),
)
Index("ix_reporting_items_assigned_on", items.c.assigned_on)
Index("ix_reporting_items_closed_on", items.c.closed_on)

facts = Table(
    "reporting_facts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("item_id", Uuid, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("kind", String(60), nullable=False),
    Column("unit", String(64), nullable=True),
    Column("passed", Boolean, nullable=True),
)
Index("ix_reporting_facts_kind", facts.c.kind, facts.c.occurred_at)

# bulletins (督查通报) and briefs (督查工作简报), their numbers, the office's findings and adjustments
bulletin_numbers = Table(
    "reporting_bulletin_numbers",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
)

bulletins = Table(
    "reporting_bulletins",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("number", String(100), nullable=False, unique=True),
    Column("status", String(20), nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True),
    Column("figures", JSON, nullable=True),  # frozen at publication; a draft's are worked out when read
    Column("remarks", Text, nullable=True),  # the office's 按语, as the leader approved them
    Column("leader_comment", Text, nullable=True),  # the leader's latest comment (a return, or the approval)
)
Index("ix_reporting_bulletins_kind_year", bulletins.c.kind, bulletins.c.year)

scheduled_drafts = Table(  # the monthly drafts made on schedule: one per (kind, month) whatever restarts
    "reporting_scheduled_drafts",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("period_from", Date, primary_key=True),
    Column("bulletin_id", Uuid, nullable=False),
)

findings = Table(
    "reporting_findings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("unit", String(64), nullable=False),
    Column("item_id", Uuid, nullable=True),
    Column("kind", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_on", Date, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)
Index("ix_reporting_findings_recorded_on", findings.c.recorded_on)

adjustments = Table(
    "reporting_bulletin_adjustments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("bulletin_id", Uuid, nullable=False),
    Column("list", String(20), nullable=False),  # praised | criticised
    Column("action", String(20), nullable=False),  # add | remove
    Column("unit", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("made_by", String(64), nullable=False),
    Column("made_at", UtcDateTime, nullable=False),
)
Index("ix_reporting_bulletin_adjustments_bulletin", adjustments.c.bulletin_id, adjustments.c.id)

# --- the public board (公开挂牌督办) and public feedback: migration 0003_public_board ---------
public_items = Table(  # what the public may see of every item (the flag decides), fed by the workflow's events
    "reporting_public_items",
    metadata,
    Column("item_id", Uuid, primary_key=True),
    Column("placeholder", Boolean, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("code", String(100), nullable=False),
    Column("title", String(200), nullable=False),
    Column("lead_unit", String(64), nullable=True),
    Column("units_at", UtcDateTime, nullable=True),
    Column("registered_at", UtcDateTime, nullable=True),
    Column("status", String(20), nullable=False),
    Column("status_at", UtcDateTime, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("overdue_deadline", String(20), nullable=True),
    Column("yellow_from", Date, nullable=True),
    Column("sign_reminded", Boolean, nullable=False),
    Column("reminded_for", Date, nullable=True),
    Column("reopened", Boolean, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("last_event_at", UtcDateTime, nullable=True),
)
Index("ix_reporting_public_items_public", public_items.c.public, public_items.c.lead_unit)

public_texts = Table(  # the progress text the office approved for the public (one per item)
    "reporting_public_texts",
    metadata,
    Column("item_id", Uuid, primary_key=True),
    Column("text", Text, nullable=False),
    Column("approved_by", String(64), nullable=False),
    Column("approved_at", UtcDateTime, nullable=False),
)

feedback = Table(  # the public's ratings and words on an item; ``client`` (the address) is never shown
    "reporting_feedback",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("item_id", Uuid, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("contact", String(100), nullable=True),
    Column("client", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("hidden", Boolean, nullable=False),
    Column("hidden_reason", Text, nullable=True),
    Column("hidden_by", String(64), nullable=True),
    Column("hidden_at", UtcDateTime, nullable=True),
    Column("answer", Text, nullable=True),
    Column("answered_by", String(64), nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),
)
Index("ix_reporting_feedback_item", feedback.c.item_id, feedback.c.created_at)
Index("ix_reporting_feedback_client", feedback.c.client, feedback.c.created_at)

# --- monthly supervision plans (月度督查工作计划) and on-site visits: migration 0005_plans ---------
plans = Table(  # one plan per month ("2026-12")
    "reporting_plans",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("focus", JSON, nullable=False),  # the month's focus, a list of lines
    Column("planned_on_site_days", Integer, nullable=False),
    Column("teams", JSON, nullable=False),  # [{name, members, joint_group: {lead, members} | null}]
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=True),
    Column("updated_at", UtcDateTime, nullable=True),
)

visits = Table(  # an on-site supervision visit (现场督查) of a month's plan
    "reporting_visits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("month", String(7), nullable=False),
    Column("visited_on", Date, nullable=False),
    Column("place", String(200), nullable=False),
    Column("items", JSON, nullable=False),  # the item ids (strings) looked at
    Column("team", JSON, nullable=False),  # usernames or names
    Column("joint_group", JSON, nullable=True),  # 联合督查组 {lead, members}
    Column("findings", Text, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)
Index("ix_reporting_visits_month", visits.c.month, visits.c.visited_on)
Index("ix_reporting_visits_visited_on", visits.c.visited_on)

plan_reminders = Table(  # the office reminded once per month short of on-site days, whatever restarts or replicas
    "reporting_plan_reminders",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("command_id", Uuid, nullable=False),  # the SendNotification staged in the same transaction
    Column("sent_at", UtcDateTime, nullable=False),
)

# --- what the office records on items for the work brief (简报): migration 0006_evaluations ----------
item_records = Table(  # third-party evaluations (第三方评估) and research notes (调研), from their events
    "reporting_item_records",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("item_id", Uuid, nullable=False),
    Column("kind", String(20), nullable=False),  # evaluation | research
    Column("day", Date, nullable=False),  # the day evaluated or researched
    Column("author", String(200), nullable=True),  # the evaluator, or the researcher
    Column("place", String(200), nullable=True),
    Column("text", Text, nullable=False),  # the conclusion, or the findings
    Column("rating", String(20), nullable=True),
    Column("attachment_name", String(500), nullable=True),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)
Index("ix_reporting_item_records_kind_day", item_records.c.kind, item_records.c.day)

# --- accountability outcomes and published documents: migration 0007_outcomes --------------
cases = Table(  # the accountability cases a bulletin's criticism opened, as their events tell (问责)
    "reporting_cases",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("unit", String(64), nullable=False),
    Column("bulletin_id", Uuid, nullable=False),  # the criticising bulletin
    Column("opened_at", UtcDateTime, nullable=False),
    Column("measure", String(20), nullable=True),
    Column("measure_at", UtcDateTime, nullable=True),
    Column("causes", Text, nullable=True),  # the head's report (报告原因和改进措施), the latest
    Column("measures", Text, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("reported_in", Uuid, nullable=True),  # the published bulletin that reported it closed
)
Index("ix_reporting_cases_bulletin", cases.c.bulletin_id)

documents = Table(  # a published bulletin's document, rendered once after publication (served to the public)
    "reporting_documents",
    metadata,
    Column("bulletin_id", Uuid, primary_key=True),
    Column("docx", LargeBinary, nullable=False),
    Column("pdf", LargeBinary, nullable=True),
    Column("pdf_problem", Text, nullable=True),  # why there is no PDF (LibreOffice missing or failed)
    Column("rendered_at", UtcDateTime, nullable=False),
)
