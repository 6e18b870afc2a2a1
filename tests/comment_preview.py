"""Look at the pull-request comment as a browser shows it (a development tool, not the product).

    python -m tests.comment_preview safety-demo/report.json preview/

renders the comment for a report.json to ``comment.md``, turns it into ``comment.html``
with markdown-it-py (CommonMark plus tables, HTML allowed as GitHub allows ``<details>``
and ``<sub>``), and, when Chromium is installed (``apt-get install chromium``), writes
``comment.png`` and prints the rendered height in CSS pixels. Set ``MERMAID_JS`` to a
local ``mermaid.min.js`` (``npm pack mermaid``) to draw the chart as GitHub does;
without it the chart shows as its code block.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from safety_regression.config import ReportConfig
from safety_regression.gate.result import GateResult
from safety_regression.report.comment import CommentLinks, render_comment

WIDTH = 900
"""About the width of a comment in GitHub's pull-request conversation."""
_STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 16px;
       max-width: 868px; color: #1f2328; }
table { border-collapse: collapse; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
pre { background: #f6f8fa; padding: 16px; overflow: auto; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
sub { font-size: 11px; }
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def to_html(markdown: str, mermaid_js: Path | None = None) -> str:
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
    body = renderer.render(markdown)
    script = ""
    if mermaid_js is not None:
        body = re.sub(
            r'<pre><code class="language-mermaid">(.*?)</code></pre>',
            lambda m: f'<pre class="mermaid">{m.group(1)}</pre>',
            body,
            flags=re.S,
        )
        script = f"<script>{mermaid_js.read_text()}</script><script>mermaid.initialize({{}});</script>"
    # The height probe: Chromium's --dump-dom runs the page's scripts, then prints the DOM.
    probe = (
        "<script>window.addEventListener('load', () => setTimeout(() => {"
        "document.body.setAttribute('data-height', document.documentElement.scrollHeight);"
        "}, 500));</script>"
    )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>comment</title>'
        f"<style>{_STYLE}</style></head><body>{body}{script}{probe}</body></html>"
    )


def _browser(args: list[str], page: Path) -> subprocess.CompletedProcess[str]:
    binary = chromium()
    assert binary is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=5000",
                *args,
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def rendered_height(page: Path) -> int:
    """The page's height in CSS pixels at the comment's width, as Chromium lays it out."""
    done = _browser([f"--window-size={WIDTH},800", "--dump-dom"], page)
    match = re.search(r'data-height="(\d+)"', done.stdout)
    if match is None:
        raise RuntimeError(f"chromium did not lay the page out: {done.stderr[-500:]}")
    return int(match.group(1))


def screenshot(page: Path, png: Path, height: int) -> None:
    _browser([f"--window-size={WIDTH},{height}", f"--screenshot={png}"], page)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot to {png}")


def preview(result: GateResult, out: Path, report: ReportConfig | None = None) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    links = CommentLinks(
        run="https://github.com/octo-org/octo-repo/actions/runs/1",
        artifact="https://github.com/octo-org/octo-repo/actions/runs/1#artifacts",
        report="https://github.com/octo-org/octo-repo/actions/runs/1",
    )
    markdown = render_comment(result, report or ReportConfig(), links)
    (out / "comment.md").write_text(markdown, encoding="utf-8")
    mermaid = os.environ.get("MERMAID_JS")
    page = out / "comment.html"
    page.write_text(to_html(markdown, Path(mermaid) if mermaid else None), encoding="utf-8")
    facts: dict[str, object] = {"characters": len(markdown), "html": str(page)}
    if chromium() is not None:
        height = rendered_height(page)
        screenshot(page, out / "comment.png", height)
        facts |= {"height_px": height, "png": str(out / "comment.png")}
    return facts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    data = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    fields = {name: data[name] for name in GateResult.model_fields if name in data}
    result = GateResult.model_validate(fields)
    print(json.dumps(preview(result, Path(argv[1])), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
