"""Settings: service prefix over common prefix over the bare well-known names."""

from __future__ import annotations

import pytest

from services.ledger.config import LedgerSettings
from services.notification.config import NotificationSettings
from services.workflow.config import WorkflowSettings


def test_defaults_are_the_embedded_development_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = WorkflowSettings()
    assert settings.port == 8001 and LedgerSettings().port == 8002
    assert settings.db_url == "sqlite:///var/workflow.db"
    assert LedgerSettings().db_url == "sqlite:///var/ledger.db"
    assert settings.bus_root == "duban"


def test_precedence_service_then_common_then_bare(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://bare:4222")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bare/db")
    assert WorkflowSettings().nats_url == "nats://bare:4222"
    monkeypatch.setenv("DUBAN_NATS_URL", "nats://common:4222")
    assert WorkflowSettings().nats_url == "nats://common:4222"
    monkeypatch.setenv("DUBAN_WORKFLOW_NATS_URL", "nats://workflow:4222")
    assert WorkflowSettings().nats_url == "nats://workflow:4222"
    assert LedgerSettings().nats_url == "nats://common:4222"
    monkeypatch.setenv("DUBAN_LEDGER_DATABASE_URL", "sqlite:///elsewhere.db")
    assert LedgerSettings().db_url == "sqlite:///elsewhere.db"
    assert WorkflowSettings().db_url == "postgresql+psycopg://bare/db"
    assert WorkflowSettings(port=9001).port == 9001


def test_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_BUS_ROOT", "Not A Root")
    with pytest.raises(ValueError, match="bus_root"):
        WorkflowSettings()


def test_an_empty_smtp_login_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_NOTIFICATION_SMTP_USERNAME", "")
    monkeypatch.setenv("DUBAN_NOTIFICATION_SMTP_PASSWORD", "")
    settings = NotificationSettings()
    assert (settings.smtp_username, settings.smtp_password) == (None, None)
    monkeypatch.setenv("DUBAN_NOTIFICATION_SMTP_USERNAME", "duban")
    assert NotificationSettings().smtp_username == "duban"
