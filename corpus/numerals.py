"""Chinese numerals as used in article labels: 二十三 → 23, 一百二十 → 120, 一千零五 → 1005."""
from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "零〇○一二两三四五六七八九十百千"


def parse_chinese_number(text: str) -> int:
    """Parse a Chinese (or Arabic) integer; raise ValueError if it is not one."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in DIGITS and ch not in UNITS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total, digit = 0, None
    for ch in text:
        if ch in DIGITS:
            if digit:  # 九九 is not a numeral (only 零 may follow a digit, as in 一百零五)
                raise ValueError(f"not a Chinese numeral: {text!r}")
            digit = DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * UNITS[ch]
            digit = None
    return total + (digit or 0)


def number_or_none(text: str) -> int | None:
    """:func:`parse_chinese_number`, or None where ``text`` is not a numeral."""
    try:
        return parse_chinese_number(text)
    except ValueError:
        return None


def to_chinese_number(value: int) -> str:
    """Inverse of :func:`parse_chinese_number` for 1..9999, in the form used by labels."""
    if not 0 < value < 10000:
        raise ValueError(f"out of range: {value}")
    names = "零一二三四五六七八九"
    out, need_zero = [], False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, value = divmod(value, unit_value)
        if d:
            if need_zero:
                out.append("零")
            out.append(names[d] + unit)
            need_zero = False
        elif out:
            need_zero = True
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text
