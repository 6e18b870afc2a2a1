"""Texts the Action hands to GitHub: cut to its limits, inputs read from the runner."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from safety_regression.errors import ConfigError
from safety_regression.github.inputs import Command, FailOn, read_inputs
from safety_regression.github.publish import fit
from safety_regression.github.workflow import Workflow


def test_a_report_too_long_for_github_is_cut_at_a_line_with_a_pointer() -> None:
    text = "\n".join(f"line {i}" for i in range(20_000))
    cut = fit(text, "the artifact", limit=1000)
    assert len(cut) <= 1000
    assert cut.endswith("the full report is in the artifact.\n")
    assert cut.splitlines()[-3].startswith("line ")
    assert fit("short", "x") == "short"


def test_inputs_come_from_the_runner_environment() -> None:
    warnings: list[str] = []
    inputs = read_inputs(
        {
            "INPUT_CONFIG": "gate.yml",
            "INPUT_GITHUB-TOKEN": "t",
            "INPUT_COMMENT": "false",
            "INPUT_FAIL-ON": "never",
        },
        warnings,
    )
    assert (inputs.command, inputs.github_token, inputs.comment, inputs.fail_on) == (
        Command.RUN,
        "t",
        False,
        FailOn.NEVER,
    )
    assert inputs.check and warnings == []
    with pytest.raises(ConfigError, match="action input fail-on"):
        read_inputs({"INPUT_CONFIG": "gate.yml", "INPUT_FAIL-ON": "sometimes"}, [])


def test_workflow_commands_escape_what_would_break_them(tmp_path: Path) -> None:
    out = io.StringIO()
    outputs = tmp_path / "outputs"
    workflow = Workflow(out, {"GITHUB_OUTPUT": str(outputs)})
    workflow.error("two\nlines, 100%", file="gate.yml", line=3)
    assert out.getvalue() == "::error file=gate.yml,line=3::two%0Alines, 100%25\n"
    workflow.set_outputs({"verdict": "fail"})
    name, value, _ = outputs.read_text().splitlines()
    assert name.startswith("verdict<<ghadelimiter_") and value == "fail"


def test_several_mistakes_are_one_annotation_each() -> None:
    out = io.StringIO()
    Workflow(out, {}).located_error("gate.yml:3: gate.tets: unknown key\nbase.model: not served")
    assert out.getvalue().splitlines() == [
        "::error file=gate.yml,line=3::gate.yml:3: gate.tets: unknown key",
        "::error::base.model: not served",
    ]
