"""``regio validate`` and ``regio import-csv``.

Exit codes follow pySHACL's command line: 0 the data conforms, 1 it does not, 2 the input could
not be read (the message names the file, and the line and column where the parser knows them).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regio.validation.inputs import FORMAT_NAMES, InputError, check_utf8

OUTPUT_FORMATS = ("text", "json", "turtle", "html")
FAIL_ON = ("info", "warning", "violation")


def _fail(prog: str, message: str) -> None:
    click.echo(f"{prog}: error: {message}", err=True)
    sys.exit(2)


def _write(text: str, output: str | None) -> None:
    if output in (None, "-"):
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")


@click.command("validate")
@click.argument("files", nargs=-1, required=True)
@click.option("-f", "--format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="text", show_default=True,
              help="Report format: text grouped by focus node, JSON, the standard SHACL report in Turtle, or HTML.")
@click.option("-d", "--data-format", type=click.Choice(FORMAT_NAMES), default=None,
              help="Format of the inputs (default: from the file extension; sniffed for standard input).")
@click.option("-i", "--inference", type=click.Choice(("none", "rdfs", "owlrl")), default="none", show_default=True,
              help="Inference before validation. The ontology's class hierarchy is always used.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="info", show_default=True,
              help="Lowest severity that makes the exit status 1 (info: any result, as SHACL defines conformance).")
@click.option("-o", "--output", default=None, help="Write the report to this file instead of standard output.")
def validate_command(files: tuple[str, ...], output_format: str, data_format: str | None, inference: str,
                     fail_on: str, output: str | None) -> None:
    """Validate region data against REGIO's SHACL shapes.

    FILES are Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML or REGIO CSV templates, validated
    together as one graph; '-' reads standard input.  Exit status: 0 conforms, 1 does not conform
    (at --fail-on), 2 the input could not be read.
    """
    from regio.validation.engine import validate

    try:
        report = validate(list(files), inference=inference, format=data_format)
    except InputError as exc:
        _fail("regio validate", str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - pySHACL's own errors (e.g. a broken shapes file)
        _fail("regio validate", f"validation failed: {exc}")
        return
    try:
        _write(report.render(output_format), output)
    except OSError as exc:
        _fail("regio validate", f"cannot write {output}: {exc.strerror or exc}")
    sys.exit(1 if report.fails(fail_on) else 0)


@click.command("import-csv")
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", default="-", show_default=True, help="Where to write the RDF ('-': standard output).")
@click.option("-t", "--to", "rdf_format", type=click.Choice(("turtle", "nt", "json-ld", "xml")), default="turtle",
              show_default=True, help="RDF format to write.")
@click.option("--base", default="https://w3id.org/regio/id/", show_default=True,
              help="Namespace for identifiers given as plain names.")
@click.option("--no-validate", is_flag=True, help="Only map to RDF; skip the SHACL validation.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="warning", show_default=True,
              help="Lowest SHACL severity that stops the import (exit status 1).")
@click.option("--report", "report_format", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="Format of the problems written to standard error.")
def import_csv_command(files: tuple[str, ...], output: str, rdf_format: str, base: str, no_validate: bool,
                       fail_on: str, report_format: str) -> None:
    """Turn REGIO spreadsheet templates (CSV) into RDF, checking them before and after SHACL.

    Problems are reported by file, row and column (row 1 is the header).  The RDF is written only
    when there are none at --fail-on or above.  Exit status: 0 imported, 1 problems in the data,
    2 a file could not be read.  Templates and their columns: instances/templates/README.md.
    """
    import json

    from regio.validation import csvimport
    from regio.validation.engine import validate
    from regio.validation.inputs import as_sources

    try:
        sources = as_sources(list(files), "csv")
        for source in sources:
            if Path(source.name).suffix.lower() not in (".csv", ".txt") and source.name != "-":
                raise InputError("not a CSV file (expected a .csv template)", source=source.name)
            if b"\x00" in source.data[:65536]:
                raise InputError("the input is binary, not CSV text", source=source.name)
            check_utf8(source.data, source.name)
            if not source.data.strip():
                raise InputError("the input is empty: a template needs at least its header row", source=source.name)
    except InputError as exc:
        _fail("regio import-csv", str(exc))
        return
    result = csvimport.import_csv(sources, base=base)
    problems: list[dict] = [
        {"file": e.file, "row": e.row, "column": e.column, "severity": e.severity, "message": e.message, "stage": "csv"}
        for e in result.errors
    ]
    failed = bool(result.errors)
    if not failed and not no_validate:
        report = validate(result.graph + result.context_graph())
        for r in report.results:
            file, row = result.origin.get(r.focus_node, (None, None))
            problems.append({
                "file": file, "row": row, "column": None, "severity": r.severity, "message": r.message,
                "stage": "shacl", "focusNode": str(r.focus_node), "path": r.path_text,
            })
        failed = report.fails(fail_on)
    if problems:
        if report_format == "json":
            click.echo(json.dumps({"imported": not failed, "problems": problems}, indent=2, ensure_ascii=False), err=True)
        else:
            for p in problems:
                where = f"{p['file']}:{p['row']}" if p["file"] else p.get("focusNode", "")
                col = f" column {p['column']!r}:" if p["column"] else ""
                path = f" [{p['path']}]" if p.get("path") and p["path"] != "—" else ""
                click.echo(f"{where}:{col} {p['severity']}{path}: {p['message']}", err=True)
    if failed:
        click.echo(f"regio import-csv: not imported: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    text = result.graph.serialize(format=rdf_format)
    try:
        _write(text if text.endswith("\n") else text + "\n", output)
    except OSError as exc:
        _fail("regio import-csv", f"cannot write {output}: {exc.strerror or exc}")
    if output not in (None, "-"):
        click.echo(f"wrote {len(result.graph)} triples to {output}", err=True)
    sys.exit(0)
