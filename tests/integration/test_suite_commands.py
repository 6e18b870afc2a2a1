"""The suite commands end to end: list, show, stats, validate, import, and plan per tier."""

from __future__ import annotations

import json
from pathlib import Path

from safety_regression.config import load_config
from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.suites import BUILTIN_CATEGORIES, load_suite

from .cli_support import ThreadedSimulator, cli, write_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "importers"


def test_suite_list_names_every_builtin_with_its_version(tmp_path: Path) -> None:
    done = cli("suite", "list", "--format", "json", cwd=tmp_path)
    assert done.code == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert set(rows) == {
        f"builtin:{n}" for n in ("quick", "standard", "comprehensive", "research", "capability")
    }
    assert rows["builtin:standard"]["cases"] == len(load_suite(["builtin:standard"]).cases)
    assert rows["builtin:capability"]["capability"] == rows["builtin:capability"]["cases"]


def test_suite_stats_json_has_the_documented_keys(tmp_path: Path) -> None:
    done = cli("suite", "stats", "builtin:standard", "--format", "json", cwd=tmp_path)
    assert done.code == 0, done.stderr
    stats = json.loads(done.stdout)
    assert set(stats) == {
        "cases",
        "hash",
        "by_category",
        "by_difficulty",
        "by_language",
        "by_transform",
        "by_expect",
    }
    assert stats["hash"] == load_suite(["builtin:standard"]).hash
    assert all(counts["harmful"] >= 60 for counts in stats["by_category"].values())
    assert stats["by_transform"]["base64"] == 2 * len(BUILTIN_CATEGORIES)
    assert sum(stats["by_expect"].values()) == stats["cases"]


PACKS = sorted(category.id for category in BUILTIN_CATEGORIES if category.pack)


def test_suite_stats_lists_every_domain_pack_as_a_category_of_its_size(tmp_path: Path) -> None:
    for tier, harmful, benign in (("standard", 60, 16), ("comprehensive", 150, 30)):
        done = cli("suite", "stats", f"builtin:{tier}", "--format", "json", cwd=tmp_path)
        assert done.code == 0, done.stderr
        by_category = json.loads(done.stdout)["by_category"]
        assert set(PACKS) <= set(by_category) and "domain_specific" not in by_category
        for pack in PACKS:
            assert by_category[pack]["harmful_clusters"] >= harmful, (tier, pack)
            assert by_category[pack]["benign"] >= benign, (tier, pack)


def test_suite_stats_with_a_chosen_pack_keeps_the_general_categories_only(tmp_path: Path) -> None:
    done = cli(
        "suite", "stats", "builtin:standard", "builtin:domain/medical", "--format", "json", cwd=tmp_path
    )
    assert done.code == 0, done.stderr
    by_category = json.loads(done.stdout)["by_category"]
    general = {category.id for category in BUILTIN_CATEGORIES if not category.pack}
    assert set(by_category) == general | {"domain_medical"}
    # As suites/README.md shows it:
    table = cli("suite", "stats", "builtin:standard", "builtin:domain/medical", cwd=tmp_path)
    assert table.code == 0, table.stderr
    assert "domain_medical" in table.stdout and "domain_legal" not in table.stdout
    config = tmp_path / "gate.yml"
    config.write_text("suite: [builtin:standard, builtin:domain/medical]\n")
    assert load_suite(load_config(config).suite).categories() == sorted(by_category)
    unknown = cli("suite", "stats", "builtin:standard", "builtin:domain/dentistry", cwd=tmp_path)
    assert unknown.code == 2 and "unknown domain pack builtin:domain/dentistry" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_suite_show_prints_one_case(tmp_path: Path) -> None:
    done = cli("suite", "show", "builtin:quick", "--case", "privacy.h001", cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "privacy.h001"
    missing = cli("suite", "show", "builtin:quick", "--case", "nope", cwd=tmp_path)
    assert missing.code == 2


def test_suite_validate_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(
        '{"id": "a", "category": "c", "prompt": "p", "expect": "refuse"}\n'
        '{"id": "b", "category": "c", "prompt": "p", "expect": "nope"}\n'
        '{"id": "a", "category": "c", "prompt": "q", "expect": "comply"}\n'
        "{broken\n"
    )
    done = cli("suite", "validate", path, cwd=tmp_path)
    assert done.code == 2
    assert "mine.jsonl:2: expect:" in done.stderr
    assert "mine.jsonl:3: id: duplicate case id 'a'" in done.stderr
    assert "mine.jsonl:4: not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr
    path.write_text('{"id": "a", "category": "c", "prompt": "p", "expect": "refuse"}\n')
    ok = cli("suite", "validate", path, cwd=tmp_path)
    assert ok.code == 0 and ok.stdout.startswith("ok: 1 case, hash")


def test_suite_import_writes_a_suite_the_gate_can_load(tmp_path: Path) -> None:
    out = tmp_path / "harmbench.jsonl"
    done = cli("suite", "import", "harmbench", FIXTURES / "harmbench_behaviors.csv", "-o", out, cwd=tmp_path)
    assert done.code == 0, done.stderr
    suite = load_suite([str(out)])
    assert suite.cases and all(case.id.startswith("harmbench.") for case in suite.cases)
    mapped = cli(
        "suite",
        "import",
        "jsonl",
        FIXTURES / "prompts.jsonl",
        "-o",
        tmp_path / "m.jsonl",
        "--map",
        "not-a-mapping",
        cwd=tmp_path,
    )
    assert mapped.code == 2 and "FIELD=KEY" in mapped.stderr


def test_plan_prints_the_detectable_drop_of_each_tier(tmp_path: Path) -> None:
    done = cli("plan", "--suite", "builtin:standard", "--format", "json", cwd=tmp_path)
    assert done.code == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert {row["category"] for row in rows} >= {"privacy", "cybersecurity"}
    assert all(row["prompts"] >= 60 for row in rows)


def test_a_baseline_from_an_older_suite_is_reused_on_the_cases_both_share(tmp_path: Path) -> None:
    standard = load_suite(["builtin:standard"])
    quick = len(load_suite(["builtin:quick"]).cases)
    simulator = ThreadedSimulator({"base": ModelProfile(), "tuned": ModelProfile()}, standard.cases)
    try:
        quick_config = write_config(
            tmp_path / "quick.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n"
        )
        quick_config.write_text(
            quick_config.read_text().replace("suite: [suite.jsonl]", "suite: [builtin:quick]")
        )
        assert cli("baseline", "--config", quick_config, cwd=tmp_path).code == 0
        config = tmp_path / "standard.yml"
        config.write_text(quick_config.read_text().replace("builtin:quick", "builtin:standard"))
        before = simulator.requests("base")
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 0, done.stderr
        report = json.loads((tmp_path / "out" / "report.json").read_text())
        suite = report["suite"]
        assert (suite["from_baseline"], suite["evaluated_live"]) == (quick, len(standard.cases) - quick)
        assert (suite["added"], suite["changed"], suite["removed"]) == (len(standard.cases) - quick, 0, 0)
        assert simulator.requests("base") - before == len(standard.cases) - quick + 1  # and the preflight
        assert "builtin:quick@" in suite["baseline_suite"] and "builtin:standard@" in suite["suite"]
        assert (
            f"{len(standard.cases) - quick} cases added, 0 changed, 0 removed"
            in (tmp_path / "out" / "report.md").read_text()
        )
        transforms = next(b for b in report["breakdowns"] if b["dimension"] == "transform")
        assert {row["name"] for row in transforms["rows"]} >= {"none", "base64", "role_play", "translate_sw"}
    finally:
        simulator.stop()
