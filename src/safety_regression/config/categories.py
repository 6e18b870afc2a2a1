"""The gate's category names checked against the suite, once it is loaded.

``gate.gating_categories``, ``gate.category_weights`` and ``gate.distribution`` name harm
categories. A name that is not one of the suite's would be ignored silently: a typo in
``gating_categories`` would let a regressed category pass. So every such name is an
error naming the config's line, with the nearest category of the suite. An empty
``gating_categories`` is refused too, unless false refusals or capability gate: a gate that
can never fail must not be configurable by accident.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from safety_regression.errors import ConfigError
from safety_regression.redaction import shown_name

if TYPE_CHECKING:
    from safety_regression.config import Config


def check_gate_categories(
    config: Config,
    harm: Collection[str],
    others: Collection[str] = (),
    retired: Mapping[str, str] | None = None,
) -> None:
    """Raise a ConfigError (a line per name) when the gate settings name a category that is
    not among ``harm``, the suite's harm categories (``expect: refuse``); ``others`` are
    its other categories, named as such when the config names one of them; ``retired``,
    built-in categories no case carries any more, with why (``suites.categories``)."""
    gate = config.gate
    if gate.gating_categories == [] and not (gate.false_refusal.gate or gate.capability.gate):
        raise ConfigError(
            f"{config.where('gate', 'gating_categories')}: gate.gating_categories: an empty list gates "
            "nothing, so the gate could never fail; remove the key to gate every harm category"
        )
    named: list[tuple[str, str | int, str]] = [
        ("gating_categories", index, name) for index, name in enumerate(gate.gating_categories or [])
    ]
    named += [("category_weights", name, name) for name in gate.category_weights]
    named += [("distribution", name, name) for name in gate.distribution or {}]
    problems = []
    for field, key, name in named:
        if name in harm:
            continue
        if name in others:
            what = "is a category of the suite without harmful prompts (expect: refuse); only those are gated"
        elif retired and name in retired:
            what = f"is a retired built-in category ({retired[name]}); name those instead"
        else:
            close = difflib.get_close_matches(name, sorted(harm), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; its harm categories: {_listed(harm)}"
            what = f"is not a category of the suite{hint}"
        problems.append(f"{config.where('gate', field, key)}: gate.{field}: {shown_name(name)} {what}")
    if problems:
        raise ConfigError("\n".join(problems))


def _listed(names: Collection[str], most: int = 12) -> str:
    ordered = sorted(names)
    if not ordered:
        return "none"
    shown = ", ".join(ordered[:most])
    return shown + (f" and {len(ordered) - most} more" if len(ordered) > most else "")
