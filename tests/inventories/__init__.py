"""Expected resource counts per type for every stack of the example platform (see regenerate.py)."""
