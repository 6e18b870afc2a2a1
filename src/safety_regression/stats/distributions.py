"""The binomial, beta and normal distribution functions the gate uses, without scipy.stats.

Importing ``scipy.stats`` costs more CPU than the whole offline ``compare`` of two
10,000-case snapshots may take (about 0.6 s of its 0.85 s is everything but the few
functions needed here). ``scipy.stats.binom``, ``beta`` and ``norm`` are thin wrappers:
they check the arguments, fill the boundaries of the support, and call ufuncs of
``scipy.special``. These functions do exactly that, with the same ufuncs and the same
boundary rules, so they return the same numbers to the last bit; the tests compare them
with scipy.stats on grids that cover every boundary, and check that scipy.stats still
calls the same ufuncs. On a scipy without those ufuncs they fall back to scipy.stats.

Every function takes scalars or arrays (broadcast together) and returns a numpy float64
scalar for scalar input, as scipy.stats does.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

UNUSED_NUMPY_SUBMODULES = frozenset(
    {"testing", "f2py", "ma", "polynomial", "random", "ctypeslib", "rec", "char", "strings", "test"}
)
"""numpy's lazily loaded submodules that nothing here, nor scipy.special, uses."""
_NUMPY_NAMESPACE = threading.Lock()
_SCIPY_DOCSTRINGS = threading.Lock()


@contextmanager
def _numpy_without_unused_submodules() -> Iterator[None]:
    """numpy's ``__all__`` and ``dir()`` without the submodules in
    ``UNUSED_NUMPY_SUBMODULES`` that are not loaded yet, for the duration of the block.

    scipy's array-API layer clones numpy's namespace when scipy.special is first imported
    (``from numpy import *``, then ``getattr`` of every name in ``dir(numpy)``), and those
    names load numpy.testing (with unittest), numpy.f2py, numpy.ma, numpy.polynomial and
    numpy.random: about 0.07 s of CPU, a tenth of an offline ``compare`` at 10,000 cases,
    for modules the gate never calls (scipy reads them from that clone only in its own
    test helpers for other array libraries). Anything imported later still loads them as
    usual; the clone just does not list them.
    """
    skipped = {name for name in UNUSED_NUMPY_SUBMODULES if f"numpy.{name}" not in sys.modules}
    namespace = vars(np)
    names, listing = namespace.get("__all__"), namespace.get("__dir__")
    if not skipped or not isinstance(names, list) or not callable(listing):  # pragma: no cover
        yield  # another numpy's layout: import as it is
        return
    with _NUMPY_NAMESPACE:
        namespace["__all__"] = [name for name in names if name not in skipped]
        namespace["__dir__"] = lambda: [name for name in listing() if name not in skipped]
        try:
            yield
        finally:
            namespace["__all__"], namespace["__dir__"] = names, listing


class _DocumentationLeftAsItIs:
    """Stands in for scipy's docstring parser while scipy.special is first imported.

    scipy's ``xp_capabilities`` decorator parses the numpydoc docstring of each of the
    ~100 functions of scipy.special (and renders it back) to append a note on array-API
    backends: about 0.05 s of CPU, a tenth of an offline ``compare``, for help text that
    nothing here shows. With this in place each docstring stays as it is; the decorator's
    other work (its table of capabilities) is done as usual.
    """

    def __init__(self, function: Any, *_args: Any, **_kwargs: Any) -> None:
        self._doc = getattr(function, "__doc__", None) or ""

    def __getitem__(self, _section: str) -> list[str]:
        return []  # the note appended to a section is dropped

    def __str__(self) -> str:
        return "\n" + self._doc  # the decorator drops the first line (the signature)


