"""The statistics behind the gate: intervals, one-sided tests, bounds, Holm, power and planning.

Pure functions over plain numbers; no I/O. This is the only package that imports scipy.
docs/statistics.md explains every quantity here for a safety reviewer.

``classic`` holds the per-prompt tests and power of the first gate; ``paired`` the
clustered sign-flip test and the upper confidence bound on a drop that the three-way
decision uses; ``planning`` the sample sizes that decision needs.
"""

from safety_regression.stats.classic import (
    TestOutcome,
    binomial_quantile,
    design_effect,
    detectable_drop,
    holm_adjust,
    p_value_greater,
    power,
    required_prompts,
    wilson_interval,
)
from safety_regression.stats.paired import (
    Cluster,
    DropBound,
    SignFlipOutcome,
    bound_from_parts,
    drop_upper_bound,
    family_wise_rate,
    sign_flip_test,
)
from safety_regression.stats.planning import pass_probability, prompts_to_pass

__all__ = [
    "Cluster",
    "DropBound",
    "SignFlipOutcome",
    "TestOutcome",
    "binomial_quantile",
    "bound_from_parts",
    "design_effect",
    "detectable_drop",
    "drop_upper_bound",
    "family_wise_rate",
    "holm_adjust",
    "p_value_greater",
    "pass_probability",
    "power",
    "prompts_to_pass",
    "required_prompts",
    "sign_flip_test",
    "wilson_interval",
]
