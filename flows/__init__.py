"""Prefect flows: a thin orchestration layer over the hanoi_ctr library.

Every task here is a one-line call of a public `hanoi_ctr` function; the
library itself never imports Prefect.
"""
