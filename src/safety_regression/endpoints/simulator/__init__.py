"""An OpenAI-compatible model simulator: for demos, offline dry runs and the tests.

Simulated models refuse or comply with suite prompts at the rates their profile names,
deterministically and with common random numbers across models (see ``behaviour``).
Their answers are obvious placeholders with no real content.
"""

from safety_regression.endpoints.simulator.profiles import (
    DEMO_PROFILES,
    ModelProfile,
    load_profiles,
)
from safety_regression.endpoints.simulator.server import ModelSimulator, serve

__all__ = ["DEMO_PROFILES", "ModelProfile", "ModelSimulator", "load_profiles", "serve"]
