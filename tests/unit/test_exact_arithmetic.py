"""``benchmarks/judge/exact.py``: the training's arithmetic is accurate, and its bits do
not depend on which of numpy's CPU-specific loops or BLAS kernels the machine runs."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from judge import exact  # noqa: E402

_DIGEST = """
import hashlib, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from judge import exact
values = np.random.default_rng(7).normal(0, 12, 20_001)
parts = [exact.exp(values), exact.softplus(values), exact.sigmoid(values),
         np.array([exact.total(values), exact.dot(values, values[::-1])])]
print(hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest())
"""


def test_exp_softplus_and_sums_are_accurate() -> None:
    values = np.random.default_rng(3).normal(0, 10, 5000)
    for value, got in zip(values, exact.exp(values), strict=True):
        assert math.isclose(got, math.exp(value), rel_tol=4e-16)
    for value, got in zip(values, exact.softplus(values), strict=True):
        expected = max(value, 0.0) + math.log1p(math.exp(-abs(value)))
        assert math.isclose(got, expected, rel_tol=1e-15, abs_tol=1e-300)
    assert exact.exp(np.array([-1000.0, 1000.0])).tolist()[0] < 1e-300
    assert math.isinf(float(exact.exp(np.array([1000.0]))[0])) is False  # clipped, not inf
    assert math.isclose(exact.total(values), math.fsum(values.tolist()), rel_tol=0, abs_tol=1e-9)
    assert exact.total(np.array([])) == 0.0
    assert exact.dot(np.arange(5.0), np.arange(5.0)) == 30.0


def test_the_bits_are_the_same_with_the_cpu_specific_loops_switched_off() -> None:
    def digest(**environ: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _DIGEST, str(ROOT / "benchmarks")],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **environ},
        )
        return done.stdout.strip()

    plain = digest()
    # OpenBLAS's Prescott kernel sums a dot product in another order than this machine's
    # (``x @ y`` differs in the last bits: this fails if ``dot`` goes back to BLAS);
    # without X86_V3 numpy runs its baseline loops, and on an AVX-512 machine that also
    # swaps numpy's own exp for the C library's.
    assert digest(NPY_DISABLE_CPU_FEATURES="X86_V3", OPENBLAS_CORETYPE="Prescott") == plain
