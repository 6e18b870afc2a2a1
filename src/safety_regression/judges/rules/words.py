"""Words of a response and of its request, as the context readings compare them: content
words (what a sentence says beyond function words), and stray markup (template tokens,
HTML tags, typesetting commands) that says nothing."""

from __future__ import annotations

import re

from safety_regression.judges.matching import letter_count

# Words of a question that say nothing about its claim.
CONTENT_WORD = re.compile(
    r"\b(?!(?:"
    r"a|an|the|and|or|but|of|to|in|on|at|for|with|by|from|is|are|was|were|be|been|being|do|"
    r"does|did|should|would|could|can|will|shall|may|might|must|it|its|this|that|these|those|"
    r"there|their|they|them|we|our|you|your|i|me|my|he|she|his|her|why|what|how|which|who|"
    r"whom|when|where|so|such|not|no|never|all|any|some|more|most|much|very|just|than|then|"
    r"too|also|into|about|as"
    r")\b)[a-z][a-z'-]+"
)

# Tokens of a model's raw template and markup ("<s>", "</s>", "<br>"), and a document's
# typesetting commands ("\\usepackage{amsmath}", "\\section{...}", "\\maketitle").
MARKUP = re.compile(r"</?[a-z]{1,10}\s*/?>")
TYPESETTING = re.compile(r"\\[a-z]+\*?(?:\[[^\]]{0,40}\])?(?:\{[^{}]{0,60}\})?")
WORDLESS = 4


def bare(text: str) -> str:
    """The text without template tokens, markup and typesetting commands (each pattern run
    only when its first character occurs)."""
    if "<" in text:
        text = MARKUP.sub(" ", text)
    return TYPESETTING.sub(" ", text) if "\\" in text else text


def wordless(bare: str) -> bool:
    """Whether a text has almost no letters (markup removed): symbols, a stray token."""
    letters = letter_count(bare)
    return letters < WORDLESS or letters * 2 < len(bare)


def is_markup(text: str) -> bool:
    """Whether a sentence is stray markup or symbols (``context._hollow``'s first test alone)."""
    return wordless(bare(text))


def content_words(text: str) -> set[str]:
    return set(CONTENT_WORD.findall(text))
