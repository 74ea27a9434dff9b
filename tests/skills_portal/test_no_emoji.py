"""Issue #24: icons are text or inline SVG, never emoji — an emoji (🔒, ⚠, ✔ …) renders as an
empty box on a machine without an emoji font, which most office PCs in the bureaus are."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Emoji blocks, and the symbols and dingbats that have an emoji presentation; plain text marks
# such as ✓ (U+2713), ▲ ▼ ● (geometric shapes) stay allowed.
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u26FF\u2714\u2716\u2705\u2728\u274C\u274E"
                   "\u2753-\u2757\u2763\u2764\u2795-\u2797\u27A1\u27B0\u27BF\u2B05-\u2B07"
                   "\u2B1B\u2B1C\u2B50\u2B55\uFE0F]")


def test_no_page_or_message_source_carries_an_emoji():
    skip = {".venv", "node_modules", "tests", "bench", "vendor", ".git", "staticfiles"}
    found, scanned = [], 0
    for path in ROOT.rglob("*"):
        if path.suffix not in {".html", ".py", ".js", ".css", ".po"} or not path.is_file() or \
                skip & set(path.relative_to(ROOT).parts):
            continue
        scanned += 1
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if EMOJI.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert scanned > 100
    assert found == [], found
