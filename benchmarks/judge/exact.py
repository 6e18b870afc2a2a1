"""Arithmetic for training that gives the same bits on every machine.

The shipped weights are checked by retraining (``train.py --check``), so training must
not depend on the CPU it runs on. Three things in plain numpy do:

- a vector's dot product goes to BLAS, whose kernel (and so its order of additions) is
  chosen for the CPU at run time;
- ``np.exp`` and ``np.log1p`` on float64 run numpy's own AVX-512 code on a CPU that has
  it and the C library's elsewhere, which differ in the last bit now and then;
- ``ndarray.sum`` may be vectorised differently from one numpy build to the next.

Here every result is built only from elementwise ``+ - * /``, ``rint``, ``ldexp`` and
comparisons, which IEEE 754 rounds exactly and numpy applies element by element whatever
the SIMD width, in an order fixed by the array's length alone. The sparse matrix-vector
products (scipy's compiled loops, in row order) multiply by entries of exactly 1.0
(``train._matrix`` keeps repeated features as repeated entries), so no product rounds and
a compiler that fuses multiply and add cannot change a bit. The weights came out
different on an AVX2-only AMD machine than on the one that trained them before this.
"""

from __future__ import annotations

import math

import numpy as np

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
# exp(r) on |r| <= ln(2)/2 by Taylor's series to the 13th power: error below 1e-17.
_EXP_COEFFICIENTS = [1.0 / math.factorial(n) for n in range(13, -1, -1)]
# log(1 + y) = 2 atanh(s), s = y / (2 + y) <= 1/3 for y in [0, 1]: 19 odd powers, below 1e-18.
_ATANH_COEFFICIENTS = [1.0 / (2 * k + 1) for k in range(18, -1, -1)]


def total(values: np.ndarray) -> float:
    """The sum of a vector by a fixed pairwise tree (halves added elementwise)."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size == 0:
        return 0.0
    width = 1 << (flat.size - 1).bit_length()
    tree = np.zeros(width)
    tree[: flat.size] = flat
    while width > 1:
        width //= 2
        tree = tree[:width] + tree[width:]
    return float(tree[0])


def dot(left: np.ndarray, right: np.ndarray) -> float:
    return total(left * right)


def exp(values: np.ndarray) -> np.ndarray:
    """e to each power, by range reduction and a polynomial."""
    x = np.clip(np.asarray(values, dtype=np.float64), -708.0, 709.0)
    k = np.rint(x * _INV_LN2)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    power = np.full_like(r, _EXP_COEFFICIENTS[0])
    for coefficient in _EXP_COEFFICIENTS[1:]:
        power = power * r + coefficient
    return np.ldexp(power, k.astype(np.int32))


def softplus(values: np.ndarray) -> np.ndarray:
    """log(1 + e^x) for each x, without overflow: max(x, 0) + log(1 + e^-|x|)."""
    x = np.asarray(values, dtype=np.float64)
    small = exp(-np.abs(x))  # in (0, 1]
    s = small / (2.0 + small)
    square = s * s
    series = np.full_like(s, _ATANH_COEFFICIENTS[0])
    for coefficient in _ATANH_COEFFICIENTS[1:]:
        series = series * square + coefficient
    return np.maximum(x, 0.0) + 2.0 * s * series


def sigmoid(values: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) for each x."""
    return 1.0 / (1.0 + exp(-np.asarray(values, dtype=np.float64)))
