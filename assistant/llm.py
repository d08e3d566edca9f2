"""Optional generative answerer: any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, …).

The model sees the retrieved clauses numbered [1]…[n] and must end every sentence with the
number(s) it relies on. Its reply is turned into a :class:`~assistant.drafts.Draft` whose
sentences each claim one clause and a verbatim quote of it; a sentence whose number is missing
or invented, or whose wording the cited clause does not support, gets no clause or no quote, so
the caller's verification drops it. Failures raise :class:`AnswererUnavailable` and the caller
falls back to the extractive answerer.
"""
from __future__ import annotations

import json
import re
import unicodedata

import httpx
from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from policyqa.corpus.errors import UserError
from policyqa.corpus.text import char_bigrams, split_sentences
from policyqa.index.models import Hit

from .drafts import AnswererUnavailable, Draft, DraftSentence

REFUSAL = "现有文件中未找到依据"

# Share of the answer sentence's character bigrams that the quoted clause sentence must contain.
MIN_SUPPORT = 0.3

SYSTEM_PROMPT = f"""你是政策文件问答助手，只能依据用户提供的编号条款回答问题。
要求：
1. 用简体中文作答，简洁，一般不超过三句话。
2. 只使用所给条款中的内容，不得补充条款以外的信息，不得编造。
3. 每句话以句号结尾，并在句末用方括号标注所依据条款的编号，例如：……。[2]
4. 只能引用所给的编号，不得引用其他编号。
5. 如果所给条款不能回答问题，只回复：{REFUSAL}"""

# [2]  [1][3]  [1, 3]  ［2］  【2】
_MARKER = re.compile(r"[\[［【]\s*([0-9０-９]+(?:\s*[,，、]\s*[0-9０-９]+)*)\s*[\]］】]")
_END = "。！？!?"
# A sentence ends at 。！？ (with any markers right after it), or at a line break.
_SENTENCE = re.compile(
    rf"[^{_END}\n]*(?:[{_END}]+(?:\s*{_MARKER.pattern})*|\n|$)"
)
_LIST_BULLET = re.compile(r"^(?:[-*•·]\s*|[0-9]+(?:[.)）]\s+|、))")
_THINK = re.compile(r"<think>.*?</think>", re.S)
_NOT_TEXT = re.compile(r"[\W_]+")


class LLMConfigError(UserError):
    """The generative answerer is requested but not (correctly) configured."""


class LLMSettings(BaseSettings):
    """Where the model server is: ``POLICYQA_LLM_BASE_URL``, ``POLICYQA_LLM_MODEL``, …"""

    model_config = SettingsConfigDict(env_prefix="POLICYQA_LLM_", extra="ignore")

    base_url: str  # e.g. http://127.0.0.1:8000/v1 (vLLM) or http://127.0.0.1:11434/v1 (Ollama)
    model: str  # e.g. Qwen/Qwen2.5-7B-Instruct or qwen2.5:7b
    api_key: SecretStr | None = None
    timeout_s: float = 30.0
    max_tokens: int = 512
    temperature: float = 0.0

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:8000/v1")
        return value

    @field_validator("timeout_s")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be positive")
        return value


def load_llm_settings(**overrides: object) -> LLMSettings:
    """Read ``POLICYQA_LLM_*`` (overridden by non-None ``overrides``); raise a readable error."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return LLMSettings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"POLICYQA_LLM_{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise LLMConfigError(
            f"生成式回答未配置或配置有误，请设置 POLICYQA_LLM_BASE_URL 与 POLICYQA_LLM_MODEL "
            f"(LLM answerer not configured: {problems})"
        ) from None


def evidence_block(evidence: list[Hit]) -> str:
    """The numbered clauses as the model sees them: ``[n] 《title》label`` then the text."""
    parts = []
    for n, hit in enumerate(evidence, start=1):
        c = hit.clause
        parts.append(f"[{n}] 《{c.doc_title}》{c.label}\n{c.text.strip()}")
    return "\n\n".join(parts)


def build_messages(question: str, evidence: list[Hit]) -> list[dict[str, str]]:
    user = f"条款：\n\n{evidence_block(evidence)}\n\n问题：{question.strip()}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def best_quote(sentence: str, clause_text: str) -> tuple[str | None, float]:
    """The clause sentence sharing most of ``sentence``'s bigrams, and that share (None below MIN_SUPPORT)."""
    wanted = char_bigrams(sentence)
    if not wanted:
        return None, 0.0
    best, best_share = None, 0.0
    for piece in split_sentences(clause_text):
        share = len(wanted & char_bigrams(piece)) / len(wanted)
        if share > best_share:
            best, best_share = piece, share
    return (best, best_share) if best_share >= MIN_SUPPORT else (None, best_share)


