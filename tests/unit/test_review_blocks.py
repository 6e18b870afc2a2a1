"""Which comment lines are plain text (``review.blocks``), checked against markdown-it-py.

markdown-it-py (a dev dependency, never imported by the package) parses CommonMark to
tokens with source line ranges: a line inside a fence, indented code, an HTML block or a
block quote is one a reader does not see as plain text, so no command may be read there.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from safety_regression.github.review.blocks import plain_lines
from safety_regression.github.review.commands import command_lines

_HIDING = ("fence", "code_block", "html_block", "blockquote_open")
_MD = MarkdownIt("commonmark")


def hidden_lines(body: str) -> set[int]:
    """The lines (from 1) markdown-it puts inside code, an HTML block or a quote."""
    lines: set[int] = set()
    for token in _MD.parse(body):
        if token.type in _HIDING and token.map is not None:
            lines.update(range(token.map[0] + 1, token.map[1] + 1))
    return lines


@pytest.mark.parametrize(
    "body",
    [
        "- ```\n  /safety-review status\n  ```",
        "* ~~~\n  /safety-review status\n  ~~~",
        "+ ```text\n  /safety-review status\n",
        "1. ```\n   /safety-review status\n   ```",
        "10) ~~~\n    /safety-review status\n    ~~~",
        "1. - ```\n     /safety-review status\n     ```",
        "- item\n  - ```\n    /safety-review status\n    ```",
        "-    ```\n     /safety-review status",
        # A blank line inside the item's fence does not end it.
        '- ```\n  example:\n\n  /safety-review accept c1 "quoted"\n  ```',
        # A closing run too short, or with text after it, does not close the fence.
        "- ````\n  ```\n  /safety-review status\n  ````",
        "- ```\n  ``` not closed\n  /safety-review status",
        # An empty item left of a paragraph's item can start, and hold a fence.
        "- item\n+\n    ```\n  /safety-review status",
    ],
)
def test_a_command_in_a_fence_that_opens_a_list_item_is_not_read(body: str) -> None:
    assert command_lines(body) == []
    command = next(n for n, line in enumerate(body.splitlines(), 1) if "/safety-review" in line)
    assert command in hidden_lines(body)


@pytest.mark.parametrize(
    ("body", "number"),
    [
        # The item ends at a line indented less than its content: so does its fence.
        ("- ```\n/safety-review status", 2),
        ("- ```\n /safety-review status", 2),
        ("- a\n  - ```\n  /safety-review status", 3),
        ("- ```\n  x\n  ```\n/safety-review status", 4),
        ("1. ```\n   x\n   ```\n\n   /safety-review status", 5),
        # Five spaces after the marker: the item's content is indented code, not a fence.
        ("-     ```\n /safety-review status", 2),
    ],
)
def test_a_command_after_a_list_items_fence_ends_is_read(body: str, number: int) -> None:
    assert [found for found, _ in command_lines(body)] == [number]
    assert number not in hidden_lines(body)


_LINES = st.sampled_from(
    [
        "",
        "text",
        "```",
        "````",
        "~~~",
        "```yaml",
        "- ```",
        "* ~~~",
        "1. ```",
        "1. - ```",
        "- item",
        "-",
        "    code",
        "> quoted",
        "/safety-review status",
        "- <pre>",
        "</pre>",
        "+",
    ]
)
_DOCUMENTS = st.lists(st.tuples(st.integers(0, 6), _LINES), max_size=12).map(
    lambda lines: "\n".join(" " * indent + line for indent, line in lines)
)


@settings(max_examples=400, deadline=None)
@given(_DOCUMENTS)
def test_no_line_markdown_it_shows_as_code_or_quote_is_plain(body: str) -> None:
    hidden = hidden_lines(body)
    assert [number for number, _ in plain_lines(body) if number in hidden] == []


@pytest.mark.parametrize(
    "body",
    [
        "- <pre>\n  /safety-review status\n  </pre>",
        "1. <div>\n   /safety-review status",
        # Outside the item, the closing tag's line opens an HTML block of its own.
        "- <pre>\n</pre>\n/safety-review status",
    ],
)
def test_a_command_in_an_html_block_that_opens_a_list_item_is_not_read(body: str) -> None:
    assert command_lines(body) == []
    assert len(body.splitlines()) in hidden_lines(body) or 2 in hidden_lines(body)
