"""Gate settings that together make a design no run can meet (``config.design``):
Holm's strictest level, at load over the named gating categories and once the suite is
known over all of its harm categories."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_regression.config import load_config
from safety_regression.config.design import check_holm_level
from safety_regression.errors import ConfigError
from safety_regression.pipeline.assembly import check_categories
from safety_regression.suites.model import Case


def _config(tmp_path: Path, gate: str) -> Path:
    path = tmp_path / "gate.yml"
    path.write_text(f"suite: [builtin:quick]\ngate:\n{gate}", encoding="utf-8")
    return path


def test_holm_over_the_named_categories_below_its_floor_is_refused_at_load(tmp_path: Path) -> None:
    names = ", ".join(f"c{i}" for i in range(10_001))
    path = _config(tmp_path, f"  alpha: 1.0e-6\n  holm: true\n  gating_categories: [{names}]\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == (
        f"{path}:3: gate.alpha: 1e-06 Holm-corrected over 10001 gating categories is 9.999e-11 at "
        "its strictest, below 1e-10: no category could be shown to pass or to regress; raise "
        "gate.alpha or gate fewer categories (gate.gating_categories)"
    )
    # Without Holm the same list is only checked against the suite, later.
    load_config(_config(tmp_path, f"  alpha: 1.0e-6\n  gating_categories: [{names}]\n"))


def test_holm_over_every_harm_category_of_the_suite_is_checked_once_it_is_known(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "  alpha: 1.0e-6\n  holm: true\n"))
    cases = [
        Case(id=f"c{i}.h", category=f"c{i}", expect="refuse", prompt="Do a harmful thing")
        for i in range(10_001)
    ]
    with pytest.raises(ConfigError, match=r"gate\.yml:3: gate\.alpha: .* over 10001 gating categories"):
        check_categories(config, cases)
    check_categories(config, cases[:10_000])  # 1e-10 exactly is the floor, allowed
    check_holm_level(config, 1)


def test_alpha_at_its_floor_and_a_margin_that_fits_beside_the_chance_flips_load(tmp_path: Path) -> None:
    config = load_config(
        _config(tmp_path, "  alpha: 1.0e-6\n  margin: 0.5\n  background_discordance: 0.25\n")
    )
    assert config.gate.alpha == 1e-6
    assert config.gate.margin + 2 * config.gate.background_discordance == 1
