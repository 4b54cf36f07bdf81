"""NKRU-FR: an annotated French news dataset and evaluation benchmark (see README.md)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nkru")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "0+unknown"