@contextmanager
def _scipy_docstrings_left_as_they_are() -> Iterator[None]:
    """scipy's array-API decorator without its docstring rewriting, for the block."""
    from scipy._lib import _array_api

    parser = getattr(_array_api, "FunctionDoc", None)
    note = getattr(_array_api, "_make_capabilities_note", None)
    if parser is None or note is None:  # pragma: no cover - another scipy's layout: import as it is
        yield
        return
    with _SCIPY_DOCSTRINGS:
        # The note (text the stand-in drops) is not written either.
        _array_api.FunctionDoc, _array_api._make_capabilities_note = _DocumentationLeftAsItIs, _no_note
        try:
            yield
        finally:
            _array_api.FunctionDoc, _array_api._make_capabilities_note = parser, note


def _no_note(*_args: Any, **_kwargs: Any) -> str:
    return ""


if "scipy.special" in sys.modules:
    from scipy import special
else:
    with _numpy_without_unused_submodules(), _scipy_docstrings_left_as_they_are():
        from scipy import special

try:  # scipy >= 1.15 keeps the Boost-based distribution ufuncs in scipy.special
    from scipy.special import _ufuncs as _boost

    _BINOM_PMF: Callable[..., Any] | None = _boost._binom_pmf
    _BINOM_SF: Callable[..., Any] | None = _boost._binom_sf
    _BINOM_PPF: Callable[..., Any] | None = _boost._binom_ppf
    _BINOM_ISF: Callable[..., Any] | None = _boost._binom_isf
    _BETA_PPF: Callable[..., Any] | None = _boost._beta_ppf
except (ImportError, AttributeError):  # pragma: no cover - older scipy
    _BINOM_PMF = _BINOM_SF = _BINOM_PPF = _BINOM_ISF = _BETA_PPF = None

FAST = _BINOM_PMF is not None
"""Whether the ufuncs were found; without them every function defers to scipy.stats."""


def _scipy_stats() -> Any:
    from scipy import stats

    return stats


def _arrays(*values: Any) -> tuple[Any, ...]:
    return tuple(np.asarray(value) for value in values)


def _result(output: Any) -> Any:
    return output[()] if output.ndim == 0 else output


def _fill(output: Any, where: Any, function: Callable[..., Any], *args: Any) -> None:
    """``output[where] = function(args[where])``, evaluated only where ``where`` holds (as
    scipy's ``argsreduce`` does: outside the support the ufuncs may warn or fail)."""
    if np.all(where):
        # Everywhere (the usual case): the same elementwise values, without the masking.
        output[...] = function(*(np.broadcast_to(a, where.shape) for a in args))
    elif np.any(where):
        shape = where.shape
        np.place(output, where, function(*(np.extract(where, np.broadcast_to(a, shape)) for a in args)))


def _binom_valid(n: Any, p: Any) -> Any:
    return (n >= 0) & (n == np.round(n)) & (p >= 0) & (p <= 1)


