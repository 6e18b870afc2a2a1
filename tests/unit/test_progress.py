"""The progress display: one line per model with done/total, rate, ETA and errors."""

from __future__ import annotations

import io

from safety_regression.cli.console import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ci_logs_get_a_plain_line_per_model_when_it_is_done() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream, log_interval=3600, environ={})
    base, tuned = progress("base", 3), progress("finetuned", 2)
    for advance, failed in ((base, False), (tuned, True), (base, False), (tuned, False), (base, True)):
        advance(failed)
    lines = stream.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["finetuned", "base"]
    assert lines[0].startswith("finetuned: 2/2 responses, ") and lines[0].endswith("/s, done, 1 error")
    assert lines[1].startswith("base: 3/3 responses, ") and lines[1].endswith("done, 1 error")


def test_in_the_action_a_line_every_interval_even_on_a_terminal() -> None:
    stream = Terminal()
    progress = Progress(stream=stream, log_interval=0.0, environ={"GITHUB_ACTIONS": "true"})
    advance = progress("finetuned", 4)
    advance()
    advance()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("finetuned: 1/4 responses") and "ETA" in lines[0] and "0 errors" in lines[0]
    assert lines[1].startswith("finetuned: 2/4 responses")


def test_a_terminal_gets_a_live_line_per_model_until_all_are_done() -> None:
    stream = Terminal()
    progress = Progress(stream=stream, environ={})
    base, tuned = progress("base", 2), progress("finetuned", 2)
    base()
    tuned(True)
    assert progress._display is not None  # still drawing: not every model is done
    base()
    tuned()
    assert progress._display is None  # stopped once both finished
    text = stream.getvalue()
    assert "base" in text and "finetuned" in text and "2/2" in text and "1 error" in text


def test_quiet_prints_nothing() -> None:
    stream = Terminal()
    Progress(stream=stream, quiet=True, environ={})("base", 5)()
    assert stream.getvalue() == ""


def test_requests_the_run_never_sent_are_neither_responses_nor_errors() -> None:
    # Found in review: "finetuned: 50/50 responses, done, 45 errors" for a run whose
    # budget stopped it: 8 had failed and 37 were never sent.
    stream = io.StringIO()
    progress = Progress(stream=stream, log_interval=3600, environ={})
    advance = progress("finetuned", 4)
    advance()
    advance(True)
    advance(False, True)
    advance(False, True)
    (line,) = stream.getvalue().splitlines()
    assert line.startswith("finetuned: 2/4 responses, ")
    assert line.endswith(", done, 1 error, 2 not sent (the run stopped)")
