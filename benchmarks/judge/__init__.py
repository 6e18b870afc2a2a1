"""Development-only tooling for the built-in judge: data loaders, training, evaluation.

Nothing here ships or runs inside the product; it reads the labelled data in ../shared.
"""
