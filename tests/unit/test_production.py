"""DUBAN_ENV=production refuses the settings of a laptop; development allows them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.ledger.config import LedgerSettings
from shared.production import UnsafeSettings, check_settings, production_problems
from shared.runtime import build_runtime
from tests.support.services import REPO

CITY_ORG = REPO / "tests" / "fixtures" / "org" / "city.yaml"  # the demo city under a production name
SAFE = {"env": "production", "jwt_secret": "s" * 40, "org_file": CITY_ORG, "nats_user": "ledger",
        "nats_password": "p" * 24}


def test_development_allows_the_defaults() -> None:
    assert production_problems(LedgerSettings()) == []
    check_settings(LedgerSettings())


@pytest.mark.parametrize(("override", "needle"), [
    ({"jwt_secret": LedgerSettings().jwt_secret}, "development secret"),
    ({"jwt_secret": "short-secret"}, "12 bytes"),
    ({"org_file": REPO / "deploy" / "org.example.yaml"}, "demo organisation"),
    ({"clock": "simulated"}, "simulated"),
    ({"nats_user": None}, "NATS credentials"),
    ({"nats_password": None}, "NATS credentials"),
])
def test_production_refuses_each_unsafe_setting(override: dict[str, object], needle: str) -> None:
    settings = LedgerSettings(**{**SAFE, **override})
    [problem] = production_problems(settings)
    assert needle in problem
    with pytest.raises(UnsafeSettings, match=needle):
        build_runtime(settings)  # before anything is opened or started


def test_production_names_every_problem_at_once() -> None:
    settings = LedgerSettings(env="production")
    assert len(production_problems(settings)) == 3  # secret, demo org file, NATS credentials


def test_an_oidc_deployment_needs_no_shared_secret() -> None:
    settings = LedgerSettings(**{**SAFE, "jwt_secret": LedgerSettings().jwt_secret,
                                 "jwt_jwks_url": "https://sso.example.gov.cn/certs", "jwt_algorithms": ["RS256"]})
    assert production_problems(settings) == []


def test_safe_production_settings_build_a_runtime(tmp_path: Path) -> None:
    runtime = build_runtime(LedgerSettings(**SAFE, data_dir=tmp_path))
    assert runtime.settings.env == "production"


def test_a_service_started_in_production_with_unsafe_settings_exits_and_says_why(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(DUBAN_ENV="production", DUBAN_DATA_DIR=str(tmp_path), DUBAN_LEDGER_PORT="1", DUBAN_LOG_JSON="false")
    done = subprocess.run([sys.executable, "-m", "services.ledger"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "DUBAN_ENV=production refuses to start" in done.stderr
    assert "development secret" in done.stderr and "demo organisation" in done.stderr
