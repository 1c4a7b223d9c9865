"""A Babel extractor for citychan's CLI: the usual ``_()``, ``N_()`` and ``ngettext()``
calls, and the docstrings of the Typer commands (they are the ``--help`` text), cleaned as
Typer cleans them (``inspect.getdoc``). Used by ``make i18n`` through babel.cfg."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any

from babel.messages.extract import extract_python


def _commands(tree: ast.Module) -> set[str]:
    """Names of functions registered as commands: ``@x.command(…)``/``@x.callback(…)``
    decorators and ``app.command("name")(function)`` calls."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                func = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(func, ast.Attribute) and func.attr in ("command", "callback"):
                    names.add(node.name)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Call)
                and isinstance(node.func.func, ast.Attribute)
                and node.func.func.attr == "command" and node.args
                and isinstance(node.args[0], ast.Name)):
            names.add(node.args[0].id)
    return names


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
            ) -> Iterator[tuple[int, str, Any, list[str]]]:
    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    tree = ast.parse(source)
    commands = _commands(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in commands:
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.body[0].lineno, "", doc, ["the --help of a command"]
