"""HTTP API configuration: one settings object read from ``POLICYQA_*`` environment variables.

Every setting, its default and why it is there is documented in ``docs/security.md``; the field
descriptions below are the short form. A bad value is refused at start-up, naming the variable.
"""
from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from limits import RateLimitItem, parse_many
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from policyqa.corpus.errors import UserError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYQA_", extra="ignore")

    index: Path | None = Field(default=None, description="index folder; default: the bundled-corpus index")
    api_key: SecretStr | None = Field(default=None, description="bearer key required on /v1 routes when set")
    admin_key: SecretStr | None = Field(default=None, description="bearer key required to add, replace or remove "
                                                                  "documents; must differ from api_key")
    allow_writes: bool = Field(default=False, description="without admin_key: allow document writes on a loopback "
                                                          "bind (otherwise the write routes answer 403)")
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024,
                                  description="largest upload request (all files of one request together)")
    max_upload_files: int = Field(default=20, ge=1, le=1000, description="most files in one upload request")
    write_timeout_s: float = Field(default=600.0, gt=0, le=3600,
                                   description="time budget of one document write (embedding new texts)")
    reload_poll_s: float = Field(default=1.0, ge=0.05, le=3600,
                                 description="how often a request may look for a newer index generation")
    cors_origins: str = Field(default="", description="comma-separated allowed origins for browsers; empty: no CORS")
    max_batch: int = Field(default=100, ge=1, le=1000, description="most questions in one /v1/ask/batch request")
    max_batch_cost: int = Field(default=1000, ge=1, le=100_000,
                                description="most questions × k in one /v1/ask/batch request")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024, description="largest request body")
    answerer: Literal["extractive", "llm"] = Field(default="extractive", description="who writes the answer text")

    # Admission control (assistant/admission.py).
    rate_limit: str = Field(default="10/second;120/minute",
                            description="per-client limits on questions (a request counts 1, a batch its "
                                        "questions) in `limits` notation (N/second|minute|hour;…); empty: none")
    rate_limit_by: Literal["address", "key"] = Field(
        default="address", description="a client is its address, or the bearer key it sends (address if none)")
    trusted_proxies: str = Field(default="", description="comma-separated addresses or networks whose "
                                                         "X-Forwarded-For is believed; empty: none")
    max_concurrent: int = Field(default=16, ge=1, le=1024, description="requests worked on at once")
    client_concurrency: int = Field(default=2, ge=1, le=1024, description="requests of one client worked on at once")
    queue_timeout_s: float = Field(default=10.0, ge=0, le=600,
                                   description="how long a request waits for a free slot before 503")
    request_timeout_s: float = Field(default=30.0, gt=0, le=3600, description="time budget of one request")
    auth_failures: str = Field(default="10/minute",
                               description="failed keys or UI logins from one client before its lock-out")
    lockout_s: float = Field(default=300.0, ge=1, le=86_400, description="how long a locked-out client is refused")

    # Connections and shutdown (assistant/api_server.py).
    header_timeout_s: float = Field(default=10.0, gt=0, le=600, description="time to send a request's headers")
    body_timeout_s: float = Field(default=30.0, gt=0, le=3600, description="time to send a request's body")
    keep_alive_s: int = Field(default=5, ge=1, le=600, description="idle keep-alive connections close after this")
    max_connections: int = Field(default=512, ge=1, le=100_000,
                                 description="connections and requests at once before a 503")
    shutdown_delay_s: float = Field(default=0.0, ge=0, le=600,
                                    description="after SIGTERM, serve this long with /readyz at 503 before stopping")
    shutdown_grace_s: float = Field(default=10.0, ge=0, le=3600,
                                    description="after stopping, how long running requests may finish")

    # Exposure.
    protect_docs: bool = Field(default=False, description="/docs, /redoc and /openapi.json need the key too")
    allow_open: bool = Field(default=False,
                             description="allow serving on a non-loopback address without an API key")
    log_questions: bool = Field(default=False, description="question text may appear in the server log")

    @field_validator("api_key", "admin_key")
    @classmethod
    def _blank_key_is_no_key(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("admin_key")
    @classmethod
    def _admin_key_is_not_the_reading_key(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        reading = info.data.get("api_key")
        if value is not None and reading is not None and value.get_secret_value() == reading.get_secret_value():
            raise ValueError("must differ from POLICYQA_API_KEY (the reading key may not write)")
        return value

    @field_validator("rate_limit", "auth_failures")
    @classmethod
    def _limits_notation(cls, value: str) -> str:
        if value.strip():
            try:
                parse_many(value)
            except ValueError:
                raise ValueError(f"not a rate in `limits` notation such as 20/second;300/minute: {value!r}") from None
        return value.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"not an address or network: {part!r}") from None
        return value

    @property
    def api_key_value(self) -> str | None:
        """The key in clear text, for the places that check it."""
        return self.api_key.get_secret_value() if self.api_key else None

    @property
    def admin_key_value(self) -> str | None:
        return self.admin_key.get_secret_value() if self.admin_key else None

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def rate_limits(self) -> list[RateLimitItem]:
        return parse_many(self.rate_limit) if self.rate_limit else []

    @property
    def auth_failure_limits(self) -> list[RateLimitItem]:
        return parse_many(self.auth_failures) if self.auth_failures else []

    @property
    def trusted_proxy_networks(self) -> list[Network]:
        return [ipaddress.ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip()]


def load_settings(**overrides: object) -> Settings:
    """The environment's settings (``overrides`` win); a bad value is a :class:`UserError` naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"POLICYQA_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())
        raise UserError(f"配置有误 (invalid setting): {problems}") from None
