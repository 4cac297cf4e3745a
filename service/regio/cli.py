"""The ``regio`` command line.

Sub-commands live in the module of the concern they belong to and are imported only when invoked
(the lazy-group pattern from Click's documentation), so ``regio --help`` does not pay for pySHACL,
owlready2 or Flask.  To add a command, add one line to ``COMMANDS``.
"""

from __future__ import annotations

import importlib

import click

from regio import __version__

#: command name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "serve": "regio.web.serve:serve_command",
    "load": "regio.store.cli:load_command",
    "dump": "regio.store.cli:dump_command",
    "backup": "regio.store.cli:backup_command",
    "infer": "regio.inference.cli:infer_command",
    "validate": "regio.validation.cli:validate_command",
    "import-csv": "regio.validation.cli:import_csv_command",
    "regions": "regio.regions:regions_command",
    "docs": "regio.ontology.docs:docs_command",
    "build-ontology": "regio.ontology.build:build_command",
    "reason": "regio.ontology.reasoning:reason_command",
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attr = self.lazy_commands[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="regio")
def main() -> None:
    """REGIO: the open knowledge base of regional innovation.

    Ontology, SHACL shapes, region data and a SPARQL 1.1 service built on Bjørn Asheim's
    "Localised Learning, Innovation and Regional Clusters".
    """
