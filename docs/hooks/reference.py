"""MkDocs hook: the configuration and CLI references are generated at build time from
the code, never typed twice (issue 19).

- `<!-- iportal:settings -->` becomes a table of config.Settings: each field's
  name, environment variable, default, and its meaning taken from the comments written
  beside it in the model (the comment block above a field, or the one at its line end).
- `<!-- iportal:cli -->` becomes every `iportal` command with its usage, help text and
  options, walked from the Typer app (the same text `--help` prints).
- `<!-- iportal:exit-codes -->` becomes the exit-code table of iportal/exit_codes.py.
"""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def field_comments(cls) -> dict[str, str]:
    """Field name -> the comments beside it in the class body (the model is the source)."""
    source, first = inspect.getsourcelines(cls)
    tree = ast.parse("".join(source).replace("\n    ", "\n", 0))
    body = tree.body[0].body
    found, previous_end = {}, 1
    for node in body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            previous_end = getattr(node, "end_lineno", previous_end)
            continue
        above = [line.strip() for line in source[previous_end : node.lineno - 1]]
        block = [line.lstrip("# ") for line in above if line.startswith("#")]
        if above and not above[-1].startswith("#"):
            block = []  # a blank line between: the comment belongs to a group heading
        line = source[node.lineno - 1]
        tail = line.split("  # ", 1)[1].strip() if "  # " in line else ""
        found[node.target.id] = " ".join(part for part in (*block, tail) if part)
        previous_end = node.end_lineno
    return found


def default_of(field) -> str:
    if field.default_factory is not None:
        try:
            value = field.default_factory()
        except TypeError:
            return "(computed)"
        if callable(field.default_factory) and getattr(field.default_factory, "__name__", "") == (
            "<lambda>") and isinstance(value, int):  # fmt: skip
            return "number of CPUs"
        return (
            "none"
            if value in ({}, [])
            else f"`{value!r}`"
            if len(repr(value)) < 40
            else "(see code)"
        )
    if field.default is None:
        return "none"
    return f"`{field.default}`"


def settings_table() -> str:
    from config import Settings

    comments = field_comments(Settings)
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        meaning = comments.get(name, "").replace("|", "\\|").replace("<", "&lt;")
        rows.append(f"| `{name}` | `IPORTAL_{name.upper()}` | {default_of(field)} | {meaning} |")
    return "\n".join(rows)


def cli_reference() -> str:
    import typer

    from iportal.cli import app

    root = typer.main.get_command(app)
    parts = []

    def walk(command, path: list[str], parent) -> None:  # Typer's own (vendored) click
        ctx = command.context_class(command, info_name=path[-1], parent=parent)
        if hasattr(command, "commands"):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name], ctx)
            return
        usage = " ".join(command.collect_usage_pieces(ctx))
        parts.append(f"## `{' '.join(path)}`\n\n```\n{' '.join(path)} {usage}\n```\n")
        parts.append(inspect.cleandoc(command.help or "") + "\n")
        options = [p for p in command.params if p.param_type_name == "option" and p.help]
        if options:
            parts.append("| option | meaning |\n|---|---|")
            parts.extend(f"| `{', '.join(p.opts)}` | {p.help.replace('|', '/')} |" for p in options)
            parts.append("")

    walk(root, ["iportal"], None)
    return "\n".join(parts)


def exit_codes() -> str:
    from iportal.exit_codes import TABLE

    return "| exit code | meaning |\n|---|---|\n" + "\n".join(
        f"| {code} | {text} |" for code, text in TABLE.items()
    )


MARKERS = {
    "<!-- iportal:settings -->": settings_table,
    "<!-- iportal:cli -->": cli_reference,
    "<!-- iportal:exit-codes -->": exit_codes,
}


def on_page_markdown(markdown: str, **_) -> str:
    # At call time: MkDocs restores sys.path after loading a hook, and the venv's editable
    # install points at the main checkout, so a worktree would document main's code.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for marker, make in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, make())
    return markdown
