"""``DUBAN_ENV=production``: a service refuses to start on settings meant for a laptop.

Development (the default, what ``make run`` uses) allows everything below and says so;
production refuses, naming every problem at once, so the operator fixes them in one go.
"""

from __future__ import annotations

from shared.settings import DEV_JWT_SECRET, CommonSettings

MIN_SECRET_BYTES = 32
DEMO_ORG_SUFFIX = ".example.yaml"


class UnsafeSettings(RuntimeError):
    """Settings a production deployment must not run on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("DUBAN_ENV=production refuses to start:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


def production_problems(settings: CommonSettings) -> list[str]:
    """What makes these settings unsafe for production (empty in development)."""
    if settings.env != "production":
        return []
    problems = identity_problems(settings)
    if settings.clock != "system":
        problems.append("DUBAN_CLOCK is simulated: production runs on the system clock")
    if not (settings.nats_user and settings.nats_password):
        problems.append("no NATS credentials: set DUBAN_<SERVICE>_NATS_USER and DUBAN_<SERVICE>_NATS_PASSWORD "
                        "(deploy/README.md, NATS users)")
    return problems


def identity_problems(settings: CommonSettings) -> list[str]:
    """What a production process that checks tokens against the directory must not run on
    (the services, and the console server's ``/auth/me``): the development or a short JWT
    secret, the demo organisation."""
    problems = []
    if not settings.jwt_jwks_url:  # with an OIDC issuer the shared secret checks no token
        if settings.jwt_secret == DEV_JWT_SECRET:
            problems.append("DUBAN_JWT_SECRET is the development secret: set a random one (openssl rand -hex 32)")
        elif len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
            problems.append(f"DUBAN_JWT_SECRET has {len(settings.jwt_secret.encode())} bytes: "
                            f"use at least {MIN_SECRET_BYTES} (openssl rand -hex 32)")
    if settings.org_file.name.endswith(DEMO_ORG_SUFFIX):
        problems.append(f"DUBAN_ORG_FILE is the demo organisation ({settings.org_file}): "
                        "give the city's own units and users")
    return problems


def check_settings(settings: CommonSettings) -> None:
    """Raise ``UnsafeSettings`` in production when anything above is wrong."""
    problems = production_problems(settings)
    if problems:
        raise UnsafeSettings(problems)
