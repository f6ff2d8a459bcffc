"""Run every benchmark under bench/ (files named bench_*.py, each with a main()).

Each benchmark prints its figures one per line as `bench <name>: <value> <unit>`.
"""

import importlib.util
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main() -> int:
    sys.path.insert(0, str(BENCH_DIR.parent))
    benchmarks = sorted(BENCH_DIR.glob("bench_*.py"))
    if not benchmarks:
        print("no benchmarks yet")
        return 0
    for path in benchmarks:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
