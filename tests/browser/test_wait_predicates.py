"""Browser tests must not poll with bare JavaScript expressions.

Playwright polls a string *expression* given to ``wait_for_function`` with ``eval``
inside the page, which our content security policy (no 'unsafe-eval') refuses as soon
as the condition is not already true on the first check. A *function* string is
compiled once over the debugging protocol and is safe. This check keeps the flaky form
out of the suite.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _expression_predicates(path: Path, root: Path = TESTS) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "wait_for_function"):
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            text = first.value.strip()
            if "=>" not in text.split("\n", 1)[0] and not text.startswith(("function", "async")):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_wait_for_function_predicates_are_functions() -> None:
    offenders = [hit for path in sorted(TESTS.rglob("*.py")) for hit in _expression_predicates(path)]
    assert offenders == [], f"use '() => …' so the CSP does not block polling: {offenders}"


def test_the_check_sees_an_expression_predicate(tmp_path: Path) -> None:
    sample = tmp_path / "probe.py"
    sample.write_text('page.wait_for_function("window.ready")\npage.wait_for_function("() => 1")\n')
    assert _expression_predicates(sample, tmp_path) == ["probe.py:1"]
