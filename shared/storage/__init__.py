"""Storage: SQLAlchemy 2.x engines, Alembic migrations per service, outbox and inbox tables."""
