"""Where a service's CPU goes, by kind of work, from py-spy's raw stacks
(``bench/platform_lifecycle.py --py-spy``): each busy sample goes to the first category
matched walking from the innermost frame outwards.

    .venv/bin/python bench/stack_categories.py /tmp/duban-bench-*/workflow.stacks
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from stacks import IDLE, frames, short

CATEGORIES = [  # (name, a frame that belongs to it); the innermost matching frame decides
    ("engine: restore", r"^Engine\.restore "),
    ("engine: dump", r"^Engine\.dump "),
    ("engine: steps", r"^(Run\.(complete|settle|ready_tasks|next_timer_due|send_message)|Engine\.start) "),
    ("SQL (SQLAlchemy + psycopg)", r"\((sqlalchemy|psycopg)/"),
    ("tokens and principal", r"current_principal|\(jwt/"),
    ("forms (validation, schema)", r"^(validate_form|schema_of) "),
    ("event models (pydantic)", r"\(pydantic|^to_event "),
    ("logging", r"\(logging/__init__|\(pythonjsonlogger/"),
    ("bus (nats-py, relay, consumers)", r"\(nats/|OutboxRelay|publish_pipelined|Delivery\."),
    ("HTTP (uvicorn, Starlette, FastAPI)", r"\((uvicorn|h11|starlette|fastapi|anyio|httptools)/"),
    ("asyncio", r"\(asyncio/|selectors\.py"),
]


def categorise(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    patterns = [(name, re.compile(p)) for name, p in CATEGORIES]
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        stack, count = frames(line)
        if not count:
            continue
        names = [short(f) for f in stack]
        if IDLE.match(names[-1]):
            continue
        for frame in reversed(names):
            found = next((name for name, p in patterns if p.search(frame)), None)
            if found:
                counts[found] += count
                break
        else:
            counts["other (the service's own code)"] += count
    return counts


def main() -> None:
    for arg in sys.argv[1:]:
        counts = categorise(Path(arg))
        total = sum(counts.values())
        print(f"== {Path(arg).name}: {total} busy samples")
        for name, count in counts.most_common():
            print(f"  {count / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
