"""`python -m benchmarks`: run every benchmark and rewrite its section of BENCHMARKS.md."""
import importlib
import sys

BENCHMARKS = ("engine_bench", "import_bench", "inbox_bench", "archive_ingest_bench", "archive_search_bench")

if __name__ == "__main__":
    wanted = sys.argv[1:] or BENCHMARKS
    for name in wanted:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}", flush=True)
        module.main()
