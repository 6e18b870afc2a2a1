"""The forms a secret can take in text a model or server writes back.

A model asked to (or tricked into) repeating its key may write it encoded: the judge
itself reads "here it is in base64" as a real answer. ``forms`` lists what to scrub for
one secret: the value itself, its base64 (standard and URL-safe) at each of the three
alignments it can have inside a longer base64 text, and its hex in either case.

``scrub`` replaces each form, and also a form a model wrote with its letters in another
case or broken by spaces, newlines or zero-width characters ("sk-ab cd…", "SK-ABCD…"):
most of a key is still most of a key.

A key can also be pasted where a name belongs (a YAML key, a category, a variable's
name): ``looks_like_key`` spots its shape, and ``shown_name`` keeps it out of the message.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable, Sequence

MIN_SECRET_CHARS = 8
"""Shorter values are not scrubbed: replacing a toy key like ``abc`` would garble text."""
_MIN_FORM_CHARS = 8

# Keys whose shape is also a variable name's: Hugging Face, GitHub, Groq, Slack, OpenAI-style,
# NVIDIA; Google's and AWS's have no separator after the prefix.
_KEY_PREFIXES = re.compile(
    r"(?:hf|gh[oprsu]|github_pat|gsk|xox[abpr]|sk|pk|rk|nvapi)[_-]|AIza", re.IGNORECASE
)
_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}")
_HEX_KEY = re.compile(r"[0-9a-fA-F]{32,}")


def looks_like_key(name: str) -> bool:
    """Whether a would-be variable name looks like a key pasted in its place: a known key
    prefix with a long tail, or a long run of mixed-case letters and digits (variable names
    are words: ``OPENAI_API_KEY``, ``hf_token``)."""
    if _AWS_KEY_ID.fullmatch(name) or _HEX_KEY.fullmatch(name):
        return True
    prefix = _KEY_PREFIXES.match(name)
    tail = name[prefix.end() :] if prefix else ""
    if len(tail) >= 16 and any(c.isdigit() for c in tail) and any(c.islower() for c in tail):
        return True
    longest = max((len(part) for part in re.split(r"[_.-]", name)), default=0)
    mixed = (
        any(c.islower() for c in name) and any(c.isupper() for c in name) and any(c.isdigit() for c in name)
    )
    return longest >= 20 and mixed


def shown_name(name: object) -> str:
    """``repr(name)`` for a message, unless it looks like a key pasted where a name (a YAML
    key, a category) was expected: then a placeholder, so the key is not repeated."""
    if isinstance(name, str) and looks_like_key(name):
        return "(a name shaped like an API key, not repeated here)"
    return repr(name)


def forms(secret: str) -> list[str]:
    """``secret`` and its encodings, longest first, with no duplicates."""
    raw = secret.encode("utf-8")
    found = {secret, raw.hex(), raw.hex().upper()}
    for offset in range(3):
        # Inside a longer base64 text the secret starts at one of three byte offsets of a
        # 3-byte group; the characters that encode only its own bytes are the same
        # whatever comes before or after it.
        padded = base64.b64encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
        start = -(-offset * 4 // 3)  # characters touched by the padding bytes
        whole = (offset + len(raw)) // 3 * 4  # characters of complete groups
        cores = [padded[start:whole] if (offset + len(raw)) % 3 else padded[start:]]
        if offset == 0:
            cores.append(padded)  # the secret encoded on its own, to its last character
        for core in cores:
            for text in (core, core.replace("+", "-").replace("/", "_")):
                if len(text) >= _MIN_FORM_CHARS:
                    found.add(text)
    return sorted(found, key=lambda text: (-len(text), text))


def all_forms(secrets: Iterable[str]) -> list[str]:
    """Every form of every secret long enough to scrub, longest first."""
    found = {form for secret in secrets if len(secret) >= MIN_SECRET_CHARS for form in forms(secret)}
    return sorted(found, key=lambda text: (-len(text), text))


LOOSE_MIN_CHARS = 16
"""Shorter forms are scrubbed only as written: read loosely, a short value ("changeme",
"not-needed") matches ordinary words; an API key is longer than this."""

# Characters that show nothing: format characters (soft hyphen, zero-width and bidi
# marks, word joiners, tags), variation selectors and fillers. Dropped before a text is
# searched for a key, so a key cut by them is still found.
_INVISIBLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F),
    (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
_INVISIBLE_RUN = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _INVISIBLE) + "]+")


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every form in ``secrets`` (``all_forms``) replaced by ``***``: as
    written, and (forms of ``LOOSE_MIN_CHARS`` or more) in any case, in full-width or
    other compatibility characters, and across whitespace or invisible characters."""
    # Longest first, so a secret that contains another is removed whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    loose = _loose_in(text, secrets)
    return _scrub_loose(text, loose) if loose else text


def holds_secret(text: str, secrets: Sequence[str]) -> bool:
    """Whether ``scrub`` would change ``text``."""
    return any(secret in text for secret in secrets) or bool(_loose_in(text, secrets))


def _squeezed(text: str) -> str:
    """The text as a key is searched in it: visible characters only, compatibility forms
    folded (NFKC: full-width "s" U+FF53 is "s"), lower case, no whitespace."""
    if not text.isascii():
        # A regular expression, not str.translate: six times faster on CJK text.
        text = unicodedata.normalize("NFKC", _INVISIBLE_RUN.sub("", text))
    return "".join(text.lower().split())


def _loose_in(text: str, secrets: Sequence[str]) -> list[str]:
    """The long forms found in ``text`` when it is read loosely (``_squeezed``), lower-cased."""
    candidates = [secret.lower() for secret in secrets if len(secret) >= LOOSE_MIN_CHARS]
    if not candidates:
        return []
    squeezed = _squeezed(text)
    return [secret for secret in candidates if secret in squeezed]


def _scrub_loose(text: str, secrets: list[str]) -> str:
    """Replace each loose occurrence of ``secrets`` (lower-cased) by ``***``. Character by
    character, keeping where each folded character came from: it runs only on a text that
    holds a key, so its cost does not matter."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace() or _INVISIBLE_RUN.match(char):
            continue
        for piece in (char if char.isascii() else unicodedata.normalize("NFKC", char)).lower():
            folded.append(piece)
            origin.append(index)
    joined = "".join(folded)
    spans: list[tuple[int, int]] = []
    for secret in sorted(secrets, key=len, reverse=True):
        start = joined.find(secret)
        while start != -1:
            end = start + len(secret)
            spans.append((origin[start], origin[end - 1] + 1))
            start = joined.find(secret, end)
    for begin, end in sorted(_merged(spans), reverse=True):
        text = text[:begin] + "***" + text[end:]
    return text


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged
