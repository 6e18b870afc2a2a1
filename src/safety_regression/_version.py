"""The version, recorded in snapshots and reports (a leaf: imports nothing of ours).

Written here once: the build reads it from this file (``[tool.hatch.version]`` in
pyproject.toml), so the package never asks ``importlib.metadata`` for it at run time,
which cost every command about 40 ms of CPU.
"""

__version__ = "0.1.0"
