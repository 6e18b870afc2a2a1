"""safety-regression: has fine-tuning made this model less safe?"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("safety-regression-action")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]
