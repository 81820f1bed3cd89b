"""Settings of the reporting service (environment prefix ``DUBAN_REPORTING_``, then ``DUBAN_``)."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from shared.settings import ServiceSettings

# a checkout's deploy/bulletin_rules.yaml, wherever the service is started from (the image sets the setting)
RULES_BESIDE_THE_CODE = Path(__file__).resolve().parents[2] / "deploy" / "bulletin_rules.yaml"


class ReportingSettings(ServiceSettings):
    service: ClassVar[str] = "reporting"
    port: int = 8004
    # a backlog of events is recorded up to 100 per transaction (shared.bus.consumer.BatchConsumer)
    fetch_batch: int = 100
    # the public board: one client address may leave this many pieces of feedback per window
    feedback_limit: int = Field(5, ge=1)
    feedback_window_seconds: int = Field(600, ge=1)
    # bulletins (督查通报) and briefs (督查工作简报): the issuing office and how their numbers are
    # written; {prefix}, {year} and {sequence} (the kind's count in the year, from 1) are filled in
    office_name: str = "市政府督察室"
    bulletin_prefix: str = "鞍政督通"
    bulletin_number: str = Field("{prefix}〔{year}〕{sequence}号", pattern=r"\{sequence\}")
    brief_prefix: str = "督查工作简报"
    brief_number: str = Field("{prefix}〔{year}〕第{sequence}期", pattern=r"\{sequence\}")
    # the monthly draft bulletin (first working day of a month, for the month before) is looked
    # for this often and when the (simulated) clock jumps; False: not at all (tests)
    schedule: bool = True
    schedule_seconds: float = 600.0
    # the leader who approves bulletins (a username of the org directory); unset: any leader
    bulletin_approver: str | None = None
    # the praise and criticism rules the office edits (read at start)
    bulletin_rules_file: Path = RULES_BESIDE_THE_CODE
    # a published bulletin's document is rendered once after publication and stored; missing ones
    # (a crash, a failure) are looked for at start and this often; render_pdf False: no PDF (503)
    document_sweep_seconds: float = 300.0
    render_pdf: bool = True
    # the bulletin document's .docx template (None: services/reporting/templates/bulletin.docx; read at start)
    bulletin_template: Path | None = None
    # monthly plans: at least this many on-site days a month (每月现场督查时间不少于15天); the office is
    # reminded once in the last ``on_site_reminder_days`` days of a planned month short of them (on the
    # same ``schedule``), with a link to the plan in the console
    minimum_on_site_days: int = Field(15, ge=1, le=28)
    on_site_reminder_days: int = Field(7, ge=1, le=28)
    console_url: str = Field("http://127.0.0.1:8080", pattern=r"^https?://[^\s/]+")
