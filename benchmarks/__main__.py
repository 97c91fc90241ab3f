"""`python -m benchmarks`: run every benchmark and rewrite its section of BENCHMARKS.md."""
from benchmarks import engine_bench

if __name__ == "__main__":
    engine_bench.main()
