"""Runs every benchmark in this folder and prints their figures."""

import subprocess
import sys
from pathlib import Path

# modules the benchmarks use, and tools that read a benchmark's output: not benchmarks
HELPERS = {"run_all.py", "proc_stats.py", "platform_procs.py", "platform_driver.py", "platform_meters.py", "stacks.py",
           "stack_categories.py"}

for script in sorted(Path(__file__).parent.glob("*.py")):
    if script.name not in HELPERS:
        print(f"== {script.name}", flush=True)
        subprocess.run([sys.executable, str(script)], check=True)
