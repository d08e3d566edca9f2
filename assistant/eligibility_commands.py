"""``policyqa eligibility``: which provisions support an operator, from a profile file or a description."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from policyqa.corpus.errors import UserError
from policyqa.corpus.titles import book_title
from policyqa.index.backends import add_index_options


def _profile(args: argparse.Namespace):
    from .eligibility import profile_from

    if args.profile is None:
        if not args.text:
            raise UserError("请给出 --profile FILE|- 或一段文字描述 (give --profile FILE|- or a description)")
        return profile_from(text=args.text)
    if args.text:
        raise UserError("--profile 与文字描述只能选一个 (give either --profile or a description, not both)")
    try:
        raw = sys.stdin.read() if args.profile == "-" else Path(args.profile).read_text(encoding="utf-8")
        data = json.loads(raw)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"无法读取机构档案 {args.profile} (cannot read the profile: {exc})") from exc
    except json.JSONDecodeError as exc:
        raise UserError(f"机构档案不是合法的 JSON (the profile is not valid JSON: {exc})") from exc
    if not isinstance(data, dict):
        raise UserError("机构档案应为 JSON 对象 (the profile must be a JSON object)")
    return profile_from(data.get("profile", data))


def eligibility(args: argparse.Namespace) -> int:
    from policyqa.index.backends import MilvusLocation, index_location, open_index
    from policyqa.index.store import default_index_dir

    from .eligibility import VERDICT_NAMES, EligibilityChecker, checklist_csv, checklist_markdown

    profile = _profile(args)
    location = index_location(args)  # hook (index.backends): a folder or a Milvus collection
    checker = (EligibilityChecker.for_index(open_index(location)) if isinstance(location, MilvusLocation)
               else EligibilityChecker.from_folder(location or default_index_dir()))
    result = checker.check(profile)
    if args.markdown:
        Path(args.markdown).write_text(checklist_markdown(result), encoding="utf-8")
    if args.csv:
        Path(args.csv).write_text(checklist_csv(result), encoding="utf-8-sig")  # BOM: spreadsheets read it as UTF-8
    if args.json:
        print(json.dumps(result.model_dump(), ensure_ascii=False))
        return 0
    print("机构档案（读取结果，可用 --profile 修改）：" + json.dumps(profile.model_dump(), ensure_ascii=False))
    group = None
    for p in result.provisions:
        if p.support != group:
            group = p.support
            print(f"\n【{group}】")
        print(f"  [{VERDICT_NAMES[p.verdict]}] {book_title(p.doc_title)}{p.label}  [{p.clause_id}]")
        print(f"      「{p.quote}」")
        if p.condition:
            print(f"      条件：{p.condition}")
        if p.check:
            print(f"      核对：{p.check}")
    print(f"\n经核对不适用 {len(result.not_applicable)} 条（--json 查看理由）")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("eligibility", help="list the provisions that support an operator (资格自查)")
    p.add_argument("text", nargs="?", help="the institution in words, e.g. 「我们是济南的民办养老院，80张床」")
    p.add_argument("--profile", metavar="FILE|-", help="a JSON profile (kind, ownership, nonprofit, inclusive, beds, "
                                                      "services, residents, region); - reads stdin")
    add_index_options(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", metavar="FILE", help="also write the checklist as Markdown")
    p.add_argument("--csv", metavar="FILE", help="also write the checklist as CSV")
    p.set_defaults(handler=eligibility)
