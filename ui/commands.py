"""``policyqa ui`` (the web page on its own server) and ``policyqa serve`` (the HTTP API with the page at /ui)."""
from __future__ import annotations

import argparse
from policyqa.index.backends import add_index_options, index_location, server_index


def ui(args: argparse.Namespace) -> int:
    from policyqa.assistant.api_documents import WriteAccess
    from policyqa.assistant.api_server import refuse_open_exposure
    from policyqa.assistant.reloading import AssistantHolder, CurrentAssistant
    from policyqa.assistant.settings import load_settings

    from .app import launch

    settings = load_settings()
    refuse_open_exposure(args.host, settings)
    # Hook (reloading, api_documents): the page follows the index folder's generations, with the API's write rule.
    holder = AssistantHolder.for_index(index_location(args), args.answerer, settings.reload_poll_s)
    holder.load_now()
    launch(CurrentAssistant(holder), host=args.host, port=args.port, api_key=settings.api_key_value,
           log_questions=settings.log_questions, writes=WriteAccess.of(settings, args.host),
           max_file_size=settings.max_upload_bytes)
    return 0


def serve(args: argparse.Namespace) -> int:
    from policyqa.assistant.api_server import run_server

    from .app import mount_ui

    run_server(server_index(index_location(args)), host=args.host, port=args.port,
               mount=None if args.no_ui else mount_ui)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the HTTP API (/v1, docs at /docs) with the web UI at /ui")
    add_index_options(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--no-ui", action="store_true", help="serve the API only")
    p.set_defaults(handler=serve)

    p = subparsers.add_parser("ui", help="run the Chinese web UI (chat with clickable citations, document browser)")
    add_index_options(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--answerer", choices=("extractive", "llm"), default="extractive",
                   help="extractive (offline, default) or llm (OpenAI-compatible endpoint from POLICYQA_LLM_* settings)")
    p.set_defaults(handler=ui)
