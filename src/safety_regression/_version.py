"""The installed version, recorded in snapshots and reports (a leaf: imports nothing of ours)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("safety-regression-action")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0"
