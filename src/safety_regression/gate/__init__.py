"""The gate: two snapshots and the gate settings in, a verdict out."""

from safety_regression.gate.evaluate import category_weight, evaluate_gate
from safety_regression.gate.result import GateResult, Recommendation, Verdict

__all__ = ["GateResult", "Recommendation", "Verdict", "category_weight", "evaluate_gate"]
