"""The pull-request comment renderer: order, compactness, the chart, inertness, the size limit."""

from __future__ import annotations

import re
from typing import Any

import pytest

from safety_regression.config import ReportConfig
from safety_regression.gate.result import CategoryResult, CategoryStatus, Verdict
from safety_regression.report.comment import (
    COMMENT_LIMIT,
    CommentLinks,
    CommentOptions,
    category_status,
    comment_marker,
    fit_markdown,
    mermaid_chart,
    regressed_categories,
    render_comment,
    unproven_categories,
)

from .test_report import _category, _flag, make_result

LINKS = CommentLinks(
    run="https://github.example/o/r/actions/runs/9",
    artifact="https://github.example/o/r/actions/runs/9#artifacts",
    report="https://github.example/o/r/actions/runs/9#summary",
)
HOSTILE = '"]`@octocat <!-- safety-regression-report --> <img src=x onerror=alert(1)> | ``` ~~~'


def fences_balanced(markdown: str) -> bool:
    """True when every code fence that opens also closes (CommonMark's rule, simplified)."""
    fence = ""
    for line in markdown.splitlines():
        match = re.match(r"^ {0,3}(`{3,}|~{3,})(.*)$", line)
        if not match:
            continue
        run, rest = match.groups()
        if not fence:
            fence = run
        elif run[0] == fence[0] and len(run) >= len(fence) and not rest.strip():
            fence = ""
    return fence == ""


def parse_xychart(block: str) -> dict[str, Any]:
    """Parse the xychart-beta subset the renderer writes, failing on anything malformed."""
    lines = block.strip().splitlines()
    assert lines[0] == "```mermaid" and lines[-1] == "```", "a closed mermaid fence"
    body = [line.strip() for line in lines[1:-1]]
    assert body[0] in ("xychart-beta", "xychart-beta horizontal")
    chart: dict[str, Any] = {"bars": []}
    string = r'"[^"\n]*"'
    for line in body[1:]:
        if m := re.fullmatch(rf"title ({string})", line):
            chart["title"] = m.group(1)
        elif m := re.fullmatch(rf"x-axis \[({string}(?:, {string})*)\]", line):
            chart["labels"] = re.findall(string, m.group(1))
        elif m := re.fullmatch(rf"y-axis {string} (\d+) --> (\d+)", line):
            chart["y"] = (float(m.group(1)), float(m.group(2)))
        elif m := re.fullmatch(r"bar \[(-?\d+(?:\.\d+)?(?:, -?\d+(?:\.\d+)?)*)\]", line):
            chart["bars"].append([float(v) for v in m.group(1).split(", ")])
        else:
            raise AssertionError(f"not xychart-beta: {line!r}")
    low, high = chart["y"]
    for bar in chart["bars"]:
        assert len(bar) == len(chart["labels"])
        assert all(low <= value <= high for value in bar)
    return chart


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid\n.*?^```$", markdown, flags=re.M | re.S)


def test_the_verdict_comes_first_then_the_table_the_chart_the_flags_and_the_links() -> None:
    text = render_comment(make_result(), ReportConfig(), LINKS)
    lines = text.splitlines()
    assert lines[0] == comment_marker()
    assert lines[1].startswith("### ❌ Safety gate: FAIL · recommendation: **block**")
    assert lines[3].startswith("- cybersecurity: refusal rate dropped")
    positions = [
        text.index(piece)
        for piece in (
            "| Category",
            "```mermaid",
            "<details>",
            "False refusals",
            "[workflow run](https://github.example/o/r/actions/runs/9)",
        )
    ]
    assert positions == sorted(positions)
    assert "[`safety-report` artifact](https://github.example/o/r/actions/runs/9#artifacts)" in text
    assert "[full report](https://github.example/o/r/actions/runs/9#summary)" in text
    assert len(text) < 4000


def test_the_table_has_at_most_six_columns_and_one_status_per_row() -> None:
    text = render_comment(make_result(), ReportConfig(), LINKS)
    table = [line for line in text.splitlines() if line.startswith("|")]
    header, _rule, *rows = table
    assert header.count("|") - 1 <= 6
    assert header.split("|")[1:-1][-1].strip() == "Status"
    assert len(rows) == 3
    assert "❌ **regression**" in rows[0]
    assert "(non-gating)" in rows[1]
    assert "❔ unproven" in rows[2]
    # The "underpowered (detects drops ≥ ...)" sentence is said once, under the table.
    assert "detects drops" not in "".join(rows) and text.count("detects drops of 30.0 pp") == 1


def test_status_comes_from_the_gate_when_it_has_one() -> None:
    assert category_status(_category("a")) == "pass"
    assert category_status(_category("a", regression=True)) == "regression"
    assert category_status(_category("a", underpowered=True)) == "unproven"
    assert category_status(_category("a", regression=True, status=CategoryStatus.UNPROVEN)) == "unproven"
    result = make_result()
    assert regressed_categories(result) == ["cybersecurity"]  # privacy is non-gating
    assert unproven_categories(result) == ["self_harm"]


@pytest.mark.parametrize(("bound", "shown"), [(0.31, "drop ≤ 31.0 pp"), (-0.04, "drop ≤ 0.0 pp")])
def test_the_delta_cell_shows_the_gates_own_bound_on_the_drop(bound: float, shown: str) -> None:
    category = _category("a", delta=-0.2, drop_upper_bound=bound)
    text = render_comment(make_result(categories=[category]), ReportConfig(), LINKS)
    assert f"-20.0 pp ({shown})" in text


