"""Text a server wrote, made fit for a message: scrubbed of the secrets, then inert.

An endpoint check or a failed request explains itself with what the server sent back:
the model ids it lists, the Location it redirects to, its error message. A server can
echo the key in any of them (a redirect to ``...?key=sk-...``, a gateway that quotes the
rejected key, a listing that holds it in a model id), and write terminal escapes or
newlines into them. ``ServerText`` scrubs every spelling of the secrets (``redaction``)
before it cuts or flattens, so neither a key nor a prefix of one reaches the message.
"""

from __future__ import annotations

from collections.abc import Iterable

from safety_regression.redaction import all_forms, inert, scrub

MAX_NAME_CHARS = 80
"""A name a server lists (a model id) is shown cut to this."""


class ServerText:
    """Show server text: every form of ``secrets`` scrubbed, then one inert line."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self.forms = all_forms(secret for secret in secrets if secret)

    def scrub(self, text: str) -> str:
        """``text`` without the secrets, in any spelling ``redaction.scrub`` knows."""
        return scrub(text, self.forms) if self.forms else text

    def __call__(self, text: str, limit: int | None = None) -> str:
        """``text`` scrubbed, then inert (``redaction.inert``), cut to ``limit`` after both."""
        return inert(self.scrub(text), limit)
