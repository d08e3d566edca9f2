"""The question-set format: one JSON object per line, ``{"id", "question", "relevant", "type", "note"?}``.

An empty ``relevant`` list marks a question the corpus cannot answer (the right answer is a refusal).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from policyqa.corpus.errors import UserError
from policyqa.corpus.jsonlines import json_lines

FIELDS = ("id", "question", "relevant", "type", "note")


class QuestionSetError(UserError):
    """A question file that is missing, unreadable or not in the documented format."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    relevant: tuple[str, ...]
    type: str
    note: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["relevant"] = list(self.relevant)
        if self.note is None:
            del data["note"]
        return data


def question_from_dict(data: object, where: str) -> Question:
    """Validate one record; ``where`` (file:line) prefixes every error message."""
    if not isinstance(data, dict):
        raise QuestionSetError(f"{where}: 每行应为一个 JSON 对象 (expected a JSON object)")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise QuestionSetError(f"{where}: 未知字段 {', '.join(unknown)} (unknown fields; allowed: {', '.join(FIELDS)})")
    for key in ("id", "question", "type"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise QuestionSetError(f"{where}: 字段 {key} 应为非空字符串 (field {key!r} must be a non-empty string)")
    if any(ch.isspace() for ch in data["id"]):
        raise QuestionSetError(f"{where}: 问题编号不能含空白 (field 'id' must not contain whitespace)")
    relevant = data.get("relevant")
    if not isinstance(relevant, list) or not all(isinstance(r, str) and r.strip() for r in relevant):
        raise QuestionSetError(f"{where}: 字段 relevant 应为条款编号列表 (field 'relevant' must be a list of clause ids)")
    if len(set(relevant)) != len(relevant):
        raise QuestionSetError(f"{where}: relevant 中有重复的条款编号 (duplicate clause ids in 'relevant')")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise QuestionSetError(f"{where}: 字段 note 应为字符串 (field 'note' must be a string)")
    return Question(id=data["id"], question=data["question"], relevant=tuple(relevant), type=data["type"], note=note)


def read_questions(path: Path) -> list[Question]:
    questions: list[Question] = []
    seen: set[str] = set()
    for where, data in json_lines(path, "问题集", QuestionSetError):
        question = question_from_dict(data, where)
        if question.id in seen:
            raise QuestionSetError(f"{where}: 问题编号 {question.id} 重复 (duplicate question id)")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionSetError(f"问题集 {path} 为空 (the question file is empty)")
    return questions


def write_questions(path: Path, questions: list[Question]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for q in questions:
            f.write(json.dumps(q.to_dict(), ensure_ascii=False) + "\n")