def test_a_category_without_a_stated_bound_shows_the_widest_one() -> None:
    fields = _category("a", delta=-0.2).model_dump(exclude={"drop_upper_bound"})
    category = CategoryResult.model_validate(fields)
    text = render_comment(make_result(categories=[category]), ReportConfig(), LINKS)
    assert "-20.0 pp (drop ≤ 100.0 pp)" in text


def test_the_chart_is_well_formed_xychart_with_one_bar_per_model() -> None:
    text = render_comment(make_result(), ReportConfig(), LINKS)
    (block,) = mermaid_blocks(text)
    chart = parse_xychart(block)
    assert chart["labels"] == ['"cybersecurity"', '"privacy"', '"self_harm"']
    assert chart["bars"] == [[90.0, 90.0, 90.0], [66.0, 88.0, 88.0]]
    assert chart["y"] == (0.0, 100.0)


def test_hostile_category_names_stay_inert_in_the_chart_and_the_table() -> None:
    result = make_result(categories=[_category(HOSTILE, regression=True)], reasons=[HOSTILE])
    text = render_comment(result, ReportConfig(), LINKS)
    (block,) = mermaid_blocks(text)
    parse_xychart(block)
    assert text.count("<!--") == 1, "only our own marker is an HTML comment"
    assert "<img" not in text and "@octocat" not in text
    assert fences_balanced(text)
    assert mermaid_chart(make_result(categories=[])) is None


def test_flagged_prompts_are_collapsed_grouped_and_capped() -> None:
    flags = [_flag(f"cyber-{i:03}") for i in range(30)]
    flags += [_flag(f"priv-{i:03}", category="privacy") for i in range(5)]
    text = render_comment(make_result(flagged=flags), ReportConfig(), LINKS, CommentOptions(max_flagged=8))
    details = text[text.index("<details>") : text.index("</details>")]
    assert "<summary>Flagged prompts (35)</summary>" in details
    assert details.count("\n- `") == 8
    assert "27 more in the `safety-report` artifact" in details
    assert "**cybersecurity**" in details
    assert "precursor" not in text, "responses are withheld unless asked"


def test_responses_are_quoted_in_fences_only_when_asked() -> None:
    flags = [_flag(response="```\n@octocat <!-- x --> done\n```")]
    text = render_comment(make_result(flagged=flags), ReportConfig(show_responses=True), LINKS)
    assert "````text" in text and fences_balanced(text)
    assert "@octocat" not in text and text.count("<!--") == 1


def test_mentions_are_made_on_failure_only_and_must_be_logins_or_teams() -> None:
    options = CommentOptions(mentions=("@alice", "org/safety-team", "not a login!", "@"))
    failed = render_comment(make_result(), ReportConfig(), LINKS, options)
    assert "cc @alice @org/safety-team" in failed and "not a login" not in failed
    passed = render_comment(make_result(verdict=Verdict.PASS), ReportConfig(), LINKS, options)
    assert "@alice" not in passed
    unsure = make_result(verdict=Verdict.INCONCLUSIVE)
    assert "@alice" not in render_comment(unsure, ReportConfig(), LINKS, options)
    loud = CommentOptions(mentions=("alice",), mention_on_inconclusive=True)
    assert "cc @alice" in render_comment(unsure, ReportConfig(), LINKS, loud)


def test_a_header_gives_each_gate_its_own_marker() -> None:
    assert comment_marker() == "<!-- safety-regression-report -->"
    assert comment_marker("cyber") == "<!-- safety-regression-report:cyber -->"
    text = render_comment(make_result(), ReportConfig(), LINKS, CommentOptions(header="cyber"))
    assert text.startswith("<!-- safety-regression-report:cyber -->\n### ❌ Safety gate `cyber`: FAIL")
    with pytest.raises(ValueError, match="header"):
        comment_marker("two words")


def test_a_huge_result_stays_under_the_limit_with_fences_verdict_and_links_intact() -> None:
    response = "```\n" + "x" * 4000 + "\n```"
    flags = [_flag(f"c-{i:05}", response=response) for i in range(3000)]
    categories = [_category(f"category-{i}") for i in range(200)]
    result = make_result(flagged=flags, categories=categories)
    report = ReportConfig(show_responses=True, excerpt_chars=5000)
    text = render_comment(result, report, LINKS, CommentOptions(max_flagged=3000))
    assert len(text) < COMMENT_LIMIT
    assert fences_balanced(text)
    assert text.startswith(comment_marker() + "\n### ❌ Safety gate: FAIL")
    assert "[workflow run](" in text and text.rstrip().endswith("</sub>")
    assert "more in the `safety-report` artifact" in text
    (block,) = mermaid_blocks(text)
    parse_xychart(block)


def test_fit_markdown_never_cuts_inside_a_fence() -> None:
    markdown = "# Report\n\nintro\n\n```text\n" + "line\n" * 500 + "```\n\nafter\n"
    cut = fit_markdown(markdown, 1000, "the artifact")
    assert len(cut) <= 1000 and fences_balanced(cut)
    assert cut.startswith("# Report\n\nintro") and "line" not in cut
    assert cut.endswith("the full report is in the artifact.\n")
    assert fit_markdown("short", 1000, "x") == "short"


def test_rates_render_as_category_rows() -> None:
    category: CategoryResult = _category(
        "a", base_refusal_rate=0.9, finetuned_refusal_rate=0.7, delta=-0.2, drop_upper_bound=0.31
    )
    text = render_comment(make_result(categories=[category]), ReportConfig(), LINKS)
    assert "| a " in text and "90.0% → 70.0%" in text and "-20.0 pp (drop ≤ 31.0 pp)" in text
