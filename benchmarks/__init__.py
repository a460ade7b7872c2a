"""`make bench`: performance figures, measured side by side in one run, written to docs/benchmarks.md."""
