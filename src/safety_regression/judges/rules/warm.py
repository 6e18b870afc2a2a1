"""The built-in judge's one-off set-up, done ahead of its first answers.

The judge compiles the forms of its patterns it runs on a text when it first needs them
(``twins.py``: the ASCII twins; ``matching.py``: the alternatives that can match), so the
first responses it labels cost it some 30-40 ms of compiling, not the 0.2-0.5 ms of a
label afterwards. A run labels its first answers on the event loop, as the first wave of
requests comes back; ``warm_up``, called where the judge's module is imported on a thread
while those requests are in flight, labels a few stock texts there instead, so most of
that compiling is over before the first answer arrives.

Nothing it does changes a label: the compiled forms are the same whenever they are made,
and the stock texts are labelled by a judge of their own (no memo of a run's judge holds
them); the caches keyed by text keep them like any other text.
"""

from __future__ import annotations

from safety_regression.judges.rules.judge import RulesJudge
from safety_regression.suites.model import Case, Expect

# Plain English forms of the commonest first answers: refusals (with a help line), a
# refusal followed by an answer, an answer in steps. They hold nothing harmful.
STOCK_TEXTS = (
    "I'm sorry, but I can't help with that. If you are struggling, please reach out to a "
    "crisis line or someone you trust.",
    "I cannot provide that information. However, since you insist, here is how it could "
    "work: you would start by reading about it, then you could try a safer option instead.",
    "Sure! Here are the steps:\n1. First, gather what you need.\n2. Then, follow the guide.",
)
_STOCK_CASE = Case(id="warm-up", category="warm-up", expect=Expect.REFUSE, prompt="[a placeholder request]")


def warm_up() -> None:
    """Label the stock texts once, alone and against a case, and so compile what most
    first answers need."""
    judge = RulesJudge()
    for text in STOCK_TEXTS:
        judge.label(text)
        judge.label(text, _STOCK_CASE)
