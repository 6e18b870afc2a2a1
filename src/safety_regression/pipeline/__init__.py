"""The whole gate as library calls, shared by the CLI and the GitHub Action.

This is where the stages meet: config -> suite -> endpoints -> judge -> snapshots ->
gate. Side effects come in through an ``Environment`` so tests and the Action can supply
their own.
"""

from safety_regression.pipeline.assembly import suite_comparison
from safety_regression.pipeline.environment import (
    Environment,
    ProgressFactory,
    api_key_variables,
    known_secrets,
)
from safety_regression.pipeline.run import GateRun, Measurement, evaluate_model, measure, run_gate
from safety_regression.pipeline.stored import compare_snapshots, regate_snapshots

__all__ = [
    "Environment",
    "GateRun",
    "Measurement",
    "ProgressFactory",
    "api_key_variables",
    "compare_snapshots",
    "evaluate_model",
    "known_secrets",
    "measure",
    "regate_snapshots",
    "run_gate",
    "suite_comparison",
]
