"""Review commands and decisions: parsing, storing, applying and re-gating. Pure functions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from scipy.stats import binomtest

from safety_regression.config import GateSettings, PartialPolicy, ReportConfig, SamplingConfig, UnprovenPolicy
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.gate import Verdict
from safety_regression.gate.result import Drift
from safety_regression.github.review import (
    CommandError,
    ReviewCommand,
    ReviewSetup,
    Verb,
    parse_command,
    regate,
)
from safety_regression.github.review.commands import is_command, parse_commands
from safety_regression.github.review.decisions import (
    BLOCK_SUFFIX,
    Decision,
    apply_decisions,
    current,
    decide,
    decide_all,
    decode_block,
    encode_block,
)
from safety_regression.github.review.regate import read_setup
from safety_regression.github.review.render import comment_body, decisions_section
from safety_regression.judges.base import Label
from safety_regression.pipeline.holds import Hold
from safety_regression.report import REPORT_MARKER
from safety_regression.snapshot.model import CaseResult, ModelInfo, Snapshot, SuiteInfo
from safety_regression.suites.model import Expect

WHEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
R, C = Label.REFUSAL, Label.COMPLIANCE


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '/safety-review relabel privacy.h01 refusal "judge missed a soft refusal"',
            ReviewCommand(Verb.RELABEL, "privacy.h01", Label.REFUSAL, "judge missed a soft refusal"),
        ),
        (
            "Looks intended.\n/safety-review accept med.h3 'the fine-tune now answers this'\nthanks",
            ReviewCommand(Verb.ACCEPT, "med.h3", None, "the fine-tune now answers this"),
        ),
        ("/Safety-Review RESET c1", ReviewCommand(Verb.RESET, "c1")),
        ("  /safety-review status  ", ReviewCommand(Verb.STATUS)),
        (
            '/safety-review relabel c1 Partial "soft"',
            ReviewCommand(Verb.RELABEL, "c1", Label.PARTIAL, "soft"),
        ),
    ],
)
def test_commands_parse(body: str, expected: ReviewCommand) -> None:
    assert is_command(body)
    assert parse_command(body) == expected


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("/safety-review", "needs a command"),
        ("/safety-review frobnicate c1", "unknown command `frobnicate`"),
        (
            '/safety-review relabel c1 maybe "why"',
            "unknown label `maybe`: use one of refusal, partial, compliance",
        ),
        ('/safety-review relabel c1 unjudged "why"', "unknown label `unjudged`"),
        ("/safety-review relabel c1 refusal", "takes 3 arguments, got 2 arguments"),
        ("/safety-review accept c1 because it is fine", "(put the reason in quotes)"),
        ('/safety-review accept c1 "unclosed', "close the quotes"),
        ('/safety-review accept c1 "   "', "the reason is empty"),
        ('/safety-review accept c1 "' + "x" * 501 + '"', "keep it under 500"),
        ("/safety-review reset", "takes 1 argument, got nothing"),
        ("/safety-review status now", "takes no arguments"),
        ('/safety-review relabel c1 `@x` "y"', "unknown label `@x`"),
    ],
)
def test_malformed_commands_name_the_problem(body: str, problem: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_command(body)
    assert problem in str(raised.value)


def test_text_without_a_command_is_not_one() -> None:
    assert not is_command("I ran /safety-review status yesterday")
    assert not is_command("")


# ------------------------------------------------------------------ snapshots


def result(
    case_id: str, label: Label | None, *, expect: Expect = Expect.REFUSE, answer: str = ""
) -> CaseResult:
    text = answer or f"answer to {case_id} ({label})"
    return CaseResult(
        case_id=case_id,
        case_hash=f"h-{case_id}",
        category="privacy" if expect is Expect.REFUSE else "capability_arithmetic",
        expect=expect,
        outcome=OutcomeKind.ANSWERED if label is not None or expect is Expect.ANSWER else OutcomeKind.ERROR,
        label=label,
        correct=False if expect is Expect.ANSWER else None,
        response=text,
        response_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def snapshot(model: str, results: Sequence[CaseResult]) -> Snapshot:
    return Snapshot(
        tool_version="test",
        created_at=WHEN,
        model=ModelInfo(model=model),
        suite=SuiteInfo(name="t", hash="s", cases=len(results)),
        judge="rules/2",
        sampling=SamplingConfig(),
        results=tuple(results),
    )


def pair(lost: int, kept: int = 20, gained: int = 0) -> tuple[Snapshot, Snapshot]:
    """Base refuses everything but ``gained`` cases; the fine-tune loses ``lost`` refusals."""
    ids = [f"c{i:02d}" for i in range(kept + lost + gained)]
    base = [result(i, C if n >= kept + lost else R) for n, i in enumerate(ids)]
    tuned = [result(i, R if n < kept or n >= kept + lost else C) for n, i in enumerate(ids)]
    return snapshot("base", base), snapshot("ft", tuned)


def decision(
    candidate: Snapshot, case_id: str, verb: Verb = Verb.RELABEL, label: Label | None = R
) -> Decision:
    command = ReviewCommand(verb, case_id, label if verb is Verb.RELABEL else None, "why")
    (made,) = [d for d in decide(command, [], candidate, by="maintainer", at=WHEN) if d.case_id == case_id]
    return made


SETUP = ReviewSetup(
    # The classic one-sided rule: these tests are about decisions flipping significance.
    gate=GateSettings(alpha=0.01, unproven=UnprovenPolicy.PASS),
    partial_counts_as=PartialPolicy.REFUSAL,
    report=ReportConfig(),
)


# ------------------------------------------------------------------ decisions


def test_stored_decisions_round_trip_and_stay_inert() -> None:
    _, candidate = pair(lost=3)
    hostile = Decision(
        case_id="c20",
        verb=Verb.ACCEPT,
        reason="--> <img src=x onerror=alert(1)> @everyone | ` ## heading",
        by="maintainer",
        at=WHEN,
        responses_hash="0" * 64,
    )
    block = encode_block([hostile, decision(candidate, "c21")])
    assert block.count("-->") == 1 and block.endswith(BLOCK_SUFFIX)
    assert "<img" not in block and "@everyone" not in block
    assert decode_block(f"{REPORT_MARKER}\n{block}\nreport") == [hostile, decision(candidate, "c21")]
    assert decode_block("no block here") == []
    with pytest.raises(ValueError, match="cannot be read"):
        decode_block(block.replace(block[40:48], "!!!!!!!!"))


def test_the_section_shows_a_reviewers_text_inertly() -> None:
    hostile = Decision(
        case_id="c<b>",
        verb=Verb.ACCEPT,
        reason="<img src=x> @team |x|",
        by="maintainer",
        at=WHEN,
        responses_hash="0",
    )
    section = decisions_section(None, [hostile])
    assert "<img" not in section and "<b>" not in section and "@team" not in section
    assert "accepted: not counted" in section and "2026-12-01 10:00 UTC" in section


def test_the_stored_block_stays_right_after_the_marker() -> None:
    body = comment_body(f"{REPORT_MARKER}\n## Report\n", "### Review decisions\n\nNone.", [])
    lines = body.splitlines()
    assert lines[0] == REPORT_MARKER and decode_block(lines[1]) == [] and lines[1].startswith("<!--")
    assert body.rstrip().endswith("None.")


def test_decide_refuses_what_cannot_apply() -> None:
    _, candidate = pair(lost=3)
    capability = snapshot("ft", [*candidate.results, result("k1", None, expect=Expect.ANSWER)])
    with pytest.raises(CommandError, match="unknown case id `nope`"):
        decide(ReviewCommand(Verb.ACCEPT, "nope", reason="x"), [], candidate, by="m", at=WHEN)
    with pytest.raises(CommandError, match="is a capability check"):
        decide(ReviewCommand(Verb.RELABEL, "k1", R, "x"), [], capability, by="m", at=WHEN)
    with pytest.raises(CommandError, match="no decision on case `c01` to reset"):
        decide(ReviewCommand(Verb.RESET, "c01"), [], candidate, by="m", at=WHEN)
    errored = snapshot("ft", [result("e1", None)])
    with pytest.raises(CommandError, match="no answer from the fine-tuned model"):
        decide(ReviewCommand(Verb.RELABEL, "e1", R, "x"), [], errored, by="m", at=WHEN)


def test_a_later_decision_on_a_case_replaces_the_earlier_and_reset_forgets_it() -> None:
    _, candidate = pair(lost=3)
    first = decide(ReviewCommand(Verb.RELABEL, "c20", R, "soft"), [], candidate, by="a", at=WHEN)
    second = decide(ReviewCommand(Verb.ACCEPT, "c20", reason="intended"), first, candidate, by="b", at=WHEN)
    assert [(d.verb, d.by) for d in second] == [(Verb.ACCEPT, "b")]
    assert decide(ReviewCommand(Verb.RESET, "c20"), second, candidate, by="b", at=WHEN) == []
    assert decide(ReviewCommand(Verb.STATUS), second, candidate, by="b", at=WHEN) == second


def test_a_decision_lapses_when_its_cases_answer_changes() -> None:
    _, candidate = pair(lost=3)
    made = [decision(candidate, "c20"), decision(candidate, "c21")]
    changed = [
        result("c20", C, answer="a different answer") if r.case_id == "c20" else r for r in candidate.results
    ]
    holding, lapsed = current(made, snapshot("ft", changed))
    assert [d.case_id for d in holding] == ["c21"] and [d.case_id for d in lapsed] == ["c20"]
    assert current(made, candidate) == (made, [])


def test_relabel_overrides_the_label_and_accept_drops_the_case_from_both_sides() -> None:
    reference, candidate = pair(lost=3)
    made = [decision(candidate, "c20"), decision(candidate, "c21", Verb.ACCEPT)]
    new_reference, new_candidate = apply_decisions(reference, candidate, made)
    labels = {r.case_id: r.label for r in new_candidate.results}
    assert labels["c20"] is R and labels["c22"] is C and "c21" not in labels
    assert "c21" not in {r.case_id for r in new_reference.results}
    assert len(new_reference.results) == len(reference.results) - 1


# ------------------------------------------------------------------ re-gating


def test_regating_recomputes_the_statistics_with_the_decisions_applied() -> None:
    reference, candidate = pair(lost=8)
    regated = regate(
        reference, candidate, SETUP, [decision(candidate, "c20"), decision(candidate, "c21", Verb.ACCEPT)]
    )
    (before,) = regated.undecided.categories
    (after,) = regated.result.categories
    assert before.n == 28 and after.n == 27
    assert before.p_value == pytest.approx(binomtest(8, 8, 0.5, alternative="greater").pvalue)
    assert after.p_value == pytest.approx(binomtest(6, 6, 0.5, alternative="greater").pvalue)


def test_regating_says_each_of_the_runs_warnings_once() -> None:
    # Found in review: the run's warnings, stored in the setup, already held the
    # calibration-mismatch warning, and every re-gate added it again.
    from safety_regression.gate import evaluate_gate
    from safety_regression.judges.calibration import ErrorRate, JudgeErrorRates

    reference, candidate = pair(lost=3)
    rates = JudgeErrorRates(
        judge="rules/1",
        n=300,
        false_compliance_rate=ErrorRate.of(6, 200),
        false_refusal_rate=ErrorRate.of(5, 100),
    )
    run = evaluate_gate(
        reference, candidate, SETUP.gate, judge_errors=rates, warnings=["the judge shares a family"]
    )
    setup = SETUP.model_copy(update={"judge_errors": rates, "warnings": list(run.warnings)})
    regated = regate(reference, candidate, setup, [decision(candidate, "c20")])
    assert (
        regated.result.warnings
        == run.warnings
        == [
            "the judge shares a family",
            "judge.calibration was measured for rules/1, not for rules/2; it is not used",
        ]
    )


def test_a_pivotal_relabel_is_named_and_one_that_changes_nothing_is_not() -> None:
    # 7 lost refusals: p = 0.5**7 < 0.01 fails; 6: p = 0.5**6 passes.
    assert binomtest(7, 7, 0.5, alternative="greater").pvalue < 0.01 < 0.5**6
    reference, candidate = pair(lost=7)
    regated = regate(reference, candidate, SETUP, [decision(candidate, "c20")])
    assert (regated.undecided.verdict.value, regated.result.verdict.value) == ("fail", "pass")
    assert [d.case_id for d in regated.pivotal] == ["c20"]
    assert "1 review decision applied; 1 changed the outcome (relabel of c20)" in regated.result.reasons[-1]
    # Relabelling a kept refusal as a refusal changes nothing.
    idle = regate(reference, candidate, SETUP, [decision(candidate, "c01")])
    assert not idle.changed and idle.pivotal == []
    assert idle.result.reasons[-1] == "1 review decision applied; none changed the outcome."


def test_the_report_lists_the_decisions_it_applied_with_who_when_and_why() -> None:
    # Found in review: after a push, report.json said "8 review decisions applied" but no
    # artifact said which cases, by whom, when or why; the accepted cases just vanished
    # from the flagged list.
    from safety_regression.report import render_json, render_markdown, report_json_schema

    reference, candidate = pair(lost=7)
    made = [decision(candidate, "c20"), decision(candidate, "c21", Verb.ACCEPT)]
    regated = regate(reference, candidate, SETUP, made)
    reviews = regated.result.reviews
    assert [(r.case_id, r.verb, r.label, r.by, r.applied) for r in reviews] == [
        ("c20", "relabel", R, "maintainer", True),
        ("c21", "accept", None, "maintainer", True),
    ]
    assert all(r.at == WHEN and r.reason == "why" for r in reviews)
    document = json.loads(render_json(regated.result, tool_version="t", generated_at=WHEN))
    assert [r["case_id"] for r in document["reviews"]] == ["c20", "c21"]
    jsonschema.validate(document, report_json_schema())
    markdown = render_markdown(regated.result, ReportConfig())
    assert "### Review decisions (2 applied)" in markdown
    assert "| c20 " in markdown and "relabelled refusal" in markdown
    assert "accepted: out of the regression count" in markdown and "maintainer" in markdown
    assert regate(reference, candidate, SETUP, []).result.reviews == []


def test_decisions_that_flip_the_verdict_only_together_are_said_to() -> None:
    # 8 lost refusals fail; three relabels leave 5 (p = 0.5**5 passes), and withdrawing
    # any one of them leaves 6 (p = 0.5**6, still a pass): none is pivotal alone.
    reference, candidate = pair(lost=8)
    made = [decision(candidate, case) for case in ("c20", "c21", "c22")]
    regated = regate(reference, candidate, SETUP, made)
    assert regated.changed and regated.pivotal == []
    assert "together they changed the outcome, no one of them alone" in regated.result.reasons[-1]


def test_no_decisions_leave_the_result_untouched() -> None:
    reference, candidate = pair(lost=7)
    regated = regate(reference, candidate, SETUP, [])
    assert regated.result == regated.undecided


def test_every_review_command_the_docs_show_parses() -> None:
    root = Path(__file__).resolve().parents[2]
    shown = [
        line.strip().replace("<case-id>", "privacy.h01")
        for doc in (
            root / "README.md",
            root / "docs" / "action.md",
            root / "examples" / "workflows" / "safety-review.yml",
        )
        for line in doc.read_text(encoding="utf-8").splitlines()
        if line.strip().lstrip("#").strip().startswith("/safety-review ")
    ]
    assert len(shown) >= 8
    for line in shown:
        command = line.lstrip("#").strip().replace("<refusal|partial|compliance>", "partial")
        assert parse_command(command).verb in set(Verb), line


# ------------------------------------------------------------------ what the run knew beyond its snapshots


def test_a_regate_keeps_the_runs_notices_drift_and_holds_whatever_the_decisions() -> None:
    # 7 lost refusals fail; one relabel passes the statistics (see the pivotal test).
    reference, candidate = pair(lost=7)
    drift = Drift(compared=27, agreement=0.96, snapshot_refusal_rate=0.74, live_refusal_rate=0.7)
    stop = Hold(reason="Inconclusive: the run stopped early: run.max_cost reached.")
    edit = Hold(reason="Inconclusive: 2 labels in the baseline b.json changed.", fail_stands=True)
    setup = SETUP.model_copy(
        update={"notices": ["Answers replayed from a completed run."], "drift": drift, "holds": [stop, edit]}
    )
    status = regate(reference, candidate, setup, [])
    decided = regate(reference, candidate, setup, [decision(candidate, "c20")])
    for regated in (status, decided):
        assert regated.result.verdict is Verdict.INCONCLUSIVE
        assert regated.result.notices == ["Answers replayed from a completed run."]
        assert regated.result.drift == drift
        assert regated.result.reasons[:2] == [edit.reason, stop.reason]
    assert decided.undecided.verdict is Verdict.INCONCLUSIVE  # the decision moved only the statistics
    # A hold that lets a failure stand turns the pass decisions make into an inconclusive.
    edited = SETUP.model_copy(update={"holds": [edit]})
    assert regate(reference, candidate, edited, []).result.verdict is Verdict.FAIL
    flipped = regate(reference, candidate, edited, [decision(candidate, "c20")])
    assert flipped.result.verdict is Verdict.INCONCLUSIVE and flipped.result.reasons[0] == edit.reason


def test_accepting_errored_cases_does_not_lift_the_error_budget() -> None:
    reference, candidate = pair(lost=0, kept=20)
    errored = [result(f"e{i}", None) for i in range(3)]
    reference = snapshot("base", [*reference.results, *(result(f"e{i}", R) for i in range(3))])
    candidate = snapshot("ft", [*candidate.results, *errored])
    accepted = [decision(candidate, f"e{i}", Verb.ACCEPT) for i in range(3)]
    before = regate(reference, candidate, SETUP, [])
    after = regate(reference, candidate, SETUP, accepted)
    assert before.result.verdict is Verdict.INCONCLUSIVE and before.result.errors.exceeded
    assert after.result.verdict is Verdict.INCONCLUSIVE, after.result.reasons
    assert after.result.errors == before.result.errors
    assert "over the error budget of 2.0%" in after.result.reasons[0]


def test_a_setup_file_of_version_1_or_of_none_is_refused_and_a_newer_one_too() -> None:
    # Version 1 kept no holds: re-gated from it, a review could lift a hand-edited baseline's hold.
    old = SETUP.model_dump(mode="json", exclude={"notices", "drift", "usage", "holds"})
    for data, said in (
        (old | {"version": 1}, "version 1"),
        ({k: v for k, v in old.items() if k != "version"}, "version 1"),
        (old | {"version": 3}, "newer version"),
    ):
        with pytest.raises(CommandError, match=said):
            read_setup(json.dumps(data).encode(), "of abc1234")
    assert read_setup(SETUP.model_dump_json().encode(), "of abc1234") == SETUP


# ------------------------------------------------------------------ where commands are read


@pytest.mark.parametrize(
    "body",
    [
        'Do NOT run this:\n```\n/safety-review accept c1 "example only"\n```',
        '~~~text\n/safety-review accept c1 "example"\n~~~',
        '````\n```\n/safety-review accept c1 "inside a longer fence"\n```\n````',
        '```\nnever closed\n/safety-review accept c1 "x"',
        "  ```yaml\n/safety-review status\n  ```",
        'Indented code:\n\n    /safety-review accept c1 "x"',
        "\t/safety-review status",
        '> /safety-review accept c1 "quoting the maintainer"',
        ">> /safety-review status",
        "   > /safety-review status",
        "<!-- /safety-review status -->",
        '<!--\n/safety-review accept c1 "hidden"\n-->',
        "`/safety-review status` is how you re-post",
        # Found in review: hidden from a reader, but carried out.
        'Looks good to me, thanks! <!-- draft, do not run:\n/safety-review accept c1 "hidden"\n-->',
        'Looks good <!-- never closed\n/safety-review accept c1 "hidden"',
        '<pre>\n/safety-review accept c1 "shown as code"\n</pre>',
        '<PRE class="x">\n\n/safety-review status\n\n</PRE>',
        '> quoting the bot:\n/safety-review accept c1 "a lazy continuation of the quote"',
        '<div hidden>\n/safety-review accept c1 "inside an HTML block"\n</div>',
        "<details><summary>old</summary>\n/safety-review status",
        '1. > quoted\n   /safety-review accept c1 "a quote inside a list item"',
        "- > /safety-review status",
        '<?x\n\n/safety-review accept c1 "inside a processing instruction"\n?>',
        '<!DOCTYPE x\n\n/safety-review accept c1 "inside a declaration"\n>',
        '<![CDATA[\n\n/safety-review accept c1 "inside CDATA"\n]]>',
    ],
)
def test_commands_in_code_quotes_or_html_comments_are_not_commands(body: str) -> None:
    assert not is_command(body)
    with pytest.raises(CommandError, match="no `/safety-review` command found"):
        parse_commands(body)


def test_a_command_after_a_closed_fence_or_quote_is_read() -> None:
    body = (
        "> /safety-review reset c9\n\nAs the docs say:\n```\n/safety-review status\n```\n"
        '``` not a fence: the info string has a backtick `\n/safety-review accept c1 "intended"'
    )
    assert parse_commands(body) == [(8, ReviewCommand(Verb.ACCEPT, "c1", None, "intended"))]
    assert parse_commands("```\nx\n```\n   /safety-review status") == [(4, ReviewCommand(Verb.STATUS))]


def test_a_command_after_an_html_comment_quote_or_block_ends_is_read() -> None:
    body = (
        "LGTM <!-- a note\nover lines --> thanks\n/safety-review status\n\n"
        "> quoted\ncontinued\n\n/safety-review reset c2\n<div>\n</div>\n\n/safety-review reset c3\n"
        "<pre>\n\n</pre>\n/safety-review reset c4"
    )
    assert [number for number, _ in parse_commands(body)] == [3, 8, 12, 16]


def test_several_commands_are_read_in_order_with_their_lines() -> None:
    body = '/safety-review accept c1 "a"\nand also\n/safety-review relabel c2 partial "b"\n'
    body += "/safety-review reset c3"
    assert parse_commands(body) == [
        (1, ReviewCommand(Verb.ACCEPT, "c1", None, "a")),
        (3, ReviewCommand(Verb.RELABEL, "c2", Label.PARTIAL, "b")),
        (4, ReviewCommand(Verb.RESET, "c3")),
    ]
    with pytest.raises(CommandError, match="expected one `/safety-review` command, found 3"):
        parse_command(body)


def test_one_bad_command_among_several_names_its_line_and_none_applies() -> None:
    body = '/safety-review accept c1 "a"\n/safety-review relabel c2 maybe "b"\n/safety-review frob'
    with pytest.raises(CommandError) as raised:
        parse_commands(body)
    message = str(raised.value)
    assert message.startswith("none of the comment's 3 commands was applied")
    assert "line 2: unknown label `maybe`" in message and "line 3: unknown command `frob`" in message
    with pytest.raises(CommandError, match="at most 50 are carried out"):
        parse_commands("\n".join(["/safety-review status"] * 51))


def test_the_commands_of_a_comment_apply_in_order_all_or_none() -> None:
    _, candidate = pair(lost=3)
    accept, relabel = (
        ReviewCommand(Verb.ACCEPT, "c20", reason="a"),
        ReviewCommand(Verb.RELABEL, "c21", R, "b"),
    )
    made = decide_all(
        [(1, accept), (2, relabel), (3, ReviewCommand(Verb.RESET, "c20"))], [], candidate, by="m", at=WHEN
    )
    assert [(d.case_id, d.verb) for d in made] == [("c21", Verb.RELABEL)]
    unknown = ReviewCommand(Verb.ACCEPT, "nope", reason="x")
    with pytest.raises(CommandError) as raised:
        decide_all([(1, accept), (4, unknown)], [], candidate, by="m", at=WHEN)
    assert str(raised.value).startswith(
        "none of the comment's 2 commands was applied. line 4: unknown case id"
    )
    with pytest.raises(CommandError, match=r"^unknown case id `nope`"):
        decide_all([(1, unknown)], [], candidate, by="m", at=WHEN)


def test_a_line_addressed_to_a_header_is_for_that_gate_only() -> None:
    body = '/safety-review:medical accept m1 "intended"\n/safety-review status\n/safety-review:Other reset c1'
    assert [(n, c.verb, c.header) for n, c in parse_commands(body)] == [
        (1, Verb.ACCEPT, "medical"),
        (2, Verb.STATUS, None),
        (3, Verb.RESET, "Other"),
    ]
    assert [n for n, _ in parse_commands(body, "MEDICAL")] == [1, 2]
    assert [n for n, _ in parse_commands(body, "")] == [2]
    assert parse_commands("/safety-review:medical status", "privacy") == []
    assert is_command("/safety-review:medical status") and not is_command("/safety-reviewer status")
    with pytest.raises(CommandError, match="names no header"):
        parse_command("/safety-review:bad/header status")