def _cited_numbers(sentence: str) -> list[int]:
    numbers: list[int] = []
    for group in _MARKER.findall(sentence):
        for n in re.split(r"\s*[,，、]\s*", unicodedata.normalize("NFKC", group)):
            if int(n) not in numbers:
                numbers.append(int(n))
    return numbers


def _draft_sentence(raw: str, evidence: list[Hit]) -> DraftSentence | None:
    text = _LIST_BULLET.sub("", _MARKER.sub("", raw).strip()).strip()
    if not _NOT_TEXT.sub("", text):
        return None
    clauses = [evidence[n - 1].clause for n in _cited_numbers(raw) if 1 <= n <= len(evidence)]
    if not clauses:
        return DraftSentence(text=text, clause_id=None, quote=None)
    scored = [(best_quote(text, c.text), c) for c in clauses]
    (quote, _), clause = max(scored, key=lambda item: (item[0][0] is not None, item[0][1]))
    return DraftSentence(text=text, clause_id=clause.clause_id, quote=quote)


def _is_refusal(content: str) -> bool:
    """The refusal phrase, possibly followed by an explanation, and no citation."""
    return not _MARKER.search(content) and _NOT_TEXT.sub("", content).startswith(REFUSAL)


def parse_completion(content: str, evidence: list[Hit]) -> Draft:
    """Turn the model's reply into draft sentences, each with the clause and quote it can claim."""
    content = _THINK.sub("", content).strip()
    if not content:
        raise AnswererUnavailable("模型返回了空回答 (the model returned an empty answer)")
    if _is_refusal(content):
        return Draft(refused=True)
    sentences = [_draft_sentence(m.group(), evidence) for m in _SENTENCE.finditer(content) if m.group().strip()]
    return Draft(sentences=[s for s in sentences if s is not None])


class OpenAICompatibleAnswerer:
    """Drafts answers with a chat model behind ``POST {base_url}/chat/completions``."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.name = f"llm:{model}"
        self._api_key = api_key
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.temperature = temperature

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> "OpenAICompatibleAnswerer":
        return cls(
            base_url=settings.base_url,
            model=settings.model,
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
            timeout_s=settings.timeout_s,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
        )

    def draft(self, question: str, evidence: list[Hit]) -> Draft:
        content = self._complete(build_messages(question, evidence))
        return parse_completion(content, evidence)

    def _complete(self, messages: list[dict[str, str]]) -> str:
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stream": False,
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout_s)
            response.raise_for_status()
            data = response.json()
        except httpx.TimeoutException as exc:
            raise AnswererUnavailable(
                f"模型服务超时 (model server timed out after {self.timeout_s:g} s: {self.url})"
            ) from exc
        except httpx.HTTPStatusError as exc:
            raise AnswererUnavailable(
                f"模型服务返回错误 (model server answered HTTP {exc.response.status_code}: {self.url})"
            ) from exc
        except httpx.HTTPError as exc:
            raise AnswererUnavailable(f"无法连接模型服务 (cannot reach model server {self.url}: {exc})") from exc
        except json.JSONDecodeError as exc:
            raise AnswererUnavailable(f"模型服务返回的不是 JSON (model server returned invalid JSON: {exc})") from exc
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise AnswererUnavailable(
                "模型服务的响应不是 chat-completions 格式 (response has no choices[0].message.content)"
            ) from exc
        if not isinstance(content, str):
            raise AnswererUnavailable("模型服务的响应内容不是文本 (choices[0].message.content is not a string)")
        return content
