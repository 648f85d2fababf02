"""How long the longest description takes to render, for inputs that make backtracking
Markdown parsers slow. Usage: .venv/bin/python bench/markdown_render.py [--length 10000]"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mentorcircle.core.markdown import render_markdown  # noqa: E402

PATTERNS = [
    "[", "![[", "[a](", "[]([](", "<", "*a ", "_a*", "a\n",
    "> ", ">", "- > ", "1. > ", "**", "`", "[x]: ", "&#",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--length", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{'input':>10}  {'median ms':>10}  {'max ms':>8}")
    for pattern in PATTERNS:
        text = (pattern * (args.length // len(pattern) + 1))[: args.length]
        timings = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            render_markdown(text)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"{pattern!r:>10}  {statistics.median(timings):10.2f}  {max(timings):8.2f}")


if __name__ == "__main__":
    main()