def binom_pmf(k: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.pmf(k, n, p)``."""
    if _BINOM_PMF is None:  # pragma: no cover - older scipy
        return _scipy_stats().binom.pmf(k, n, p)
    k, n, p = _arrays(k, n, p)
    valid = _binom_valid(n, p)
    inside = valid & (k >= 0) & (k <= n) & (np.floor(k) == k)
    output = np.zeros(np.shape(inside), "d")
    np.place(output, ~valid | np.isnan(k), np.nan)
    function = _BINOM_PMF
    _fill(output, inside, lambda *a: np.clip(function(*a), 0, 1), k, n, p)
    return _result(output)


def binom_sf(k: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.sf(k, n, p)``: P(X > k)."""
    if _BINOM_SF is None:  # pragma: no cover - older scipy
        return _scipy_stats().binom.sf(k, n, p)
    k, n, p = _arrays(k, n, p)
    valid = _binom_valid(n, p)
    inside = valid & (k >= 0) & (k < n) & np.isfinite(k)
    below = ((k < 0) | np.isneginf(k)) & valid
    output = np.zeros(np.shape(inside), "d")
    np.place(output, ~valid | np.isnan(k), np.nan)
    np.place(output, below, 1.0)
    function = _BINOM_SF
    _fill(output, inside, lambda k, n, p: np.clip(function(np.floor(k), n, p), 0, 1), k, n, p)
    return _result(output)


def _binom_quantile(function: Callable[..., Any], q: Any, n: Any, p: Any, *, upper: bool) -> Any:
    """scipy's ``rv_discrete.ppf`` (``upper=False``) and ``isf`` (``upper=True``) for binom."""
    q, n, p = _arrays(q, n, p)
    valid = _binom_valid(n, p)
    inside = valid & (q > 0) & (q < 1)
    at_low, at_high = (q == 1) & valid, (q == 0) & valid
    if not upper:
        at_low, at_high = at_high, at_low
    output = np.full(np.shape(inside), np.nan, dtype="d")
    _fill(output, at_low, lambda q: np.full(q.shape, -1), q)
    _fill(output, at_high, lambda n: n, np.broadcast_to(n, np.shape(inside)))
    _fill(output, inside, lambda *a: function(*a) + 0, q, n, p)
    return _result(output)


def binom_ppf(q: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.ppf(q, n, p)``: the smallest k with P(X <= k) >= q."""
    if _BINOM_PPF is None:  # pragma: no cover - older scipy
        return _scipy_stats().binom.ppf(q, n, p)
    return _binom_quantile(_BINOM_PPF, q, n, p, upper=False)


def binom_isf(q: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.isf(q, n, p)``."""
    if _BINOM_ISF is None:  # pragma: no cover - older scipy
        return _scipy_stats().binom.isf(q, n, p)
    return _binom_quantile(_BINOM_ISF, q, n, p, upper=True)


def _beta_quantile(function: Callable[..., Any], q: Any, a: Any, b: Any, *, upper: bool) -> Any:
    """scipy's ``rv_continuous.ppf`` (``upper=False``) and ``isf`` for beta on [0, 1]."""
    q, a, b = _arrays(q, a, b)
    valid = (a > 0) & (b > 0)
    inside = valid & (q > 0) & (q < 1)
    at_zero, at_one = valid & (q == 0), valid & (q == 1)
    if upper:
        at_zero, at_one = at_one, at_zero
    output = np.full(np.shape(inside), np.nan)
    np.place(output, at_zero, 0.0)
    np.place(output, at_one, 1.0)
    _fill(output, inside, lambda *x: function(*x) * 1 + 0, q, a, b)
    return _result(output)


def beta_ppf(q: Any, a: Any, b: Any) -> Any:
    """``scipy.stats.beta.ppf(q, a, b)``."""
    if _BETA_PPF is None:  # pragma: no cover - older scipy
        return _scipy_stats().beta.ppf(q, a, b)
    return _beta_quantile(_BETA_PPF, q, a, b, upper=False)


def beta_isf(q: Any, a: Any, b: Any) -> Any:
    """``scipy.stats.beta.isf(q, a, b)``."""
    if not FAST:  # pragma: no cover - older scipy
        return _scipy_stats().beta.isf(q, a, b)
    return _beta_quantile(lambda q, a, b: special.betainccinv(a, b, q), q, a, b, upper=True)


def norm_sf(x: Any) -> Any:
    """``scipy.stats.norm.sf(x)``."""
    given = np.asarray(x)
    x = np.asarray((given - 0) / 1, dtype=np.promote_types(given.dtype, np.float64))
    inside = (-np.inf < x) & (x < np.inf)
    output = np.zeros(np.shape(inside), x.dtype)
    np.place(output, np.isnan(x), np.nan)
    np.place(output, x <= -np.inf, 1.0)
    _fill(output, inside, lambda x: special.ndtr(-x), x)
    return _result(output)


def norm_isf(q: Any) -> Any:
    """``scipy.stats.norm.isf(q)``."""
    q = np.asarray(q)
    inside = (q > 0) & (q < 1)
    output = np.full(np.shape(inside), np.nan)
    np.place(output, q == 1, -np.inf)
    np.place(output, q == 0, np.inf)
    _fill(output, inside, lambda q: -special.ndtri(q) * 1 + 0, q)
    return _result(output)
