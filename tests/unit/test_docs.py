"""The README's promises that code can check: every config key documented, commands exist."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click
from pydantic import BaseModel

from safety_regression import stats
from safety_regression.cli import cli
from safety_regression.config import Config, EndpointConfig, StatTest, load_config
from safety_regression.endpoints import load_profiles
from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.endpoints.simulator.profiles import ModerationScores
from safety_regression.suites import Expect, load_suite
from safety_regression.suites.builtin import manifest

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def dotted_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if nested is not None and nested is not EndpointConfig:
            yield from dotted_keys(nested, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def test_every_config_key_is_in_the_readme_reference() -> None:
    keys = [*dotted_keys(Config), *(f"base.{name}" for name in EndpointConfig.model_fields)]
    missing = [key for key in keys if f"`{key}`" not in README]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    names = cli.list_commands(click.Context(cli))
    assert "run" in names
    missing = [name for name in names if f"`{name} " not in README and f"`{name}`" not in README]
    assert missing == []


def test_the_readme_commands_are_the_ones_ci_runs() -> None:
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install . && safety-regression demo" in README
    assert "pip install -e '.[dev]' && pytest" in README
    assert "pip install --quiet -e '.[dev]'" in ci and "\npytest\n" in ci


def tier_row(name: str) -> str:
    """The README's row for one built-in tier, computed as `plan --suite builtin:NAME` does."""
    suite = load_suite([f"builtin:{name}"])
    harmful = [case for case in suite.cases if case.expect is Expect.REFUSE]
    counts = Counter(case.category for case in harmful)
    n = max(counts.values())
    sources: dict[str, set[str]] = {}
    for case in harmful:
        sources.setdefault(case.category, set()).add(case.source_id or case.id)
    clusters = min(len(found) for found in sources.values())
    passing = [stats.pass_probability(clusters, 0.10, 0.01, q) for q in (0.05, 0.02, 0.0)]
    drops = [
        stats.detectable_drop(clusters, 0.95, 0.01, 0.8, StatTest.MCNEMAR, 0.02),
        stats.detectable_drop(n, 0.95, 0.01, 0.8, StatTest.FISHER),
    ]
    shown = " | ".join("none" if drop is None else f"{100 * drop:.1f} pts" for drop in drops)
    return (
        f"| `builtin:{name}` | {len(suite.cases)} | {n} | {clusters} | "
        + " / ".join(f"{100 * p:.0f}%" for p in passing)
        + f" | {shown} |"
    )


def test_the_readme_power_table_is_what_plan_computes() -> None:
    # The README promises these figures come from `plan`, not from hand: every built-in
    # tier with harmful prompts has its row, recomputed from the suite as it is now.
    tiers = [
        name
        for name in manifest().tiers
        if any(c.expect is Expect.REFUSE for c in load_suite([f"builtin:{name}"]).cases)
    ]
    expected = [tier_row(name) for name in tiers]
    missing = [row for row in expected if row not in README]
    assert missing == [], "update README.md's tier table with:\n" + "\n".join(expected)
    needed = stats.prompts_to_pass(0.95, 0.10, 0.01, 0.02)
    assert f"takes {needed} source prompts per category" in README


def test_the_example_config_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "gate.yml"
    config = load_config(example)
    assert config.finetuned is not None and config.finetuned.api_key_env == "FT_API_KEY"
    assert load_suite(config.suite).cases


def test_the_simulator_profile_format_is_documented_and_the_example_loads() -> None:
    root = Path(__file__).resolve().parents[2]
    page = (root / "docs" / "simulator.md").read_text(encoding="utf-8")
    missing = [name for name in ModelProfile.model_fields if f"| `{name}` |" not in page]
    missing += [name for name in ModerationScores.model_fields if f"`{name}`" not in page]
    assert missing == []
    profiles = load_profiles(root / "examples" / "profiles.yml")
    gate = load_config(root / "examples" / "gate.yml")
    # The example profiles play exactly the models the example gate config names.
    assert gate.base is not None and gate.finetuned is not None
    assert set(profiles) == {gate.base.model, gate.finetuned.model}
    assert "safety-regression simulate --profiles examples/profiles.yml" in page


ROOT = Path(__file__).resolve().parents[2]
MARKDOWN = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_code_fence_closes_on_a_line_of_its_own() -> None:
    """A closing fence with text after it does not close (CommonMark): the rest of the
    page renders as code. Every fence opened in the docs is closed by a bare fence."""
    for path in MARKDOWN:
        opened: int | None = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if not stripped.startswith("```"):
                continue
            if opened is None:
                opened = number
            else:
                assert stripped.rstrip("`") == "", f"{path.name}:{number}: text after a closing fence"
                opened = None
        assert opened is None, f"{path.name}:{opened}: a code fence that never closes"


def test_the_docs_name_source_files_that_exist() -> None:
    """A path like `src/safety_regression/....py` in the docs is a file of the tree."""
    import re

    for path in MARKDOWN[:1] + MARKDOWN[2:]:  # the CHANGELOG's history may name old files
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"`(src/safety_regression/[\w/]+(?:\.py|/))`", text):
            assert (ROOT / match[1]).exists(), f"{path.name}: {match[1]} does not exist"


def test_the_readmes_workflow_is_a_valid_workflow_as_written(tmp_path: Path) -> None:
    # Found in review: it was `permissions:` and `steps:` alone, invalid when copied.
    import re
    import shutil
    import subprocess

    section = README.split("## In a pull request", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    workflow = tmp_path / ".github" / "workflows" / "safety.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(block.group(1), encoding="utf-8")
    actionlint = shutil.which("actionlint")
    if actionlint is None:  # .ci/run installs it; without it, at least the shape is checked
        assert all(key in block.group(1) for key in ("\non:", "\njobs:", "runs-on:", "steps:"))
        return
    done = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
