"""Assistant stage: questions → answers with verified citations, through the CLI and the HTTP API.

Public surface: :class:`Assistant` (``Assistant.load``, ``Assistant.ask``) and the records in
:mod:`policyqa.assistant.models`. ``Assistant`` is imported on first use, so the command line's
``--help`` does not load the index stack.
"""
from __future__ import annotations

from typing import Any

__all__ = ["Assistant"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from .service import Assistant

        return Assistant
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
