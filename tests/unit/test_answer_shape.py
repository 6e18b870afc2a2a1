"""Telling a route's answer from a 2xx that is none, and showing what it was
(``endpoints/answer_shape.py``): scrubbed of the key, inert, cut."""

from __future__ import annotations

import json

import pytest

from safety_regression.endpoints.answer_shape import MAX_SHOWN_CHARS, ShapeCheck, answers_route, described
from safety_regression.endpoints.base import CHAT_ROUTE, MODERATION_ROUTE
from safety_regression.endpoints.server_text import ServerText
from safety_regression.endpoints.transport import Reply

KEY = "sk-shape-0a1b2c3d4e5f6a7b"
SHOWN = ServerText([KEY])


def reply(body: object) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status=200, body=raw, retry_after=None)


@pytest.mark.parametrize(
    ("route", "body", "answers"),
    [
        (CHAT_ROUTE, {"choices": [{"message": {"content": "ready"}}]}, True),
        (CHAT_ROUTE, {"choices": [{"message": {"content": None}}]}, True),  # the run's to record
        (CHAT_ROUTE, {"results": [{}]}, False),
        (CHAT_ROUTE, {"foo": "bar"}, False),
        (CHAT_ROUTE, [1, 2], False),
        (MODERATION_ROUTE, {"results": [{"flagged": False}]}, True),
        (MODERATION_ROUTE, {"choices": []}, False),
    ],
)
def test_answers_route_reads_the_shape_of_the_route_s_answer(route: str, body: object, answers: bool) -> None:
    assert answers_route(route, json.dumps(body).encode()) is answers
    assert answers_route(route, b"<html>hello</html>") is False


def test_what_a_body_was_is_said_scrubbed_inert_and_cut() -> None:
    page = f"<!DOCTYPE html>\n<title>\x1b[2JLogin</title> token={KEY} " + "x" * 500
    shown = described(page.encode(), SHOWN, "a chat completion")
    assert shown.startswith("an HTML page: <!DOCTYPE html> <title>Login</title> token=")
    assert KEY[:12] not in shown and "\x1b" not in shown and "\n" not in shown
    assert len(shown) == len("an HTML page: ") + MAX_SHOWN_CHARS and shown.endswith("…")
    assert described(b'{"foo": 1}', SHOWN, "a model list") == 'JSON that is not a model list: {"foo": 1}'
    assert described(b"OK", SHOWN, "a chat completion") == "text that is not JSON: OK"
    assert described(b" \n", SHOWN, "a chat completion") == "an empty body"
    assert described(b"\xff\xfe<html>", SHOWN, "x").startswith("an HTML page: ")


def test_the_probe_counts_only_replies_that_are_no_answer_and_no_api_error() -> None:
    check = ShapeCheck(CHAT_ROUTE, SHOWN)
    assert check.reads(reply({"error": {"message": "max_tokens must be at least 16"}}))
    assert check.mistake("finetuned", "http://h/v1", 1, None) is None
    assert not check.reads(reply(b"<html>hello</html>"))
    assert not check.reads(reply({"foo": "bar"}))
    assert check.mistake("finetuned", "http://h/v1", 3, None) is None, "one attempt of three read"
    mistake = check.mistake("finetuned", "http://h/v1", 2, "an HTML page: <html>")
    assert mistake is not None and mistake.at == "finetuned.url"
    assert str(mistake) == (
        "finetuned.url: http://h/v1 does not answer as an OpenAI-compatible API: POST /chat/completions "
        'answered HTTP 200 with JSON that is not a chat completion: {"foo": "bar"} (2 times), and GET '
        "/models answered HTTP 200 with an HTML page: <html>; the url goes up to and including /v1 of an "
        "OpenAI-compatible server"
    )
