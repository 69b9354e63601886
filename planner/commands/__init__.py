"""One module per `aidplan` sub-command; each exposes ``register(app)``."""

from __future__ import annotations

import importlib

import typer

# Order here is the order in `aidplan --help`.
COMMAND_MODULES = ("plan", "validate", "whatif", "stress", "diff", "template", "catalog")


def register_all(app: typer.Typer) -> None:
    """Import every command module that exists and let it add its command to ``app``."""
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"planner.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"planner.commands.{name}":
                raise
            continue
        module.register(app)
    for info in app.registered_commands:
        # The whole first paragraph of the docstring in `aidplan --help`, not click's
        # 45-character cut ("...").
        doc = info.callback.__doc__ if info.callback is not None else None
        if info.short_help is None and doc:
            info.short_help = " ".join(doc.split("\n\n")[0].split())
