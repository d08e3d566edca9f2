"""HTTP API configuration: one settings object read from ``POLICYQA_*`` environment variables.

``POLICYQA_INDEX`` (index folder), ``POLICYQA_API_KEY`` (when set, every /v1 route needs
``Authorization: Bearer <key>``), ``POLICYQA_CORS_ORIGINS`` (comma-separated origins, or ``*``),
``POLICYQA_MAX_BATCH`` (questions per /v1/ask/batch), ``POLICYQA_MAX_BODY_BYTES`` (request body limit),
``POLICYQA_ANSWERER`` (``extractive``, or ``llm`` with the ``POLICYQA_LLM_*`` settings of :mod:`policyqa.assistant.llm`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from policyqa.corpus.errors import UserError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYQA_", extra="ignore")

    index: Path | None = Field(default=None, description="index folder; default: the bundled-corpus index")
    api_key: SecretStr | None = Field(default=None, description="bearer key required on /v1 routes when set")
    cors_origins: str = Field(default="", description="comma-separated allowed origins for browsers; empty: no CORS")
    max_batch: int = Field(default=100, ge=1, le=1000, description="most questions in one /v1/ask/batch request")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024, description="largest request body")
    answerer: Literal["extractive", "llm"] = Field(default="extractive", description="who writes the answer text")

    @field_validator("api_key")
    @classmethod
    def _blank_key_is_no_key(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @property
    def api_key_value(self) -> str | None:
        """The key in clear text, for the places that check it."""
        return self.api_key.get_secret_value() if self.api_key else None

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


def load_settings(**overrides: object) -> Settings:
    """The environment's settings (``overrides`` win); a bad value is a :class:`UserError` naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"POLICYQA_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())
        raise UserError(f"配置有误 (invalid setting): {problems}") from None
