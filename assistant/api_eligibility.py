"""``POST /v1/eligibility``: the eligibility check over HTTP, protected like ``/v1/ask``.

The body is ``{"profile": {...}}`` or ``{"text": "我们是……"}`` (exactly one); bad input — a field out of range, both
or neither, a description naming no kind of institution — is a 422 naming the field; an index built before the
catalogue existed is a 400 saying to rebuild. The checker is made once per loaded index.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .eligibility import MAX_TEXT_CHARS, EligibilityChecker, EligibilityResult, Profile, kind_words, read_profile


# A description must name the kind of institution (「养老院」「托育中心」「家里」…): the published pattern says which
# words are read, so a request the schema allows is one the reader can read.
KIND_PATTERN = "(" + "|".join(re.escape(w) for w in kind_words()) + ")"


class EligibilityRequest(BaseModel):
    """Exactly one of ``profile`` and ``text``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "oneOf": [{"required": ["profile"]}, {"required": ["text"]}],
        "examples": [
            {"profile": {"kind": "养老机构", "ownership": "民办", "nonprofit": True, "beds": 80, "residents": ["失能"],
                         "region": "济南"}},
            {"text": "我们是济南的民办非营利养老院，80张床，收失能老人"},
        ]})

    profile: Profile = Field(None, description="机构档案 (a structured profile)")
    text: str = Field(None, min_length=1, max_length=MAX_TEXT_CHARS, pattern=KIND_PATTERN,
                      description="机构情况的文字描述，须写明机构类型，如「养老院」「托育中心」"
                                  "(the institution in words, naming its kind)")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.profile is None) == (self.text is None):
            raise ValueError("请提供 profile 或 text 二者之一 (give either profile or text)")
        return self


def eligibility_router(settings) -> APIRouter:
    """The router, with the same API-key guard and JSON-only rule as ``/v1/ask``."""
    from .api import api_key_guard, current_assistant, require_json
    from .api_errors import documented
    from .service import Assistant

    guard = [Depends(api_key_guard(settings.api_key_value))] if settings.api_key else []
    router = APIRouter(prefix="/v1", dependencies=guard,
                       responses=documented(*((401,) if settings.api_key else ()), 503))

    @router.post("/eligibility", response_model=EligibilityResult, tags=["资格自查 eligibility"],
                 summary="资格自查：哪些条款支持本机构 (the provisions that support an operator)",
                 dependencies=[Depends(require_json)], responses=documented(400, 413, 415, 422))
    def eligibility(body: EligibilityRequest, assistant: Annotated[Assistant, Depends(current_assistant)]):
        """按机构档案（或文字描述）列出适用、有条件、见地方细则的条款，附逐字原文 (verbatim quotes)."""
        profile = body.profile or read_profile(body.text)
        return EligibilityChecker.for_index(assistant.index).check(profile)

    return router
