"""Domain packs end to end: a regression planted only in the medical pack, over loopback.

The simulator decides every reply from a hash of the prompt, the same for both models,
so where the two profiles agree nothing flips; the fine-tuned profile loses refusals in
``domain_medical`` alone. The new layout must flag exactly that category. The same
responses, regrouped into the old layout (one ``domain_specific`` category holding 16
prompts from each of four domains, as ``builtin:standard`` 2026.11.0 did), must not.
"""

from __future__ import annotations

import json
from pathlib import Path

from safety_regression.config import Config
from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.gate import evaluate_gate
from safety_regression.outputs import FINETUNED_SNAPSHOT, REFERENCE_SNAPSHOT
from safety_regression.snapshot import Snapshot, load_snapshot
from safety_regression.suites import BUILTIN_CATEGORIES, load_suite

from .cli_support import ThreadedSimulator, cli, write_config

PACKS = sorted(category.id for category in BUILTIN_CATEGORIES if category.pack)
OLD_DOMAINS = ("domain_medical", "domain_legal", "domain_financial", "domain_code")
OLD_PROMPTS_PER_DOMAIN = 16
"""builtin:standard 2026.11.0 took 64 domain_specific prompts: about 16 per domain."""


def _config(tmp_path: Path, url: str, suite: str) -> Path:
    config = write_config(tmp_path / "gate.yml", url, "tuned", extra="cache: {enabled: false}\n")
    config.write_text(config.read_text().replace("suite: [suite.jsonl]", f"suite: {suite}"))
    return config


def _old_layout(snapshot: Snapshot) -> Snapshot:
    """The snapshot's results as the single-category layout would have held them."""
    old_ids = {
        f"{domain}.h{number:03d}" for domain in OLD_DOMAINS for number in range(1, OLD_PROMPTS_PER_DOMAIN + 1)
    }
    kept = [result for result in snapshot.results if result.category not in PACKS]
    kept += [
        result.model_copy(update={"category": "domain_specific"})
        for result in snapshot.results
        if result.case_id in old_ids
    ]
    return snapshot.model_copy(update={"results": kept})


def test_a_medical_regression_fails_only_domain_medical_and_the_old_layout_misses_it(tmp_path: Path) -> None:
    standard = load_suite(["builtin:standard"])
    tuned = ModelProfile(refusal={"domain_medical": 0.80})
    simulator = ThreadedSimulator({"base": ModelProfile(), "tuned": tuned}, standard.cases)
    try:
        done = cli(
            "run",
            "--config",
            _config(tmp_path, simulator.url, "[builtin:standard]"),
            "--out",
            tmp_path / "out",
            cwd=tmp_path,
            timeout=600,
        )
    finally:
        simulator.stop()
    assert done.code == 1, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    categories = {c["name"]: c for c in report["categories"]}
    assert set(PACKS) <= set(categories)
    assert {name for name, c in categories.items() if c["regression"]} == {"domain_medical"}

    # The same responses under the old layout: the medical drop is diluted among three
    # unaffected domains and gated on 16 medical prompts, so it is not caught.
    reference = load_snapshot(tmp_path / "out" / REFERENCE_SNAPSHOT)
    candidate = load_snapshot(tmp_path / "out" / FINETUNED_SNAPSHOT)
    settings = Config().gate
    new = evaluate_gate(reference, candidate, settings)
    assert {c.name for c in new.categories if c.regression} == {"domain_medical"}
    old = evaluate_gate(_old_layout(reference), _old_layout(candidate), settings)
    old_domain = next(c for c in old.categories if c.name == "domain_specific")
    assert old_domain.n == len(OLD_DOMAINS) * OLD_PROMPTS_PER_DOMAIN
    assert not old_domain.regression
    assert not any(c.regression for c in old.categories)


def test_a_baseline_with_domain_specific_results_does_not_gate_the_new_packs(tmp_path: Path) -> None:
    quick = load_suite(["builtin:quick"])
    # A baseline as the old suite version would have left it: the domain prompts filed
    # under domain_specific, with that category's ids.
    old_rows = []
    for case in quick.cases:
        row = case.model_dump(mode="json", exclude_none=True)
        if case.category in PACKS:
            row["id"] = case.id.replace("domain_", "domain_specific.", 1)
            row["category"] = "domain_specific"
        old_rows.append(row)
    (tmp_path / "old.jsonl").write_text("".join(json.dumps(row) + "\n" for row in old_rows))
    old_suite = load_suite([str(tmp_path / "old.jsonl")])
    simulator = ThreadedSimulator(
        {"base": ModelProfile(), "tuned": ModelProfile()}, [*quick.cases, *old_suite.cases]
    )
    try:
        assert (
            cli("baseline", "--config", _config(tmp_path, simulator.url, "[old.jsonl]"), cwd=tmp_path).code
            == 0
        )
        live_before = simulator.requests("base")
        done = cli(
            "run",
            "--config",
            _config(tmp_path, simulator.url, "[builtin:quick]"),
            "--out",
            tmp_path / "out",
            cwd=tmp_path,
        )
        live = simulator.requests("base") - live_before
    finally:
        simulator.stop()
    # builtin:quick is too small to rule out a 10-point drop: an unchanged model is
    # inconclusive (3), never a failure.
    assert done.code == 3, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    packs = sum(1 for case in quick.cases if case.category in PACKS)
    assert live == packs + 1  # the new packs (and the preflight) went to the base model, not old results
    suite = report["suite"]
    assert (suite["added"], suite["removed"]) == (packs, packs)
    assert suite["from_baseline"] == len(quick.cases) - packs
    names = {c["name"] for c in report["categories"]}
    assert "domain_specific" not in names and set(PACKS) <= names
    (warning,) = [w for w in report["warnings"] if "domain_specific" in w or "Not gated" in w]
    assert "not compared" in warning
    assert "they are not compared" in (tmp_path / "out" / "report.md").read_text()
