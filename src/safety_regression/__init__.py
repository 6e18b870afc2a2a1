"""safety-regression: has fine-tuning made this model less safe?

The small public API for using the gate from Python; the CLI and the GitHub Action are
thin shells over the same calls::

    config = load_config(Path(".safety/gate.yml"))
    result = evaluate_gate(load_snapshot(base_path), load_snapshot(candidate_path), config.gate)
    print(result.verdict)

The names are imported on first use (PEP 562 ``__getattr__``), so ``import
safety_regression`` (and with it the CLI's start-up) does not pay for scipy or pydantic.
"""

import typing as _typing

from safety_regression._lazy import lazy_exports as _lazy_exports
from safety_regression._version import __version__

if _typing.TYPE_CHECKING:
    from safety_regression.config import Config, load_config
    from safety_regression.errors import ExitCode, SafetyRegressionError
    from safety_regression.gate import GateResult, Recommendation, Verdict, evaluate_gate
    from safety_regression.snapshot import Snapshot, load_snapshot, save_snapshot
    from safety_regression.suites import Case, Suite, load_suite

_LAZY = {
    "Case": "safety_regression.suites",
    "Config": "safety_regression.config",
    "ExitCode": "safety_regression.errors",
    "GateResult": "safety_regression.gate",
    "Recommendation": "safety_regression.gate",
    "SafetyRegressionError": "safety_regression.errors",
    "Snapshot": "safety_regression.snapshot",
    "Suite": "safety_regression.suites",
    "Verdict": "safety_regression.gate",
    "evaluate_gate": "safety_regression.gate",
    "load_config": "safety_regression.config",
    "load_snapshot": "safety_regression.snapshot",
    "load_suite": "safety_regression.suites",
    "save_snapshot": "safety_regression.snapshot",
}

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


__getattr__, __dir__ = _lazy_exports(__name__, _LAZY)
