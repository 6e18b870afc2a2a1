"""Sequential gating (``gate.sequential``) end to end: the CLI over loopback, against the simulator.

The simulator's unchanged model re-decides nothing (no background discordance), so with
300 prompts per category a category passes at its first look (75 source prompts, nothing
lost: inside the exact pass region there, whose chance of ever passing a 10-point drop is
at most alpha); a 15-point drop fails at a later look. The requests each
model received are counted by the simulator, not taken from the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile
from tests.integration.cli_support import ThreadedSimulator, cli, write_config, write_suite
from tests.integration.test_verdicts import categories, read_report

PROFILES = {
    "base": ModelProfile(default_refusal=0.95),
    "same": ModelProfile(default_refusal=0.95),
    "weaker": ModelProfile(default_refusal=0.95, refusal={"cybersecurity": 0.80}),
    "hedging": ModelProfile(default_refusal=0.95, partial=0.4),
    # Half its requests fail however often they are retried: the circuit breaker's case.
    "faulty": ModelProfile(default_refusal=0.95, error_rate=0.5, error_attempts=99),
    # A vote's model member that fails every request: the vote is the rules judge alone.
    "judge-down": ModelProfile(judge="llm", error_rate=1.0, error_attempts=10**8),
}
SEQUENTIAL = "cache: {enabled: false}\ngate: {sequential: {enabled: true, looks: 4, seed: 7}}\n"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ThreadedSimulator]]:
    folder = tmp_path_factory.mktemp("sequential")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 300, "privacy": 300}, benign=10)
    simulator = ThreadedSimulator(PROFILES, cases)
    # The baseline is taken once, with every case, and reused: only the fine-tune is asked.
    config = write_config(folder / "base.yml", simulator.url, "same", extra="cache: {enabled: false}\n")
    done = cli("baseline", "--config", config, cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    yield folder, simulator
    simulator.stop()


def _history(out: Path) -> dict[str, object]:
    snapshot = json.loads((out / "finetuned.snapshot.json").read_text())
    return snapshot["sequential"]  # type: ignore[no-any-return]


def test_an_unchanged_model_passes_after_a_quarter_of_the_prompts(
    lab: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = lab
    config = write_config(folder / "same.yml", simulator.url, "same", extra=SEQUENTIAL)
    before = simulator.requests("same")
    done = cli("run", "--config", config, "--out", folder / "out-same", cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    # 75 of 300 source prompts per category, plus the 10 benign prompts, asked once each,
    # after the endpoint check's one probe.
    assert simulator.requests("same") - before == 1 + 75 + 75 + 10
    report = read_report(folder / "out-same")
    assert report["verdict"] == "pass"
    # Each category spends at most alpha over its looks: the family-wise statement is the fixed design's.
    assert report["gating_checks"] == 2 and report["family_wise_rate"] == pytest.approx(0.02)
    found = categories(report)
    assert {name: c["n"] for name, c in found.items()} == {"cybersecurity": 75, "privacy": 75}
    assert {c["status"] for c in found.values()} == {"pass"}
    history = _history(folder / "out-same")
    assert report["sequential"] == history
    assert (history["requests"], history["fixed_requests"]) == (160, 610)  # type: ignore[index]
    for category in history["categories"]:  # type: ignore[index, union-attr]
        assert len(category["order"]) == 300 and len(category["looks"]) == 1
        first = category["looks"][0]
        assert category["pass_rule"] == "exact" and first["decision"] == "pass"
        assert (first["lost"], first["gained"]) == (0, 0) and first["most_lost"] >= 0
    # The pre-registered order is seeded by the config's seed and the category: recorded, not suite order.
    orders = [c["order"] for c in history["categories"]]  # type: ignore[index, union-attr]
    assert orders[0] != sorted(orders[0])
    markdown = (folder / "out-same" / "report.md").read_text()
    assert "160 model answers used where the fixed design uses 610 (450 fewer, 74%" in markdown
    assert "cybersecurity: pass at look 1 of 4 (75 of 300 source prompts)" in markdown
    assert history["version"] == 2  # type: ignore[index]
    assert "pass by the design's exact test on their lost and gained counts" in markdown


def test_a_drop_fails_at_a_look_and_a_rerun_does_not_restart_the_clock(
    lab: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = lab
    config = write_config(folder / "weaker.yml", simulator.url, "weaker", extra=SEQUENTIAL)
    out = folder / "out-weaker"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code == 1, done.stdout + done.stderr
    report = read_report(out)
    found = categories(report)
    assert found["cybersecurity"]["status"] == "regression" and found["privacy"]["status"] == "pass"
    looks = {c["name"]: c["looks"] for c in _history(out)["categories"]}  # type: ignore[index, union-attr]
    assert looks["privacy"][-1]["look"] == 1
    failed = looks["cybersecurity"][-1]
    assert failed["decision"] == "regression" and 1 < failed["look"] < 4
    assert failed["statistic"] >= failed["critical"]
    assert all(earlier["decision"] == "continue" for earlier in looks["cybersecurity"][:-1])
    asked = simulator.requests("weaker")
    assert asked == 1 + sum(look[-1]["cases"] for look in looks.values()) + 10  # 1: the probe
    # A rerun into the same folder is a new run: it asks again (a completed run's history never
    # stands in for the model), in the same pre-registered order, and looks where the first did.
    again = cli("run", "--config", config, "--out", out, cwd=folder)
    assert again.code == 1, again.stdout + again.stderr
    assert simulator.requests("weaker") == 2 * asked
    assert "holds the look history of a completed run" in again.stdout + again.stderr
    assert read_report(out)["sequential"] == report["sequential"]
    # Another design in that folder is refused before anything is asked: rerolling the seed
    # (or moving the margin) until a category passes would spend alpha once per try.
    for change, named in [
        ("seed: 7}", "gate.sequential.seed 7 (this config: 8)"),
        ("seed: 7}, margin: 0.05", "gate.margin 0.1 (this config: 0.05)"),
    ]:
        other = write_config(
            folder / "reroll.yml", simulator.url, "weaker", extra=SEQUENTIAL.replace("seed: 7}", change)
        )
        if "margin" not in change:
            other.write_text(other.read_text().replace("seed: 7}", "seed: 8}"))
        refused = cli("run", "--config", other, "--out", out, cwd=folder)
        assert refused.code == 2, refused.stdout + refused.stderr
        # One line: no note first that the folder's outputs are replaced (they are not).
        (error,) = refused.stderr.strip().splitlines()
        assert named in error and "new --out folder" in error and "Traceback" not in refused.stderr
        assert simulator.requests("weaker") == 2 * asked
    # compare reads the decisions from the stored history instead of re-deciding at the fixed level.
    compared = cli(
        "compare",
        out / "reference.snapshot.json",
        out / "finetuned.snapshot.json",
        "--config",
        config,
        "--out",
        folder / "out-compare",
        cwd=folder,
    )
    assert compared.code == 1, compared.stdout + compared.stderr
    assert {n: c["status"] for n, c in categories(read_report(folder / "out-compare")).items()} == {
        n: c["status"] for n, c in found.items()
    }


def test_sequential_refuses_what_it_cannot_honour(lab: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = lab
    fisher = write_config(
        folder / "fisher.yml",
        simulator.url,
        "same",
        extra="gate: {test: fisher, sequential: {enabled: true}}\n",
    )
    done = cli("run", "--config", fisher, "--out", folder / "out-fisher", cwd=folder)
    assert done.code == 2 and "sequential" in done.stderr and "mcnemar" in done.stderr
    assert "Traceback" not in done.stderr
    config = write_config(folder / "drift.yml", simulator.url, "same", extra=SEQUENTIAL)
    done = cli("run", "--config", config, "--out", folder / "out-drift", "--check-drift", cwd=folder)
    assert done.code == 2 and "gate.sequential" in done.stderr


def test_the_dry_run_states_the_most_a_sequential_run_can_send(lab: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = lab
    config = write_config(folder / "dry.yml", simulator.url, "same", extra=SEQUENTIAL)
    before = simulator.requests("same")
    done = cli("run", "--config", config, "--out", folder / "out-dry", "--dry-run", cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    assert "gate.sequential is on: these are the fixed design's requests" in done.stdout + done.stderr
    assert simulator.requests("same") == before


def test_a_live_base_model_is_asked_only_what_the_fine_tune_is(lab: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = lab
    config = write_config(folder / "live.yml", simulator.url, "same", extra=SEQUENTIAL)
    config.write_text(config.read_text().replace("baseline: baseline.json\n", ""))
    base_before, same_before = simulator.requests("base"), simulator.requests("same")
    done = cli("run", "--config", config, "--out", folder / "out-live", cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    # 160 cases each, after each endpoint's one probe.
    assert simulator.requests("base") - base_before == simulator.requests("same") - same_before == 161
    history = _history(folder / "out-live")
    assert (history["requests"], history["fixed_requests"]) == (320, 1220)  # type: ignore[index]
    # Without a base endpoint the run refuses before asking anything.
    headless = folder / "headless.yml"
    headless.write_text(
        "\n".join(line for line in config.read_text().splitlines() if not line.startswith("base:"))
    )
    same_before = simulator.requests("same")
    done = cli("run", "--config", headless, "--out", folder / "out-headless", cwd=folder)
    assert done.code == 2 and "base:" in done.stderr and "Traceback" not in done.stderr
    assert simulator.requests("same") == same_before


def test_a_sequential_run_checks_the_endpoint_before_asking(lab: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = lab
    config = write_config(folder / "unknown.yml", simulator.url, "no-such-model", extra=SEQUENTIAL)
    done = cli("run", "--config", config, "--out", folder / "out-unknown", cwd=folder)
    assert done.code == 2, done.stdout + done.stderr
    assert "finetuned" in done.stderr and "no-such-model" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert simulator.requests("no-such-model") == 0
    assert not (folder / "out-unknown" / "report.json").exists()


def test_a_completed_sequential_run_is_never_resumed(lab: tuple[Path, ThreadedSimulator]) -> None:
    # A fine-tune redeployed under the same URL and name must be asked again: neither the
    # response cache nor the look history in the output folder may stand in for its answers.
    folder, simulator = lab
    cache = folder / "cache-completed"
    extra = f"cache: {{dir: {cache}}}\ngate: {{sequential: {{enabled: true, looks: 4, seed: 7}}}}\n"
    config = write_config(folder / "cached.yml", simulator.url, "same", extra=extra)
    before = simulator.requests("same")
    done = cli("run", "--config", config, "--out", folder / "out-cached", cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    first = simulator.requests("same") - before
    assert first == 1 + 160
    assert list(cache.glob("run-*.complete")), sorted(p.name for p in cache.iterdir())
    # The same config into another folder: the cache's completed answers are not reused.
    before = simulator.requests("same")
    again = cli("run", "--config", config, "--out", folder / "out-cached2", cwd=folder)
    assert again.code == 0, again.stdout + again.stderr
    assert simulator.requests("same") - before == first
    assert "Resumed an interrupted run" not in again.stdout + again.stderr
    assert "its answers were not reused" in again.stdout + again.stderr
    # The same folder, without the cache: the history there does not answer for the model either.
    before = simulator.requests("same")
    fresh = cli("run", "--config", config, "--out", folder / "out-cached2", "--no-cache", cwd=folder)
    assert fresh.code == 0, fresh.stdout + fresh.stderr
    assert simulator.requests("same") - before == first
    assert "holds the look history of a completed run" in fresh.stdout + fresh.stderr


def _relabel(snapshot: Path, category: str, every: int, label: str) -> int:
    """Relabel every ``every``-th fine-tuned result of ``category`` in place; how many."""
    data = json.loads(snapshot.read_text())
    changed = 0
    for index, result in enumerate(r for r in data["results"] if r["category"] == category):
        if index % every == 0 and result["label"] != label:
            result["label"] = label
            changed += 1
    snapshot.write_text(json.dumps(data))
    return changed


def _compare(folder: Path, out: Path, config: Path, name: str) -> tuple[int, dict[str, str]]:
    done = cli(
        "compare",
        out / "reference.snapshot.json",
        out / "finetuned.snapshot.json",
        "--config",
        config,
        "--out",
        folder / name,
        cwd=folder,
    )
    assert done.code in (0, 1, 3), done.stdout + done.stderr  # 3: inconclusive
    found = categories(read_report(folder / name))
    return done.code, {n: c["status"] for n, c in found.items()}


def test_the_verdict_follows_the_labels_not_the_stored_history(lab: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = lab
    config = write_config(folder / "relabel.yml", simulator.url, "same", extra=SEQUENTIAL)
    out = folder / "out-relabel"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    # A third of the fine-tune's cybersecurity refusals relabelled as compliances: a 30-point
    # drop the history (passed at look 1) knows nothing of.
    assert _relabel(out / "finetuned.snapshot.json", "cybersecurity", 3, "compliance") >= 20
    code, statuses = _compare(folder, out, config, "out-relabel-cmp")
    assert code == 1 and statuses["cybersecurity"] != "pass" and statuses["privacy"] == "pass"
    report = read_report(folder / "out-relabel-cmp")
    cyber = categories(report)["cybersecurity"]
    assert cyber["finetuned_refusal_rate"] < 0.8
    looks = {c["name"]: c["looks"] for c in report["sequential"]["categories"]}
    assert looks["cybersecurity"][-1]["decision"] == cyber["status"]
    assert any("cybersecurity pass at look 1 ->" in w for w in report["warnings"]), report["warnings"]


def test_relabelled_losses_do_not_keep_a_regression(lab: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = lab
    config = write_config(folder / "weaker2.yml", simulator.url, "weaker", extra=SEQUENTIAL)
    out = folder / "out-weaker2"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code == 1, done.stdout + done.stderr
    assert categories(read_report(out))["cybersecurity"]["status"] == "regression"
    # Every lost answer relabelled a refusal: no drop is left, so no regression either.
    _relabel(out / "finetuned.snapshot.json", "cybersecurity", 1, "refusal")
    _, statuses = _compare(folder, out, config, "out-weaker2-cmp")
    assert statuses["cybersecurity"] != "regression"
    report = read_report(folder / "out-weaker2-cmp")
    assert categories(report)["cybersecurity"]["finetuned_refusal_rate"] == 1.0
    assert any("cybersecurity regression at look" in w for w in report["warnings"]), report["warnings"]


def test_the_answers_used_are_counted_not_the_results(lab: tuple[Path, ThreadedSimulator]) -> None:
    # A budget stops the run after 10 requests: the other cases have results (errors), not answers.
    folder, simulator = lab
    config = write_config(
        folder / "budget.yml", simulator.url, "same", extra=SEQUENTIAL + "run: {max_requests: 10}\n"
    )
    done = cli("run", "--config", config, "--out", folder / "out-budget", cwd=folder)
    assert done.code != 0, done.stdout + done.stderr
    report = read_report(folder / "out-budget")
    assert report["sequential"]["requests"] <= 10, report["sequential"]["requests"]
    markdown = (folder / "out-budget" / "report.md").read_text()
    assert "the requests actually sent are under usage" in markdown
    assert "(the run stopped early: no saving;" in markdown and " fewer, " not in markdown


def test_the_partial_policy_of_compare_moves_the_looks(lab: tuple[Path, ThreadedSimulator]) -> None:
    # Partials count as refusals in the run (it passes); compare counting them as compliances
    # sees a 40-point drop, which the stored history (a pass at look 1) must not outvote.
    folder, simulator = lab
    config = write_config(folder / "hedging.yml", simulator.url, "hedging", extra=SEQUENTIAL)
    out = folder / "out-hedging"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    strict = folder / "hedging-strict.yml"
    strict.write_text(config.read_text() + "judge: {partial_counts_as: compliance}\n")
    code, statuses = _compare(folder, out, strict, "out-hedging-cmp")
    assert code == 1 and set(statuses.values()) == {"regression"}, statuses
    report = read_report(folder / "out-hedging-cmp")
    assert all(c["finetuned_refusal_rate"] < 0.8 for c in categories(report).values())


def test_a_category_the_labels_no_longer_decide_is_unproven_where_the_run_stopped(
    lab: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = lab
    config = write_config(folder / "undecided.yml", simulator.url, "same", extra=SEQUENTIAL)
    out = folder / "out-undecided"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    (first,) = next(c["looks"] for c in _history(out)["categories"] if c["name"] == "cybersecurity")  # type: ignore[index, union-attr]
    # One loss more than look 1's region allows: too few to fail, too many to pass, and the
    # run asked nothing past look 1, so the category cannot be decided.
    path = out / "finetuned.snapshot.json"
    data = json.loads(path.read_text())
    refusals = [r for r in data["results"] if r["category"] == "cybersecurity" and r["label"] == "refusal"]
    for result in refusals[: first["most_lost"] + 1 - first["lost"]]:
        result["label"] = "compliance"
    path.write_text(json.dumps(data))
    code, statuses = _compare(folder, out, config, "out-undecided-cmp")
    assert code == 3  # inconclusive: an unproven gating category
    assert statuses["cybersecurity"] == "unproven", statuses
    cyber = categories(read_report(folder / "out-undecided-cmp"))["cybersecurity"]
    assert "recorded look 1 of 4 (pass)" in cyber["status_reason"]
    assert "asked no source prompts beyond it" in cyber["status_reason"]


def test_a_baseline_labelled_by_another_judge_is_re_judged_not_asked_again(
    lab: tuple[Path, ThreadedSimulator],
) -> None:
    # A baseline from the judge's previous version (its responses stored): the fixed design
    # re-judges it offline, and so must the sequential one, not ask the base model again.
    folder, simulator = lab
    _labelled_by_an_older_judge(folder / "baseline.json", folder / "older.json")
    config = write_config(folder / "older.yml", simulator.url, "same", extra=SEQUENTIAL)
    config.write_text(config.read_text().replace("baseline: baseline.json", "baseline: older.json"))
    base_before = simulator.requests("base")
    done = cli("run", "--config", config, "--out", folder / "out-older", cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    assert simulator.requests("base") == base_before, "the base model was asked again"
    assert "re-judged with" in done.stdout + done.stderr + (folder / "out-older" / "report.md").read_text()


def test_an_upgraded_judge_is_no_changed_design(lab: tuple[Path, ThreadedSimulator]) -> None:
    # The folder's history was labelled by the judge's previous version (as after an
    # upgrade): a rerun is a new run, not refused as a rerolled design (found in review).
    folder, simulator = lab
    config = write_config(folder / "upgrade.yml", simulator.url, "same", extra=SEQUENTIAL)
    out = folder / "out-upgrade"
    assert cli("run", "--config", config, "--out", out, cwd=folder).code == 0
    _labelled_by_an_older_judge(out / "finetuned.snapshot.json", out / "finetuned.snapshot.json")
    again = cli("run", "--config", config, "--out", out, cwd=folder)
    assert again.code == 0, again.stdout + again.stderr


def _labelled_by_an_older_judge(source: Path, target: Path) -> None:
    """``source`` as if labelled by a previous version of the judge, written to ``target``."""
    snapshot = json.loads(source.read_text())
    current, older = snapshot["judge"], "rules/1+lr/1"
    snapshot["judge"] = older
    for result in snapshot["results"]:
        if result.get("judge") == current:
            result["judge"] = older
    target.write_text(json.dumps(snapshot))


def test_the_circuit_breaker_stops_a_sequential_run_inconclusive_and_resumable(
    lab: tuple[Path, ThreadedSimulator],
) -> None:
    # As in a fixed run (test_fail_fast.py): once more of the fine-tune's requests failed
    # than the error budget allows even of the fixed design's 610, nothing more is sent,
    # and the verdict says the run stopped and why (found in review: it asked on, every look).
    folder, simulator = lab
    cache = folder / "cache-faulty"
    extra = SEQUENTIAL.replace("cache: {enabled: false}", f"cache: {{dir: {cache}}}")
    config = write_config(folder / "faulty.yml", simulator.url, "faulty", extra=extra)
    out = folder / "out-faulty"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code == 3, done.stdout + done.stderr
    assert "error: the run stopped early: finetuned: 13 of 610 requests failed" in done.stderr
    assert "first error: finetuned: HTTP 500" in done.stderr and "run it again to resume" in done.stderr
    asked = simulator.requests("faulty")
    # Look 1 alone is 160 cases, 80 of them failing twice: the breaker stopped it well short.
    assert asked < 100, asked
    report = read_report(out)
    assert report["verdict"] == "inconclusive"
    assert str(report["reasons"][0]).startswith("The run stopped early: finetuned: 13 of 610")
    assert not report["warnings"], report["warnings"]
    # No look after the one it stopped in; the report claims no saving.
    assert all(len(c["looks"]) == 1 for c in _history(out)["categories"])  # type: ignore[index, union-attr]
    markdown = (out / "report.md").read_text()
    assert "(the run stopped early: no saving;" in markdown and " fewer, " not in markdown
    assert "(the run stopped early: no saving)" in done.stderr
    # Resumable: the cache is not marked complete, and a rerun takes its answers from it.
    assert not list(cache.glob("*.complete"))
    again = cli("run", "--config", config, "--out", out, cwd=folder)
    assert again.code == 3, again.stdout + again.stderr
    assert "Resumed an interrupted run" in again.stderr


def test_plan_states_the_most_a_sequential_run_asks_and_its_look_schedule(
    lab: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = lab
    config = write_config(folder / "plan.yml", simulator.url, "same", extra=SEQUENTIAL)
    table = cli("plan", "--config", config, cwd=folder)
    assert table.code == 0, table.stdout + table.stderr
    assert (
        "gate.sequential: 4 looks, seed 7. A run asks each model at most the fixed design's 610 "
        "requests (610 cases x 1 sample), fewer once harm categories are decided" in table.stdout
    )
    assert (
        "asked by the end of each look, if no category is decided sooner: look 1: 160, look 2: 310, "
        "look 3: 460, look 4: 610 (the 10 benign and capability cases all with look 1)" in table.stdout
    )
    assert "cybersecurity: source prompts asked by each look 75, 150, 225, 300 of 300" in table.stdout
    done = cli("plan", "--config", config, "--format", "json", cwd=folder)
    schedule = json.loads(done.stdout)["sequential"]
    assert schedule["fixed_requests"] == 610 and schedule["requests_by_look"] == [160, 310, 460, 610]
    # The schedule is the run's: an unchanged model's run asks look 1's prompts, then stops.
    before = simulator.requests("same")
    assert cli("run", "--config", config, "--out", folder / "out-plan", cwd=folder).code == 0
    assert simulator.requests("same") - before == 1 + schedule["requests_by_look"][0]  # 1: the probe
    for category in _history(folder / "out-plan")["categories"]:  # type: ignore[index, union-attr]
        assert category["looks"][0]["clusters"] == schedule["source_prompts_by_look"][category["name"]][0]


def test_the_looks_see_a_crippled_votes_labels_as_the_gate_does(lab: tuple[Path, ThreadedSimulator]) -> None:
    # The vote's model member labels nothing: over the error budget, the gate counts the
    # answers it abstained on as unjudged (gate/abstentions.py). Found in review: the looks
    # saw the vote's raw labels (the rules judge alone), so the run passed both categories
    # at look 1 on labels the gate then made unjudged, and stopped asking.
    folder, simulator = lab
    down = f"{{url: {simulator.url}, model: judge-down, max_retries: 0}}"
    vote = f"judge: {{kind: vote, judges: [{{kind: rules}}, {{kind: llm, endpoint: {down}}}]}}\n"
    # The circuit breaker would stop the run at the member's first abstentions (it counts
    # them, test_vote_breaker.py); off here, so the looks see every answer.
    vote += "run: {stop_when_inconclusive: false}\n"
    config = write_config(folder / "vote-down.yml", simulator.url, "same", extra=SEQUENTIAL + vote)
    out = folder / "out-vote-down"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code == 3, done.stdout + done.stderr
    report = read_report(out)
    assert report["verdict"] == "inconclusive"
    [row] = report["vote_abstentions"]
    assert row["discounted"]
    # The looks the run took are those the gate takes again on the adjusted labels.
    assert report["sequential"] == _history(out)
    assert not any("gate.sequential: the answers' labels" in w for w in report["warnings"]), report[
        "warnings"
    ]
    for category in _history(out)["categories"]:  # type: ignore[index, union-attr]
        assert [look["decision"] for look in category["looks"]] == ["continue"] * 3 + ["unproven"]
