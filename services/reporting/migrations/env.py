from services.reporting.adapters.tables import metadata
from shared.storage.migrations import run_env

run_env(metadata)
