"""The version of hpo (its own module, so that hpo.storage records it without importing the whole package)."""

__version__ = "0.1.0"
