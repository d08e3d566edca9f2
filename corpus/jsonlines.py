"""Reading a JSON-lines file of records (question sets, conversations, profiles, feedback): one loop for all."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from .errors import UserError


def json_lines(path: Path, what: str, error: type[UserError] = UserError) -> Iterator[tuple[str, object]]:
    """``(where, value)`` for each non-blank line of ``path``, ``where`` being ``path:line``.

    ``what`` names the file's kind in the messages (「问题集 question set」); a missing or unreadable file, or a line
    that is not JSON, raises ``error`` naming the file or the line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise error(f"找不到{what}文件 {path} (file not found)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"无法读取{what}文件 {path} (cannot read it: {exc})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{where}: 不是有效的 JSON (invalid JSON: {exc.msg})") from None
        yield where, value
