#!/usr/bin/env python3
"""Fails when a README snippet no longer matches the code CI compiles.

Every region between `// README snippet: start` and `// README snippet: end`
in examples/frameworks/src/bin/*.rs must appear verbatim in README.md.
"""
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
readme = (root / "README.md").read_text(encoding="utf-8")
checked = failed = 0
for path in sorted((root / "examples/frameworks/src/bin").glob("*.rs")):
    inside, lines = False, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "README snippet: start" in line:
            inside, lines = True, []
        elif "README snippet: end" in line:
            inside = False
            # The README quotes the first item of the region: up to its first
            # line that closes at column 0.
            snippet = []
            for l in lines:
                snippet.append(l)
                if l == "}":
                    break
            checked += 1
            if "\n".join(snippet) not in readme:
                failed += 1
                print(f"FAIL {path.relative_to(root)}: snippet differs from README.md")
        elif inside:
            lines.append(line)
print(f"readme snippets: {checked - failed} passed, {failed} failed")
sys.exit(1 if failed or checked == 0 else 0)
