"""Print the tree of a feedback document (反馈意见) or rectification notice, read by numbering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.feedback_parser import (
    FeedbackNode,
    FeedbackReadError,
    is_word_document,
    parse_feedback_text,
    read_docx_text,
    read_text_file,
)

MAX_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = "Split a feedback document (.docx or .txt) into its numbered items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .docx or text file; - reads text from standard input.")
        parser.add_argument("--json", action="store_true", help="Print the tree as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            if name == "-":
                import sys

                data = sys.stdin.buffer.read(MAX_BYTES + 1)
            else:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"No such file: {name}")
                if path.stat().st_size > MAX_BYTES:
                    raise CommandError(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
                data = path.read_bytes()
            if is_word_document(data):
                import io

                text = read_docx_text(io.BytesIO(data))
            else:
                text = read_text_file(data)
        except FeedbackReadError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        roots = parse_feedback_text(text)
        if options["json"]:
            self.stdout.write(
                json.dumps([node.to_dict() for node in roots], ensure_ascii=False, indent=2)
            )
            return
        for node in roots:
            self._print(node, 0)

    def _print(self, node: FeedbackNode, depth: int) -> None:
        self.stdout.write("  " * depth + f"{node.number} {node.title}".strip())
        for child in node.children:
            self._print(child, depth + 1)
