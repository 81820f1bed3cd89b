"""Summarise py-spy's raw collapsed stacks (``bench/platform_lifecycle.py --py-spy``): the
functions with the most samples on top of the stack (own time) and anywhere in it (total).

    .venv/bin/python bench/stacks.py /tmp/duban-bench-*/workflow.stacks [--top 30] [--match PATTERN]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

IDLE = re.compile(r"^(EpollSelector\.select|Condition\.wait|Event\.wait|_worker|)( \(.*\))?$")


def frames(line: str) -> tuple[list[str], int]:
    """The frames of a line, outermost first, and its sample count (0 for a line cut short)."""
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count) if count.isdigit() else 0


def short(frame: str) -> str:
    """``func (path/to/module.py:12)`` -> ``func (module path from site-packages or the repo)``."""
    frame = re.sub(r":\d+\)$", ")", frame)
    return re.sub(r"\(.*?(site-packages/|wt-[^/]+/|lib/python3\.\d+/)", "(", frame)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", help="only count samples whose stack has a frame matching this regex")
    args = parser.parse_args()
    for path in args.files:
        own, total, samples, idle = Counter(), Counter(), 0, 0
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            stack, count = frames(line)
            if not count:
                continue
            names = [short(f) for f in stack]
            if IDLE.match(names[-1]):  # waiting, not working (py-spy samples idle threads too)
                idle += count
                continue
            if args.match and not any(re.search(args.match, n) for n in names):
                continue
            samples += count
            own[names[-1]] += count
            for name in set(names):
                total[name] += count
        print(f"== {path.name}: {samples} busy samples ({idle} idle left out)")
        print("-- own")
        for name, count in own.most_common(args.top):
            print(f"  {count / samples:6.1%}  {name}")
        print("-- total")
        for name, count in total.most_common(args.top):
            print(f"  {count / samples:6.1%}  {name}")


if __name__ == "__main__":
    main()
