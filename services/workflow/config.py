"""Settings of the workflow service (environment prefix ``DUBAN_WORKFLOW_``, then ``DUBAN_``)."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings


class WorkflowSettings(ServiceSettings):
    service: ClassVar[str] = "workflow"
    port: int = 8001
    workflows_dir: Path = Path("workflows")  # the BPMN files loaded (and versioned) at start
    timer_sweep_seconds: float = 1.0  # how often due timers are looked for (and at once when the clock jumps)
    timer_sweep: bool = True  # False: nothing sweeps in the background (tests that fire the timers themselves)
    # scheduled rounds (rounds.py): quarterly progress items and the half-yearly target checks,
    # looked for every rounds_schedule_seconds (and at once when the clock jumps); False: none
    # (tests open them with ``app.state.rounds.open_due()``). The quarterly items are approved by
    # rounds_leader, or by the secretary-general when it is empty
    rounds_schedule: bool = True
    rounds_schedule_seconds: float = Field(600.0, gt=0)
    rounds_leader: str = ""
    # the outbox relay on a thread of its own, with its own event loop, two database connections and
    # NATS connection: a busy request loop no longer delays events (False: the relay runs on that loop)
    relay_thread: bool = True
    # a deployment (POST /definitions): each file, all files of the version, how many files
    deploy_max_file_bytes: int = Field(1_000_000, ge=1)
    deploy_max_bytes: int = Field(5_000_000, ge=1)
    deploy_max_files: int = Field(50, ge=1)
    # attachments (POST /attachments): the largest file, and where the files are kept: empty for
    # <data_dir>/attachments, file:///<folder>, or s3://<bucket> on the S3-compatible store at
    # s3_endpoint (host:port; MinIO in compose) with these keys
    attachment_max_bytes: int = Field(50 * 1024 * 1024, ge=1)
    blobs: str = ""
    s3_endpoint: str = ""
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_secure: bool = True  # https to the store
    s3_region: str | None = None
