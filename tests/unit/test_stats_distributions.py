"""``stats.distributions`` against scipy.stats, computed here: the same numbers to the last
bit (NaN where scipy gives NaN, the same sign of zero, the same dtype and shape), on grids
that cover both ends of every support, invalid parameters and the array shapes the gate
passes. The gate imports it instead of scipy.stats to start fast (issue 11)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats as scipy_stats

from safety_regression.stats import distributions


def assert_same(ours: Any, theirs: Any) -> None:
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs, equal_nan=True), (ours, theirs)
    assert np.array_equal(np.signbit(ours), np.signbit(theirs))


def test_the_fast_path_is_taken_and_uses_scipy_stats_own_ufuncs() -> None:
    # If scipy.stats stops calling these ufuncs, the module must be revisited, not trusted.
    from scipy.stats import _discrete_distns

    assert distributions.FAST
    for name in ("_binom_pmf", "_binom_sf", "_binom_ppf", "_binom_isf"):
        assert getattr(_discrete_distns.scu, name) is getattr(distributions._boost, name)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 50, 333, 2501])
@pytest.mark.parametrize("p", [0.0, 1e-13, 0.02, 0.5, 0.7311, 1.0])
def test_binomial(n: int, p: float) -> None:
    k = np.arange(-3, n + 4)
    for ours, theirs in (
        (distributions.binom_pmf, scipy_stats.binom.pmf),
        (distributions.binom_sf, scipy_stats.binom.sf),
    ):
        assert_same(ours(k, n, p), theirs(k, n, p))
        assert_same(ours(k - 0.5, n, p), theirs(k - 0.5, n, p))
        assert_same(ours(3, n, p), theirs(3, n, p))
    for q in (0, 1e-9, 0.01, 0.5, 0.99, 1 - 1e-12, 1, 1.5, -0.5, np.nan):
        assert_same(distributions.binom_ppf(q, n, p), scipy_stats.binom.ppf(q, n, p))
        assert_same(distributions.binom_isf(q, n, p), scipy_stats.binom.isf(q, n, p))


def test_binomial_over_arrays_of_trials_and_invalid_parameters() -> None:
    trials = np.arange(0, 800)
    assert_same(distributions.binom_ppf(0.99, trials, 0.5), scipy_stats.binom.ppf(0.99, trials, 0.5))
    assert_same(
        distributions.binom_sf(trials // 2, trials, 0.5), scipy_stats.binom.sf(trials // 2, trials, 0.5)
    )
    assert_same(
        distributions.binom_sf(trials // 3 - 3, trials, 0.37),
        scipy_stats.binom.sf(trials // 3 - 3, trials, 0.37),
    )
    assert_same(distributions.binom_pmf(trials, 799, 0.2), scipy_stats.binom.pmf(trials, 799, 0.2))
    for args in (
        (3, -1, 0.5),
        (3, 2.5, 0.5),
        (3, 10, 1.5),
        (np.nan, 10, 0.5),
        (-np.inf, 10, 0.5),
        (np.inf, 10, 0.5),
    ):
        assert_same(distributions.binom_sf(*args), scipy_stats.binom.sf(*args))
        assert_same(distributions.binom_pmf(*args), scipy_stats.binom.pmf(*args))
        assert_same(distributions.binom_ppf(0.3, *args[1:]), scipy_stats.binom.ppf(0.3, *args[1:]))


def _same_or_both_warn(ours: Callable[..., Any], theirs: Callable[..., Any], *args: Any) -> None:
    """Boost warns where its root finding gives up (both tiny shape parameters): the same
    warnings must come, and the same values."""
    with warnings.catch_warnings(record=True) as expected_warnings:
        warnings.simplefilter("always")
        expected = theirs(*args)
    with warnings.catch_warnings(record=True) as our_warnings:
        warnings.simplefilter("always")
        found = ours(*args)
    assert [str(w.message) for w in our_warnings] == [str(w.message) for w in expected_warnings]
    assert_same(found, expected)


@pytest.mark.parametrize("q", [0, 1e-300, 1e-9, 0.005, 0.3, 0.5, 0.995, 1, 1.5, -0.1, np.nan])
def test_beta_quantiles(q: float) -> None:
    for a in (1e-9, 0.3, 1, 2.5, 37, 999.5, 0, -1):
        for b in (1e-9, 0.7, 1, 12, 5000.25, 0):
            _same_or_both_warn(distributions.beta_ppf, scipy_stats.beta.ppf, q, a, b)
            _same_or_both_warn(distributions.beta_isf, scipy_stats.beta.isf, q, a, b)
    gained = np.arange(0, 300)
    shapes = (np.maximum(gained, 1), 300 - gained + 1)
    _same_or_both_warn(distributions.beta_ppf, scipy_stats.beta.ppf, q, *shapes)


def test_normal() -> None:
    x = np.concatenate([np.linspace(-40, 40, 4001), [np.inf, -np.inf, np.nan, 0.0, -0.0]])
    assert_same(distributions.norm_sf(x), scipy_stats.norm.sf(x))
    for value in (*x[::97], 3, -2, np.inf, -np.inf, np.nan):
        assert_same(distributions.norm_sf(value), scipy_stats.norm.sf(value))
    q = np.concatenate([np.linspace(0, 1, 2001), [1e-300, 1 - 1e-16, -1, 2, np.nan]])
    assert_same(distributions.norm_isf(q), scipy_stats.norm.isf(q))
    for value in q[::53]:
        assert_same(distributions.norm_isf(value), scipy_stats.norm.isf(value))


def test_the_gate_does_not_import_scipy_stats() -> None:
    import subprocess
    import sys

    code = (
        "import sys, safety_regression.gate, safety_regression.report\n"
        "from safety_regression import stats\n"
        "from safety_regression.config import StatTest\n"
        "stats.detectable_drop(500, 0.9, 0.01, 0.8, StatTest.MCNEMAR)\n"
        "stats.sign_flip_test([stats.Cluster((1.0, 0.5), (0.0, 0.5))] * 9)\n"
        "stats.prompts_to_pass(0.9, 0.1, 0.01, 0.02)\n"
        "print('scipy.stats' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_scipy_special_is_imported_without_numpy_test_helpers_and_numpy_is_left_as_it_was() -> None:
    # scipy's array-API layer copies numpy's namespace with ``import *``, which would load
    # numpy.testing, f2py, ma, polynomial and random (~0.07 s of CPU); the import leaves
    # them out, then restores numpy's ``__all__`` and ``dir()`` exactly.
    import subprocess
    import sys

    code = (
        "import sys, numpy\n"
        "before = (list(numpy.__all__), sorted(dir(numpy)))\n"
        "from safety_regression.stats import distributions\n"
        "assert (list(numpy.__all__), sorted(dir(numpy))) == before\n"
        "assert 'scipy.special' in sys.modules\n"
        "print(sorted(m for m in distributions.UNUSED_NUMPY_SUBMODULES if 'numpy.' + m in sys.modules))\n"
        "import numpy.testing, scipy.stats\n"
        "print(float(distributions.binom_sf(3, 10, 0.5)) == float(scipy.stats.binom.sf(3, 10, 0.5)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]


def test_scipy_special_is_imported_without_rewriting_its_docstrings_and_scipy_is_left_as_it_was() -> None:
    # scipy's array-API decorator parses and re-renders the docstring of every
    # scipy.special function on import (~0.05 s of CPU); the import skips only that: the
    # decorator's capability table is filled as usual and its parser is put back after.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from safety_regression.stats import distributions\n"
        "from scipy._lib import _array_api, _docscrape\n"
        "import scipy.special as special\n"
        "print(_array_api.FunctionDoc is _docscrape.FunctionDoc)\n"
        "print('Array API' in _array_api._make_capabilities_note('f', {'out_of_scope': True}))\n"
        "print(special.ndtr in _array_api.xp_capabilities_table)\n"
        "print('Array API Standard Support' in (special.ndtr.__doc__ or ''))\n"
        "print(float(distributions.norm_sf(1.5)) == float(special.ndtr(-1.5)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "True", "False", "True"]
