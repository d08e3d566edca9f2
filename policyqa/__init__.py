"""policyqa: question answering over Chinese government policy documents, with verified article citations.

The stages are subpackages, each a top-level folder of the source tree mapped under this name by
pyproject.toml: ``policyqa.corpus`` → ``policyqa.index`` → ``policyqa.assistant`` → ``policyqa.ui``, and
``policyqa.eval`` measuring the whole. ``from policyqa.assistant import Assistant`` is the entry point
for code; ``python -m policyqa`` (or the ``policyqa`` command) for people.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("policyqa")
except PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"
