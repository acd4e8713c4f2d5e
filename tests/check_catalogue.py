"""Fail when a translation catalogue is incomplete: every msgid needs a zh-Hans msgstr.

Run by `make check`. The English catalogue may leave msgstr empty (English is the msgid).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"]


def problems(path: Path) -> list[str]:
    if not path.exists():
        return [f"{path}: missing"]
    text = path.read_text(encoding="utf-8")
    found: list[str] = []
    for block in text.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        lines = block.splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        ids = _collect(lines, "msgid")
        if ids == "":
            continue  # the header
        strs = [_collect(lines, key) for key in ("msgstr", "msgstr[0]", "msgstr[1]")]
        strs = [s for s in strs if s is not None]
        if fuzzy:
            found.append(f"fuzzy: {ids[:80]!r}")
        elif not strs or any(s == "" for s in strs):
            found.append(f"untranslated: {ids[:80]!r}")
    return found


def _collect(lines: list[str], key: str) -> str | None:
    out: list[str] = []
    taking = False
    for line in lines:
        if line.startswith(key + " "):
            taking = True
            out.append(line[len(key) + 1 :].strip()[1:-1])
        elif taking and line.startswith('"'):
            out.append(line.strip()[1:-1])
        elif taking:
            break
    return "".join(out) if taking else None


def main() -> int:
    bad = []
    for path in CATALOGUES:
        bad += [f"{path.relative_to(ROOT)}: {p}" for p in problems(path)]
    for line in bad[:50]:
        print(line)
    if bad:
        print(f"{len(bad)} catalogue problem(s)")
        return 1
    print("translation catalogues complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
