# cython: language_level=3
"""Training kernels (filled in by the training engine)."""
