"""The accountability cases bulletins opened (their outcome goes into the next bulletin) and the
published bulletins' documents, rendered once and served to the public.

Revision ID: 0007_outcomes
Revises: 0006_evaluations
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UtcDateTime

revision = "0007_outcomes"
down_revision = "0006_evaluations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_cases",
        sa.Column("case_id", sa.Uuid(), primary_key=True),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("bulletin_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("measure", sa.String(20), nullable=True),
        sa.Column("measure_at", UtcDateTime, nullable=True),
        sa.Column("causes", sa.Text(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.Column("reported_in", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_reporting_cases_bulletin", "reporting_cases", ["bulletin_id"])
    op.create_table(
        "reporting_documents",
        sa.Column("bulletin_id", sa.Uuid(), primary_key=True),
        sa.Column("docx", sa.LargeBinary(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_problem", sa.Text(), nullable=True),
        sa.Column("rendered_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reporting_documents")
    op.drop_index("ix_reporting_cases_bulletin", table_name="reporting_cases")
    op.drop_table("reporting_cases")
