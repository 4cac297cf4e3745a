"""``regio load``, ``regio dump`` and ``regio backup``: the embedded store from the command line.

They open the store in the data directory directly, so the server must not be running (RocksDB
lets one process write; the commands say so when it is).  ``load`` is the bulk path for data
stewards: files are loaded as they are, one transaction per file, without SHACL validation (run
``regio validate FILE`` first), and the inferred graph is recomputed at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

DATA_DIR = click.option("--data-dir", type=click.Path(file_okay=False), envvar="REGIO_DATA_DIR",
                        help="Embedded store directory [default: $XDG_DATA_HOME/regio or ~/.local/share/regio].")


def _open(data_dir: str | None):
    from regio.store.embedded import StoreLocked, default_data_dir, open_oxigraph

    root = Path(data_dir).expanduser() if data_dir else default_data_dir()
    try:
        return root, open_oxigraph(root / "store")
    except StoreLocked as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot open the store in {root}: {exc}") from None


def _format(path: Path, given: str | None):
    import pyoxigraph as ox

    fmt = ox.RdfFormat.from_extension(given) if given else ox.RdfFormat.from_extension(
        path.suffix.lstrip(".").lower() or "ttl")
    if fmt is None:
        raise click.ClickException(f"{path}: unknown RDF format (use --format ttl|nt|nq|trig|rdf|jsonld)")
    return fmt


class _Progress:
    """A binary file whose reads advance a tqdm bar (pyoxigraph reads through it)."""

    def __init__(self, handle, bar):
        self.handle, self.bar = handle, bar

    def read(self, n: int = -1) -> bytes:
        data = self.handle.read(n)
        self.bar.update(len(data))
        return data


@click.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--graph", "graph", help="Named graph for triples [default: https://w3id.org/regio/graph/user].")
@click.option("--format", "fmt", help="RDF format, if the file extension does not say.")
@click.option("--no-inference", is_flag=True, help="Do not recompute the inferred graph afterwards.")
@DATA_DIR
def load_command(files, graph, fmt, no_inference, data_dir) -> None:
    """Load RDF FILES into the store (one transaction per file), with a progress bar."""
    import pyoxigraph as ox
    from tqdm import tqdm

    from regio.store import graphs

    root, store = _open(data_dir)
    target = ox.NamedNode(graph or graphs.USER)
    paths = [Path(f) for f in files]
    formats = [_format(p, fmt) for p in paths]
    total = sum(p.stat().st_size for p in paths)
    before = len(store)
    with tqdm(total=total, unit="B", unit_scale=True, desc="loading", disable=None) as bar:
        for path, rdf_format in zip(paths, formats):
            bar.set_postfix_str(path.name)
            with open(path, "rb") as handle:
                try:
                    store.load(_Progress(handle, bar), format=rdf_format, to_graph=target,
                               base_iri=path.resolve().as_uri())
                except SyntaxError as exc:
                    raise click.ClickException(f"{path}: not loaded, invalid {rdf_format.name}: {exc}") from None
                except (ValueError, OSError) as exc:
                    raise click.ClickException(f"{path}: not loaded: {exc}") from None
    # quads in the engine's default graph belong to the user graph (the service never uses it)
    stray = list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    if stray:
        user = ox.NamedNode(graphs.USER)
        store.extend([ox.Quad(q.subject, q.predicate, q.object, user) for q in stray])
        for q in stray:
            store.remove(q)
    store.flush()
    click.echo(f"loaded {len(paths)} file(s): {len(store) - before} new quads, {len(store)} in the store ({root})")
    if not no_inference:
        try:
            from regio import inference
        except ImportError:
            return
        if hasattr(inference, "materialize"):
            click.echo("recomputing the inferred graph …")
            inference.materialize(store)
            store.flush()


@click.command("dump")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write [default: standard output].")
@click.option("--format", "fmt", default=None, help="nq (default), trig, or for one graph: ttl, nt, rdf, jsonld.")
@click.option("--graph", help="Dump only this named graph.")
@DATA_DIR
def dump_command(output, fmt, graph, data_dir) -> None:
    """Write the store (or one graph) as RDF."""
    import sys

    import pyoxigraph as ox

    fmt = fmt or (Path(output).suffix.lstrip(".") if output else None) or ("ttl" if graph else "nq")
    rdf_format = ox.RdfFormat.from_extension(fmt)
    if rdf_format is None:
        raise click.ClickException(f"unknown format {fmt!r}")
    if not graph and rdf_format not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        raise click.ClickException(f"the whole store needs a quad format (nq, trig); give --graph to dump one graph as {fmt}")
    _, store = _open(data_dir)
    kwargs = {"from_graph": ox.NamedNode(graph)} if graph else {}
    if graph and not store.contains_named_graph(ox.NamedNode(graph)):
        raise click.ClickException(f"no graph <{graph}> in the store")
    if output:
        store.dump(output, rdf_format, **kwargs)
    else:
        sys.stdout.buffer.write(store.dump(None, rdf_format, **kwargs))


@click.command("backup")
@click.argument("target", type=click.Path(file_okay=False))
@DATA_DIR
def backup_command(target, data_dir) -> None:
    """Copy the store to TARGET (a new directory; hard links where possible, so it is cheap).

    The copy is a complete store: start the service on it with --data-dir pointing at a
    directory that holds it as ``store/``, or restore by moving it there.
    """
    if os.path.exists(target):
        raise click.ClickException(f"{target} exists; give a new directory")
    _, store = _open(data_dir)
    try:
        store.backup(target)
    except OSError as exc:
        raise click.ClickException(f"backup failed: {exc}") from None
    click.echo(f"backup written to {target}")
