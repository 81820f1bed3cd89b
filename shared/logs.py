"""JSON logs on stderr, one object per line, for every service and the CLI.

SpiffWorkflow logs every task state change at INFO with the task's data attached (about 130
lines per item lifecycle, 8-11 % of the workflow service's CPU): its loggers say only
warnings and errors unless the level is DEBUG.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

# SpiffWorkflow's loggers ("spiff" and the children it names itself). Each child gets its own
# level, not only the parent: SpiffWorkflow reads ``logger.level`` of its module's logger to
# decide whether to attach the task data to every record, even to one that is never written.
SPIFF_LOGGERS = ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn", "spiff.metrics")


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json:
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        ))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    quiet_engine_logs(level)


def quiet_engine_logs(level: str) -> None:
    """SpiffWorkflow at WARNING, unless the service logs at DEBUG (then it says everything)."""
    spiff_level = logging.NOTSET if logging.getLevelName(level.upper()) == logging.DEBUG else logging.WARNING
    for name in SPIFF_LOGGERS:
        logging.getLogger(name).setLevel(spiff_level)
