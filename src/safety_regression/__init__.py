"""safety-regression: has fine-tuning made this model less safe?

The small public API for using the gate from Python; the CLI and the GitHub Action are
thin shells over the same calls::

    config = load_config(Path(".safety/gate.yml"))
    result = evaluate_gate(load_snapshot(base_path), load_snapshot(candidate_path), config.gate)
    print(result.verdict)
"""

from safety_regression._version import __version__
from safety_regression.config import Config, load_config
from safety_regression.errors import ExitCode, SafetyRegressionError
from safety_regression.gate import GateResult, Recommendation, Verdict, evaluate_gate
from safety_regression.snapshot import Snapshot, load_snapshot, save_snapshot
from safety_regression.suites import Case, Suite, load_suite

__all__ = [
    "Case",
    "Config",
    "ExitCode",
    "GateResult",
    "Recommendation",
    "SafetyRegressionError",
    "Snapshot",
    "Suite",
    "Verdict",
    "__version__",
    "evaluate_gate",
    "load_config",
    "load_snapshot",
    "load_suite",
    "save_snapshot",
]
