"""`compare` on fixed snapshot pairs gives byte-for-byte the reports it gave before the
speed work (issue 11): the golden files in tests/fixtures/compare-golden/ were written by
the code before it was made fast, and every later change must reproduce them.

The snapshots are built here from a seeded generator and cover what the gate reads:
several categories, benign and capability cases, errors, empty and blocked replies,
unjudged and partial labels, depth and toxicity, clusters of variants, (in the second
pair) three samples per prompt with Fisher's test and Holm, and (in the third, added with
golden files from the code before the third round of speed work) no variants at all.

To rewrite the golden files after an intended change of results, run
``GOLDEN_UPDATE=1 pytest tests/integration/test_compare_golden.py`` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safety_regression.config import SamplingConfig
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.judges.base import Label
from safety_regression.snapshot import CaseResult, ModelInfo, Snapshot, SuiteInfo, save_snapshot
from safety_regression.suites.checks import NumberCheck
from safety_regression.suites.model import Case, Difficulty, Expect
from tests.integration.cli_support import cli

GOLDEN = Path(__file__).parent.parent / "fixtures" / "compare-golden"
CATEGORIES = ["violence_weapons", "self_harm", "privacy", "cybersecurity", "deception"]
FILES = ("report.json", "report.md", "junit.xml", "results.jsonl")


def _cases(count: int, variants: bool = True) -> list[Case]:
    cases = []
    for i in range(count):
        kind = i % 10
        if kind == 9:
            cases.append(
                Case(
                    id=f"cap-{i:04d}",
                    category="arithmetic",
                    expect=Expect.ANSWER,
                    prompt=f"[placeholder sum #{i}]",
                    check=NumberCheck(value=float(i)),
                )
            )
            continue
        variant = variants and kind in (6, 7) and i > 20
        cases.append(
            Case(
                id=f"golden-{i:04d}",
                category=CATEGORIES[i % len(CATEGORIES)],
                expect=Expect.COMPLY if kind in (0, 5) else Expect.REFUSE,
                prompt=f"[golden placeholder prompt #{i}]",
                difficulty=list(Difficulty)[i % 3],
                language="de" if i % 7 == 0 else "en",
                source_id=f"golden-{i - 10:04d}" if variant else None,
                transform="roleplay" if variant else None,
            )
        )
    return cases


def _result(case: Case, sample: int, rng: random.Random, lost: float) -> CaseResult:
    roll = rng.random()
    if roll < 0.02:
        return CaseResult.for_case(case, sample, outcome=OutcomeKind.ERROR, error="HTTP 503 after 3 tries")
    if roll < 0.03:
        return CaseResult.for_case(case, sample, outcome=OutcomeKind.EMPTY, error="empty reply")
    if roll < 0.04:
        return CaseResult.for_case(case, sample, outcome=OutcomeKind.BLOCKED, error="content filter")
    fields: dict[str, object] = {"outcome": OutcomeKind.ANSWERED, "judge": "rules/3"}
    if case.expect is Expect.ANSWER:
        fields["correct"] = rng.random() >= lost
        text = f"[placeholder answer {case.id}]"
    elif roll < 0.05:
        fields["label"] = Label.UNJUDGED
        text = "[placeholder unjudged answer]"
    else:
        refuse_share = 1 - lost if case.expect is Expect.REFUSE else 0.04 + lost / 4
        draw = rng.random()
        if draw < refuse_share:
            label, text = Label.REFUSAL, "I can't help with that request."
        elif draw < refuse_share + 0.05:
            label, text = Label.PARTIAL, "[placeholder partial answer]"
        else:
            label, text = Label.COMPLIANCE, "[placeholder compliant answer]"
        fields["label"] = label
        if label is not Label.REFUSAL:
            fields["depth"] = rng.randrange(4)
        fields["toxicity"] = round(rng.random() * (0.2 if label is Label.REFUSAL else 0.9), 3)
    fields["response"] = text
    fields["response_chars"] = len(text)
    return CaseResult.for_case(case, sample, **fields)  # type: ignore[arg-type]


def _snapshot(model: str, cases: list[Case], samples: int, lost: float, seed: int) -> Snapshot:
    rng = random.Random(seed)
    results = [_result(case, sample, rng, lost) for case in cases for sample in range(samples)]
    return Snapshot(
        tool_version="golden",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        model=ModelInfo(model=model),
        suite=SuiteInfo(name="golden", hash="0123456789abcdef", cases=len(cases)),
        judge="rules/3",
        sampling=SamplingConfig(samples=samples),
        results=tuple(results),
    )


SCENARIOS = {
    "single": (400, 1, "gate:\n  error_budget: 0.08\n", True),
    "samples": (
        150,
        3,
        "gate:\n  error_budget: 0.08\n  test: fisher\n  holm: true\n  min_effect: 0.02\n",
        True,
    ),
    # No variants: every case is its own cluster (the gate's shortcuts for that shape).
    "no-variants": (400, 1, "gate:\n  error_budget: 0.08\n", False),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_compare_reports_are_unchanged(name: str, tmp_path: Path) -> None:
    count, samples, gate, variants = SCENARIOS[name]
    cases = _cases(count, variants)
    save_snapshot(_snapshot("base-model", cases, samples, 0.03, seed=11), tmp_path / "base.json")
    save_snapshot(_snapshot("tuned-model", cases, samples, 0.12, seed=12), tmp_path / "tuned.json")
    config = tmp_path / "gate.yml"
    config.write_text(gate, encoding="utf-8")
    out = tmp_path / "out"
    done = cli(
        "compare",
        tmp_path / "base.json",
        tmp_path / "tuned.json",
        "--config",
        config,
        "--out",
        out,
        cwd=tmp_path,
    )
    assert done.code in (0, 1, 3) and "safety-regression:" in done.stdout, done.stderr
    for file in FILES:
        text = (out / file).read_text(encoding="utf-8")
        if file == "report.json":
            report = json.loads(text)
            report["generated_at"] = report["tool_version"] = "(varies)"
            text = json.dumps(report, indent=1, sort_keys=True) + "\n"
        if file == "results.jsonl":
            # Large and regular: its digest stands in for it (the content is tested elsewhere).
            file, text = file + ".sha256", hashlib.sha256(text.encode()).hexdigest() + "\n"
        golden = GOLDEN / name / file
        if os.environ.get("GOLDEN_UPDATE"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), f"{name}/{file} differs from the golden file"
