"""Seeded synthetic submissions for the demo data, the tests and the benchmarks."""
