"""The method document: both languages hold the same sections, and it is found when installed."""

from __future__ import annotations

from collections import defaultdict

import pytest

from hanoi_ctr.report import method
from hanoi_ctr.report.method import method_sections, method_text, parse


def test_both_languages_have_the_same_sections():
    blocks = defaultdict(list)
    for section in parse(method_text()):
        blocks[section.key].append(section.lang)
    assert blocks and all(langs == ["en", "vi"] for langs in blocks.values()), dict(blocks)
    assert len(method_sections("vi")) == len(method_sections("en")) == len(blocks)


def test_every_block_has_a_title_and_a_worked_example():
    for lang, marker in (("en", "*Example"), ("vi", "*Ví dụ")):
        for title, body in method_sections(lang):
            assert title and body
            assert marker in body, (lang, title)


def test_the_rules_the_engine_relies_on_are_documented():
    english = method_text()
    for term in (
        "share_meeting_target",
        "rollup-mismatch",
        "cumulative-decrease",
        "outlier",
        "target_delta",
        "n_expected",
        "value_period",
        "compared_value",
        "baseline_source",
        "on_track",
        "at_risk",
        "incomplete",
        "complete_coverage",
        "coverage_rate",
        "indicator-not-due",
        "longer-period",
        "period-total-mismatch",
        "baseline-value",
        "closed",
        "needed",
        "milestone_met",
        "compound",
    ):
        assert term in english, term


def test_every_target_basis_and_time_rule_has_its_worked_example():
    from hanoi_ctr.declare import rules

    english, vietnamese = dict(method_sections("en")), dict(method_sections("vi"))
    bases = english["What a target measures"] + vietnamese["Mục tiêu đo cái gì"]
    for name in rules.BASES:
        assert bases.count(f"`{name}`") >= 4, name  # in the table and an example, in both languages
    for name in rules.TIME_RULES:
        assert f"`{name}`" in english["Aggregation over time"], name


def test_vietnamese_is_the_default():
    assert method_sections()[0][0] == "Số liệu nào được sử dụng"
    with pytest.raises(ValueError):
        method_sections("fr")


def test_the_installed_copy_is_preferred(tmp_path, monkeypatch):
    docs = tmp_path / "_docs"
    docs.mkdir()
    (docs / "METHOD.md").write_text(
        "## k\n### English: T\nbody\n### Tiếng Việt: Tiêu đề\nnội dung\n", encoding="utf-8"
    )
    monkeypatch.setattr(method.resources, "files", lambda package: tmp_path)
    assert method_sections("vi") == [("Tiêu đề", "nội dung")]


def test_an_unknown_language_block_is_an_error():
    with pytest.raises(ValueError, match="Deutsch"):
        parse("## k\n### Deutsch: T\nx\n")
