"""Optional generative answerer: any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, …).

The model sees the retrieved clauses numbered [1]…[n] (and, in a conversation, the earlier questions with the
clauses their answers cited) and must end every sentence with the number(s) it relies on. Its reply is turned into
a :class:`~assistant.drafts.Draft` whose sentences each claim one clause and a verbatim quote of it; a sentence whose
number is missing or invented, or whose wording the cited clause does not support, gets no clause or no quote, so
the caller's verification drops it. :meth:`OpenAICompatibleAnswerer.stream_draft` reads the reply as the model
writes it (``"stream": true``) and hands over each sentence as soon as no later text can change it
(:class:`SentenceCutter`), cut exactly as :func:`parse_completion` cuts the whole reply. Failures raise
:class:`AnswererUnavailable` and the caller falls back to the extractive answerer.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence

import httpx
from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from policyqa.corpus.errors import UserError
from policyqa.corpus.text import char_bigrams, split_sentences
from policyqa.corpus.titles import book_title
from policyqa.index.models import Hit

from .drafts import AnswererUnavailable, Draft, DraftSentence, PriorTurn

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
# What may still become markers after a finished sentence: blanks, then an unclosed [2, or ［1，3.
_MARKER_PREFIX = re.compile(r"\s*(?:[\[［【][\s0-9０-９,，、]*)?")
_LIST_BULLET = re.compile(r"^(?:[-*•·]\s*|[0-9]+(?:[.)）]\s+|、))")
_THINK = re.compile(r"<think>.*?</think>", re.S)
_THINK_OPEN = "<think>"
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
    return "\n\n".join(f"[{n}] {book_title(h.clause.doc_title)}{h.clause.label}\n{h.clause.text.strip()}"
                       for n, h in enumerate(evidence, start=1))


# The conversation the model is shown: the last turns, each question and cited clause cut short.
MAX_PRIOR_TURNS = 3
MAX_PRIOR_QUESTION_CHARS = 100
MAX_PRIOR_CLAUSES = 3
MAX_PRIOR_CLAUSE_CHARS = 60


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def conversation_block(history: Sequence[PriorTurn]) -> str:
    """The earlier turns, oldest first, for reading a follow-up: each question and what its answer cited (title,
    article, the opening of its text). Bounded: the last :data:`MAX_PRIOR_TURNS` turns, each cut short."""
    lines = []
    for n, turn in enumerate(history[-MAX_PRIOR_TURNS:], start=1):
        lines.append(f"{n}. 问：{_clip(turn.question, MAX_PRIOR_QUESTION_CHARS)}")
        for c in turn.cited[:MAX_PRIOR_CLAUSES]:
            lines.append(f"   答复所引：{book_title(c.doc_title)}{c.label} {_clip(c.text, MAX_PRIOR_CLAUSE_CHARS)}")
    return "\n".join(lines)


def build_messages(question: str, evidence: list[Hit], history: Sequence[PriorTurn] = ()) -> list[dict[str, str]]:
    """The system prompt, then one user message: the earlier turns (to read a follow-up by, not as evidence),
    the numbered clauses and the question."""
    context = (f"此前的对话（仅用于理解问题，不作为依据）：\n{conversation_block(history)}\n\n" if history else "")
    user = f"{context}条款：\n\n{evidence_block(evidence)}\n\n问题：{question.strip()}"
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


def draft_sentence(raw: str, evidence: list[Hit]) -> DraftSentence | None:
    """One sentence of the reply (markers included) with the clause and quote it can claim; None when it has no text."""
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


def _reply(content: str) -> str:
    """The whole reply without its reasoning; an empty one raises."""
    content = _THINK.sub("", content).strip()
    if not content:
        raise AnswererUnavailable("模型返回了空回答 (the model returned an empty answer)")
    return content


def parse_completion(content: str, evidence: list[Hit]) -> Draft:
    """Turn the model's reply into draft sentences, each with the clause and quote it can claim."""
    content = _reply(content)
    if _is_refusal(content):
        return Draft(refused=True)
    sentences = [draft_sentence(m.group(), evidence) for m in _SENTENCE.finditer(content) if m.group().strip()]
    return Draft(sentences=[s for s in sentences if s is not None])


