"""The ``policyqa`` command line: the composition root that gathers each stage's commands.

Each stage registers its own subcommands (``corpus``, ``build``/``search``, ``ask``/``serve``,
``ui``, ``eval``); heavy imports happen inside the handlers, so ``policyqa --help`` stays fast.
"""
from __future__ import annotations

import argparse
import os
import sys

from policyqa.corpus import commands as corpus_commands
from policyqa.corpus.errors import UserError


def _groups():
    from policyqa.eval import commands as eval_commands
    from policyqa.index import commands as index_commands
    from policyqa.ui import commands as ui_commands

    from . import commands as assistant_commands

    from policyqa.eval import eligibility_commands as eval_eligibility_commands  # hook: policyqa eval-eligibility
    from . import eligibility_commands  # hook: policyqa eligibility
    from policyqa.eval import feedback as eval_feedback  # hook: policyqa eval-feedback
    from policyqa.eval import invariance as eval_invariance  # hook: policyqa eval-invariance
    from policyqa.eval import pooling as eval_pooling  # hook: policyqa eval-pool

    return [corpus_commands, index_commands, assistant_commands, ui_commands, eval_commands,
            eligibility_commands, eval_eligibility_commands, eval_feedback, eval_pooling, eval_invariance]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policyqa",
        description="政策问答：基于政策文件条款、带核验引用的中文问答 (policy QA with verified citations)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in _groups():
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # 「policyqa corpus inspect … | head」: the reader has gone, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
