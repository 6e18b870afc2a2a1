"""The pull-request comment as a browser lays it out: headless Chromium, when installed.

The check behind issue 10's "look at it rendered": the comment of a run with nine
categories and fifty flagged prompts must fit in about one screen and a half, with the
verdict on top. Skips where Chromium is missing (``apt-get install chromium``); with ``MERMAID_JS``
pointing at a local mermaid.min.js, Mermaid itself must also draw the chart without a
syntax error. ``.ci/run`` installs both, so on CI (``CI=true``) a missing one fails.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from safety_regression.config import ReportConfig

from ..comment_preview import chromium, preview
from ..shipped import require_tool
from ..unit.test_report import _category, _flag, make_result

pytest.importorskip("markdown_it")


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    require_tool(chromium() is not None, "Chromium is not installed (apt-get install chromium)")


MAX_HEIGHT_PX = 1600
"""The comment of a nine-category run, chart drawn, flags collapsed; the old one was ~7,000."""


def test_the_rendered_comment_fits_in_about_a_screen_with_the_verdict_on_top(tmp_path: Path) -> None:
    names = ["cyber", "privacy", "self_harm", "weapons", "hate", "fraud", "minors", "drugs", "extremism"]
    result = make_result(
        categories=[
            _category(name, underpowered=i % 2 == 0, detectable_drop=0.65) for i, name in enumerate(names)
        ],
        flagged=[_flag(f"case-{i:03}") for i in range(50)],
    )
    facts = preview(result, tmp_path, ReportConfig())
    height = facts["height_px"]
    assert isinstance(height, int) and 300 < height < MAX_HEIGHT_PX
    assert Path(str(facts["png"])).stat().st_size > 10_000
    page = (tmp_path / "comment.html").read_text()
    assert page.index("Safety gate: FAIL") < page.index("<table>") < page.index("<details>")


def test_mermaid_draws_the_chart(tmp_path: Path) -> None:
    from ..comment_preview import _browser

    mermaid = os.environ.get("MERMAID_JS", "")
    require_tool(bool(mermaid) and Path(mermaid).is_file(), "MERMAID_JS names no local mermaid.min.js")

    preview(make_result(), tmp_path, ReportConfig())
    dom = _browser(["--window-size=900,800", "--dump-dom"], tmp_path / "comment.html").stdout
    assert re.search(r'<pre class="mermaid"[^>]*>\s*<svg', dom), "Mermaid replaced the block by a drawing"
    # Mermaid draws its error picture, not the chart, for a block it cannot parse.
    assert re.findall(r'aria-roledescription="([^"]*)"', dom) == ["xychart"]
