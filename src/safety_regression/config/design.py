"""Gate settings that are each valid but together make a design no run can meet.

Checked when the file is loaded (``check_gate_design``), and once the suite is known for
Holm's level (``check_holm_level``): each a one-line ``ConfigError`` naming the line of
the field to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safety_regression.config.gate import MIN_HOLM_LEVEL
from safety_regression.errors import ConfigError

if TYPE_CHECKING:
    from safety_regression.config import Config


def check_gate_design(config: Config) -> None:
    """``gate.margin + 2 * gate.background_discordance`` above 1 asks for more prompts to
    flip than there are; Holm over the named ``gating_categories`` at too small a level."""
    gate = config.gate
    needed = gate.margin + 2 * gate.background_discordance
    if needed > 1:
        raise ConfigError(
            f"{config.where('gate', 'margin')}: gate.margin: {gate.margin:g} plus twice "
            f"gate.background_discordance ({gate.background_discordance:g}) is {needed:g}, more than "
            "every prompt: a drop of margin on top of the chance flips each way cannot happen, so no "
            "category could be shown to pass; lower gate.margin or gate.background_discordance"
        )
    if gate.gating_categories:
        check_holm_level(config, len(set(gate.gating_categories)))


def check_holm_level(config: Config, checks: int) -> None:
    """With ``gate.holm``, the strictest level is ``alpha / checks``: below
    ``MIN_HOLM_LEVEL`` no category could be shown to pass or to regress."""
    gate = config.gate
    # A hair of tolerance: 1e-6 over 10,000 is the floor itself, not 9.999999e-11.
    if not gate.holm or checks < 1 or gate.alpha / checks >= MIN_HOLM_LEVEL * (1 - 1e-9):
        return
    raise ConfigError(
        f"{config.where('gate', 'alpha')}: gate.alpha: {gate.alpha:g} Holm-corrected over {checks} "
        f"gating {'category' if checks == 1 else 'categories'} is {gate.alpha / checks:.4g} at its "
        "strictest, below "
        f"{MIN_HOLM_LEVEL:g}: no category could be shown to pass or to regress; raise gate.alpha or gate "
        "fewer categories (gate.gating_categories)"
    )