def _visible(content: str) -> str:
    """The reply without its reasoning: closed <think> blocks removed, and nothing from an unclosed one (or from a
    tail that may be the start of one), so the text shown only ever grows."""
    content = _THINK.sub("", content)
    opened = content.find(_THINK_OPEN)
    if opened >= 0:
        return content[:opened]
    for size in range(len(_THINK_OPEN) - 1, 0, -1):
        if content.endswith(_THINK_OPEN[:size]):
            return content[:-size]
    return content


class SentenceCutter:
    """Cuts a reply that arrives in pieces into the sentences :func:`parse_completion` finds in the whole reply,
    each handed over as soon as no later text can change it: a sentence ended by 。！？ waits for the first character
    after it that cannot begin a citation marker ([1] may follow, even on the next line); one ended by a line
    break is done at once."""

    def __init__(self) -> None:
        self.content = ""  # the raw reply so far
        self._done = 0  # where the next sentence starts in the visible text

    def feed(self, text: str) -> list[str]:
        """The sentences completed by ``text`` (raw, markers included)."""
        self.content += text
        return self._cut(_visible(self.content), final=False)

    def finish(self) -> list[str]:
        """The sentences left when the reply is complete."""
        return self._cut(_THINK.sub("", self.content), final=True)

    def _cut(self, visible: str, final: bool) -> list[str]:
        sentences = []
        while self._done < len(visible):
            match = _SENTENCE.match(visible, self._done)
            if not final and not self._complete(match, visible):
                break
            if match.group().strip():
                sentences.append(match.group())
            self._done = match.end()
        return sentences

    @staticmethod
    def _complete(match: re.Match[str], visible: str) -> bool:
        if match.group().endswith("\n"):
            return True
        rest = visible[match.end():]
        # At the end (no terminator yet), or blanks and maybe an unclosed marker after 。: more text may extend it.
        return bool(rest) and _MARKER_PREFIX.fullmatch(rest) is None


