"""Run every benchmark under bench/ (files named bench_*.py), each in a process of its own so
each sets Django up with its own database.

Each benchmark prints its figures one per line as `bench <name>: <value> <unit>`.
"""

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main() -> int:
    benchmarks = sorted(BENCH_DIR.glob("bench_*.py"))
    if not benchmarks:
        print("no benchmarks yet")
        return 0
    failed = 0
    for path in benchmarks:
        result = subprocess.run([sys.executable, str(path)], cwd=BENCH_DIR.parent)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
