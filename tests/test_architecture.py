"""The codebase's shape, checked: function-local imports are rare and each says why.

The package layering itself (web layer -> engines -> core, no cycles, no Starlette below the
web layer) is checked by import-linter's contracts in pyproject.toml (`lint-imports` in
scripts/test); this test covers what import-linter cannot see."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "bidding", "panorama", "livestream", "portal")


def project_modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def local_imports(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every import statement inside a function of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append((node.lineno, lines[node.lineno - 1]))
    return found


def justified(path: Path, lineno: int) -> bool:
    """A comment on the import's line or the line above says why it is local."""
    lines = path.read_text(encoding="utf-8").splitlines()
    here, above = lines[lineno - 1], lines[lineno - 2] if lineno > 1 else ""
    return "#" in here or above.strip().startswith("#")


def test_every_function_local_import_is_justified_by_a_comment() -> None:
    bare = [f"{path.relative_to(ROOT)}:{line}: {text.strip()}"
            for path in project_modules() for line, text in local_imports(path)
            if not justified(path, line)]
    assert bare == [], "function-local imports without a comment saying why:\n" + "\n".join(bare)


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Justified exceptions (docs/architecture.md points here).
LONG_FUNCTIONS = {
    # One branch per RFC 8216 tag in a single pass over the playlist; split up, the parser's
    # state (the pending segment's duration, title, discontinuity, date) would be passed around.
    ("livestream/hls.py", "parse_media_playlist"),
}
LONG_MODULES: set[str] = set()


def test_no_module_over_400_lines() -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in project_modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
            and str(p.relative_to(ROOT)) not in LONG_MODULES]
    assert long == []


def test_no_function_over_60_lines() -> None:
    long = []
    for path in project_modules():
        rel = str(path.relative_to(ROOT))
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (fn.end_lineno or fn.lineno) - fn.lineno + 1
                if size > MAX_FUNCTION_LINES and (rel, fn.name) not in LONG_FUNCTIONS:
                    long.append(f"{rel}: {fn.name} {size} lines")
    assert long == []
