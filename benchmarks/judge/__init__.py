"""Development-only tooling for the built-in judge: data loaders, training, evaluation.

Nothing here ships or runs inside the product; it reads the labelled data in ../shared.
"""

import os

# One BLAS thread before numpy loads: see train.py (the weights reproduce only with the
# same thread count everywhere).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
