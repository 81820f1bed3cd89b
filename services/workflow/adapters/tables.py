"""The workflow service's tables (it owns them; no other service reads them)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from shared.storage.inbox import inbox_table
from shared.storage.outbox import outbox_table
from shared.storage.types import BigId, UtcDateTime

metadata = MetaData()
outbox = outbox_table(metadata, "workflow")
inbox = inbox_table(metadata, "workflow")  # commands consumed once

# one version = the set of BPMN documents deployed together (call activities cross files)
definition_versions = Table(
    "workflow_definition_versions", metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("documents", JSON, nullable=False),  # {file name: BPMN XML}
    Column("source", String(20), nullable=False),  # startup | api
    Column("deployed_by", String(64), nullable=False),
    Column("deployed_at", UtcDateTime, nullable=False),
    Column("activation", Integer, nullable=True),  # the highest activation starts new items
)

# the serialized spec of each process of a version, stored once and shared by every instance
process_specs = Table(
    "workflow_process_specs", metadata,
    Column("version", Integer, primary_key=True),
    Column("process_id", String(100), primary_key=True),
    Column("spec", Text, nullable=False),
)

instances = Table(
    "workflow_instances", metadata,
    Column("id", Uuid, primary_key=True),
    Column("item_id", Uuid, nullable=True, index=True),
    Column("process_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("revision", Integer, nullable=False),  # optimistic lock: bumped by every save
    Column("next_timer_at", UtcDateTime, nullable=True),
    Column("completed", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_workflow_instances_timer", instances.c.next_timer_at)

items = Table(
    "workflow_items", metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("source", String(40), nullable=False),
    Column("urgency", String(20), nullable=False),
    Column("lead_unit", String(64), nullable=False, index=True),
    Column("co_units", JSON, nullable=False),
    Column("leader", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_reason", Text, nullable=True),  # why it was rejected or reopened
    Column("due_date", Date, nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("overdue_deadline", String(20), nullable=True),  # sign | report (services/workflow/progress.py)
    Column("registered_by", String(64), nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("details", JSON, nullable=False),  # the rest of the registration form
    UniqueConstraint("year", "number", name="uq_workflow_items_number"),
)

# ready user tasks, kept in step with the instance state so GET /tasks is one query
open_tasks = Table(
    "workflow_open_tasks", metadata,
    Column("id", Uuid, primary_key=True),
    Column("instance_id", Uuid, nullable=False, index=True),
    Column("item_id", Uuid, nullable=True),
    Column("kind", String(40), nullable=False),
    Column("bpmn_id", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("assignee_role", String(40), nullable=False),
    Column("assignee_unit", String(64), nullable=True),
    Column("due_date", Date, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("assignee_user", String(64), nullable=True, index=True),  # a named user (the item's leader)
    Column("context", JSON, nullable=True),  # what the assignee needs to see (task_context.py)
)
Index("ix_workflow_open_tasks_assignee", open_tasks.c.assignee_role, open_tasks.c.assignee_unit)

task_history = Table(
    "workflow_task_history", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("task_id", Uuid, nullable=False, unique=True),
    Column("instance_id", Uuid, nullable=False, index=True),
    Column("item_id", Uuid, nullable=True, index=True),
    Column("kind", String(40), nullable=False),
    Column("bpmn_id", String(100), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("completed_at", UtcDateTime, nullable=False),
    Column("on_behalf_of", String(64), nullable=True),  # the leader a delegate decided for
)

# a running instance moved to another version of its process (POST /items/{id}/migrate)
instance_migrations = Table(
    "workflow_instance_migrations", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("instance_id", Uuid, nullable=False, index=True),
    Column("item_id", Uuid, nullable=True, index=True),
    Column("process_id", String(100), nullable=False),
    Column("from_version", Integer, nullable=False),
    Column("to_version", Integer, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("migrated_at", UtcDateTime, nullable=False),
)

# every accountability case opened, so a repeat offence in the same year is escalated
cases = Table(
    "workflow_accountability_cases", metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("unit", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("item_id", Uuid, nullable=True),
    Column("bulletin_id", Uuid, nullable=True),
    Column("instance_id", Uuid, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("measure", String(20), nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
)
Index("ix_workflow_accountability_cases_unit_year", cases.c.unit, cases.c.year)

# the last item number given out per year (督办〔year〕N号), taken with one atomic upsert
item_numbers = Table(
    "workflow_item_numbers", metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

# POST /items with an Idempotency-Key: the same key and request give the same item
idempotency_keys = Table(
    "workflow_idempotency_keys", metadata,
    Column("actor", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_digest", String(64), nullable=False),
    Column("item_id", Uuid, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# a leader names another leader to decide their tasks for a period (e.g. while away)
delegations = Table(
    "workflow_delegations", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("leader", String(64), nullable=False, index=True),
    Column("delegate", String(64), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

# a step that failed (a script error, a refused event) and waits for a person
incidents = Table(
    "workflow_incidents", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("instance_id", Uuid, nullable=True, index=True),
    Column("item_id", Uuid, nullable=True),
    Column("trigger", String(20), nullable=False),  # timer | task | message | start
    Column("element_id", String(200), nullable=True),
    Column("element_name", String(200), nullable=True),
    Column("message", Text, nullable=False),
    Column("timer_at", UtcDateTime, nullable=True),  # the parked timer, re-armed by a retry
    Column("created_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("resolved_by", String(64), nullable=True),
)

# an uploaded file (its bytes are in the blob store under storage_key); bound to the item of the
# task whose form named it, and from then on seen by those who see the item
attachments = Table(
    "workflow_attachments", metadata,
    Column("id", Uuid, primary_key=True),
    Column("storage_key", String(40), nullable=False, unique=True),  # ab/<32 hex>, never the file name
    Column("name", String(255), nullable=False),  # the file name as uploaded, cleaned
    Column("media_type", String(100), nullable=False),  # as sniffed from the content
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploader_unit", String(64), nullable=True),
    Column("uploaded_at", UtcDateTime, nullable=False),
    Column("item_id", Uuid, nullable=True, index=True),
    Column("task_id", Uuid, nullable=True),
    Column("bound_at", UtcDateTime, nullable=True),
)

# the scheduled rounds opened (quarterly progress items, target checks): one row per (kind,
# period, unit or item), inserted with the registration or the start, so a restart, a second
# replica or a replayed tick never opens a round twice
rounds = Table(
    "workflow_rounds", metadata,
    Column("kind", String(30), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("subject", String(64), primary_key=True),  # the unit's id, or the checked item's id
    Column("item_id", Uuid, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
)
