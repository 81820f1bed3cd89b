"""The console's container: a Node stage builds console/ from its lock file into the image, and
the compose service on 8080 proxies /api/<service> to the four services by their compose names,
so the links the notification service writes (DUBAN_CONSOLE_URL) open the console."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.console.config import UPSTREAMS, ConsoleSettings

REPO = Path(__file__).resolve().parents[2]
PORTS = {"workflow": 8001, "ledger": 8002, "notification": 8003, "reporting": 8004}


def test_the_image_builds_the_console_from_its_lock_file_and_serves_it_from_the_setting() -> None:
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    stage = dockerfile.split("AS console", 1)[1].split("FROM ", 1)[0]
    assert "COPY console/package.json console/package-lock.json ./" in stage
    assert "npm ci" in stage and "npm run build" in stage and "npm install" not in stage
    assert "COPY --from=console /console/dist /app/console/dist" in dockerfile
    assert "DUBAN_CONSOLE_DIST_DIR=/app/console/dist" in dockerfile
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {"console/node_modules", "console/dist"} <= set(ignored)  # a laptop's build never enters the image


def test_compose_runs_the_console_on_8080_proxying_each_service_by_its_compose_name(monkeypatch) -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    console = compose["console"]
    assert console["command"] == ["python", "-m", "services.console"]
    assert "8080:8080" in console["ports"]
    assert set(console["depends_on"]) == set(UPSTREAMS)
    for name, value in console["environment"].items():
        if name.startswith("DUBAN_CONSOLE_"):
            monkeypatch.setenv(name, str(value))
    settings = ConsoleSettings()
    assert settings.port == 8080
    assert settings.upstreams() == {name: f"http://{name}:{PORTS[name]}" for name in UPSTREAMS}
    for name in UPSTREAMS:
        assert f"{PORTS[name]}:{PORTS[name]}" in compose[name]["ports"]
    mail_links = compose["notification"]["environment"]["DUBAN_NOTIFICATION_CONSOLE_URL"]
    assert mail_links.endswith(":-http://127.0.0.1:8080}")
