"""Retest: re-test an inquiring line's dated claims against newer arXiv work."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("retest")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
