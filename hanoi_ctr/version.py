"""The version of hanoi_ctr: the one place it is declared (the package metadata reads it from here)."""

__version__ = "0.1.0"