class OpenAICompatibleAnswerer:
    """Drafts answers with a chat model behind ``POST {base_url}/chat/completions``."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 30.0,
                 max_tokens: int = 512, temperature: float = 0.0) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.name = f"llm:{model}"
        self._api_key = api_key
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.temperature = temperature

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> "OpenAICompatibleAnswerer":
        return cls(base_url=settings.base_url, model=settings.model,
                   api_key=settings.api_key.get_secret_value() if settings.api_key else None,
                   timeout_s=settings.timeout_s, max_tokens=settings.max_tokens, temperature=settings.temperature)

    def draft(self, question: str, evidence: list[Hit], history: Sequence[PriorTurn] = ()) -> Draft:
        content = self._complete(build_messages(question, evidence, history))
        return parse_completion(content, evidence)

    def stream_draft(self, question: str, evidence: list[Hit],
                     history: Sequence[PriorTurn] = ()) -> Iterator[Draft]:
        """The reply read as the model writes it: ``Draft(sentences=[s])`` per sentence as soon as it is complete,
        then ``Draft(refused=True)`` if the whole reply was the refusal phrase. The same sentences, clauses and
        quotes as :meth:`draft`. Closing the iterator closes the connection, so the model server stops."""
        cutter = SentenceCutter()
        for text in self._stream(build_messages(question, evidence, history)):
            for raw in cutter.feed(text):
                if sentence := draft_sentence(raw, evidence):
                    yield Draft(sentences=[sentence])
        for raw in cutter.finish():
            if sentence := draft_sentence(raw, evidence):
                yield Draft(sentences=[sentence])
        if _is_refusal(_reply(cutter.content)):
            yield Draft(refused=True)

    def _body(self, messages: list[dict[str, str]], stream: bool) -> dict:
        return {"model": self.model, "messages": messages, "temperature": self.temperature,
                "max_tokens": self.max_tokens, "stream": stream}

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The reply's text pieces from the server-sent chunks (``data: {…choices[0].delta.content}`` … ``data:
        [DONE]``); a server that answers with one whole completion instead gives its text as one piece. Waiting
        longer than ``timeout_s`` for the next chunk, an error chunk, or a stream cut off before its end raise
        :class:`AnswererUnavailable`."""
        try:
            with httpx.stream("POST", self.url, json=self._body(messages, stream=True), headers=self._headers,
                              timeout=self.timeout_s) as response:
                if response.is_error:
                    response.read()
                    response.raise_for_status()
                if not response.headers.get("content-type", "").startswith("text/event-stream"):
                    response.read()
                    yield _message_content(_json(response.text))
                    return
                finished = False
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators, ": keep-alive" comments, event names
                    data = line[len("data:"):].strip()
                    if data == "[DONE]":
                        return
                    text, finished = _delta_content(_json(data), finished)
                    if text:
                        yield text
                if not finished:
                    raise AnswererUnavailable("模型服务的流式回答中途中断 (the model server's stream ended before "
                                              "[DONE] or a finish_reason)")
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: httpx.HTTPError,
                     lost: str = "模型服务连接中断 (lost the model server") -> AnswererUnavailable:
        """The model server's HTTP failure as the one error both ways of asking raise; ``lost`` words any failure
        that is not a timeout, an error status or a refused connection."""
        if isinstance(exc, httpx.TimeoutException):
            return AnswererUnavailable(f"模型服务超时 (model server timed out after {self.timeout_s:g} s: {self.url})")
        if isinstance(exc, httpx.HTTPStatusError):
            return AnswererUnavailable(
                f"模型服务返回错误 (model server answered HTTP {exc.response.status_code}: {self.url})")
        if isinstance(exc, httpx.ConnectError):
            return AnswererUnavailable(f"无法连接模型服务 (cannot reach model server {self.url}: {exc})")
        return AnswererUnavailable(f"{lost} {self.url}: {exc})")

    def _complete(self, messages: list[dict[str, str]]) -> str:
        try:
            response = httpx.post(self.url, json=self._body(messages, stream=False), headers=self._headers,
                                  timeout=self.timeout_s)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise self._unavailable(exc, lost="无法连接模型服务 (cannot reach model server") from exc
        return _message_content(_json(response.content))


def _json(text: str | bytes) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnswererUnavailable(f"模型服务返回的不是 JSON (model server returned invalid JSON: {exc})") from exc


def _message_content(data: object) -> str:
    """``choices[0].message.content`` of a whole completion."""
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise AnswererUnavailable(
            "模型服务的响应不是 chat-completions 格式 (response has no choices[0].message.content)"
        ) from exc
    if not isinstance(content, str):
        raise AnswererUnavailable("模型服务的响应内容不是文本 (choices[0].message.content is not a string)")
    return content


def _delta_content(chunk: object, finished: bool) -> tuple[str, bool]:
    """A streamed chunk's ``choices[0].delta.content`` ("" for a role-only or empty chunk) and whether the reply
    has finished (a ``finish_reason``, in this chunk or before); an error chunk raises."""
    if isinstance(chunk, dict) and "error" in chunk:
        error = chunk["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise AnswererUnavailable(f"模型服务在回答中途报错 (the model server reported an error mid-stream: {message})")
    try:
        choice = chunk["choices"][0] if chunk["choices"] else {}
        content = (choice.get("delta") or {}).get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise AnswererUnavailable(
            "模型服务的流式响应不是 chat-completions 格式 (a chunk has no choices[0].delta)"
        ) from exc
    if not isinstance(content, str):
        raise AnswererUnavailable("模型服务的流式响应内容不是文本 (choices[0].delta.content is not a string)")
    return content, finished or bool(choice.get("finish_reason"))
