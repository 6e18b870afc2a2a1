"""An OpenAI-compatible model simulator: for demos, offline dry runs and the tests.

Simulated models refuse or comply with suite prompts at the rates their profile names,
deterministically and with common random numbers across models (see ``behaviour``).
Their answers are obvious placeholders with no real content. A profile can also make a
model play a judge (``judging``), and ``/v1/moderations`` scores texts (``moderation``).
"""

from safety_regression.endpoints.simulator.profiles import (
    DEMO_PROFILES,
    JudgeOutput,
    JudgeStyle,
    ModelProfile,
    ModerationScores,
    load_profiles,
)
from safety_regression.endpoints.simulator.server import ModelSimulator, RecordedRequest, serve

__all__ = [
    "DEMO_PROFILES",
    "JudgeOutput",
    "JudgeStyle",
    "ModelProfile",
    "ModelSimulator",
    "ModerationScores",
    "RecordedRequest",
    "load_profiles",
    "serve",
]
