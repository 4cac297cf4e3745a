"""Reading the data to validate: files, standard input, several formats, clear errors.

Parsing is done by pyoxigraph's parser (Rust), much faster than rdflib's parsers on large files,
into the rdflib graph that pySHACL validates in place.  Every failure a user can
cause — a missing file, an unknown extension, an empty file, binary junk, a syntax error — becomes
an :class:`InputError` naming the file and, where the parser knows it, the line and column, so the
command line can print one clear message and exit with status 2 instead of a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable, Union

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import SimpleMemory

#: File extension -> format name.  ``csv`` means a REGIO spreadsheet template (see csvimport).
EXTENSIONS: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "ntriples",
    ".ntriples": "ntriples",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".csv": "csv",
}

#: Format name (and common aliases/media types) -> pyoxigraph format.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "text/turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "application/trig": ox.RdfFormat.TRIG,
    "json-ld": ox.RdfFormat.JSON_LD,
    "jsonld": ox.RdfFormat.JSON_LD,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

FORMAT_NAMES = sorted({"turtle", "ntriples", "nquads", "trig", "json-ld", "rdfxml", "csv"})


class InputError(Exception):
    """Bad input: a message for the user naming the file (and line and column where known)."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None, column: int | None = None):
        self.source = source
        self.line = line
        self.column = column
        self.detail = message
        where = source or ""
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}" if where else message)


class Source:
    """One input: a name for messages, its bytes, and its format name (None: guess).

    A file is read only when its bytes are needed: RDF in a line-based or Turtle-family format
    is streamed from the file by the parser, so a large input is never held in memory twice.
    """

    def __init__(self, name: str, data: bytes | None = None, format: str | None = None,  # noqa: A002
                 path: Path | None = None):
        self.name = name
        self._data = data
        self.format = format
        self.path = path

    @property
    def data(self) -> bytes:
        if self._data is None:
            try:
                self._data = self.path.read_bytes() if self.path is not None else b""
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror or exc}", source=self.name) from None
        return self._data

    def head(self, size: int = 65536) -> bytes:
        """The first bytes, without reading the whole file."""
        if self._data is not None or self.path is None:
            return self.data[:size]
        try:
            with open(self.path, "rb") as f:
                return f.read(size)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=self.name) from None

    @property
    def streamable(self) -> bool:
        return self._data is None and self.path is not None

    def __repr__(self) -> str:
        return f"Source({self.name!r}, format={self.format!r})"


DataLike = Union[str, os.PathLike, Source, Iterable[Union[str, os.PathLike, Source]]]


def guess_format(name: str, data: bytes) -> str:
    """The format of an input: from its extension, or by sniffing the first bytes (for stdin)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".gz":
        raise InputError("compressed input is not supported: decompress it first", source=name)
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    head = data.lstrip()[:200]
    if head.startswith(b"<?xml") or head.startswith(b"<rdf:RDF"):
        return "rdfxml"
    if head[:1] in (b"{", b"["):
        return "json-ld"
    if name == "-" or not suffix:
        return "turtle"  # Turtle is a superset of N-Triples: the common case on a pipe
    raise InputError(
        f"unknown format for extension {suffix!r}: use one of "
        + ", ".join(sorted(EXTENSIONS))
        + " or give the format explicitly",
        source=name,
    )


def read_source(item: str | os.PathLike | Source, fmt: str | None = None) -> Source:
    """Read one input given as a path, ``-`` (standard input) or a ready :class:`Source`."""
    if isinstance(item, Source):
        return item
    name = os.fspath(item)
    if name == "-":
        return Source("-", sys.stdin.buffer.read(), fmt)
    path = Path(name)
    if not path.exists():
        raise InputError("no such file", source=name)
    if path.is_dir():
        raise InputError("is a directory, not a file", source=name)
    if not os.access(path, os.R_OK):
        raise InputError("cannot read: permission denied", source=name)
    return Source(name, None, fmt, path=path)


def check_text(source: Source) -> None:
    """Reject empty input and binary junk before a parser produces a confusing message."""
    head = source.head()
    if not head.strip() and (len(head) < 65536 or not source.data.strip()):
        raise InputError("the input is empty: there is nothing to validate", source=source.name)
    if b"\x00" in head:
        raise InputError("the input is binary, not RDF text (it contains NUL bytes)", source=source.name)
    if source.streamable:
        return  # the parser reports invalid UTF-8 with its line and column as it streams
    check_utf8(source.data, source.name)


def check_utf8(data: bytes, name: str) -> None:
    """Raise an :class:`InputError` naming the byte offset and line of the first invalid UTF-8.

    A CSV saved in a legacy encoding (or a form field sent as Latin-1) must be refused, not read
    with replacement characters: the labels would be stored garbled and the data "conform"."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(f"not valid UTF-8 at byte {exc.start} (line {line}, column {column}): "
                         "save the file as UTF-8 text", source=name, line=line) from None


def base_iri(name: str) -> str:
    """A base IRI for relative IRIs in a file: its ``file:`` URI (stdin: a fixed one)."""
    if name == "-":
        return "file:///dev/stdin"
    return Path(name).resolve().as_uri()


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class OneGraphStore(SimpleMemory):
    """rdflib's fast triple store, presented as context-aware, for a single graph of data.

    pySHACL wraps the data graph in an rdflib ``Dataset``, which needs a context-aware store; the
    context-aware ``Memory`` store spends most of a large validation bookkeeping contexts the
    data does not have (it is one graph: the union of the inputs).  This store keeps no contexts —
    every triple is in the one graph, whichever context is asked for — and knows its size, which
    pySHACL asks for whenever it tests a graph's truth value.
    """

    context_aware = True
    graph_aware = True

    def __init__(self, configuration=None, identifier=None):
        super().__init__(configuration, identifier)
        self._size: int | None = 0

    # Two indexes (subject-predicate-object, predicate-object-subject) instead of SimpleMemory's
    # three: the object-first one serves only (?, ?, o) patterns, which SHACL validation hardly
    # uses, and costs a third of the memory.  Such a pattern scans the predicate index instead.

    def add(self, triple, context=None, quoted=False):
        s, p, o = triple
        spo = self._SimpleMemory__spo
        po = spo.get(s)
        if po is None:
            po = spo[s] = {}
        objects = po.get(p)
        if objects is None:
            objects = po[p] = {}
        objects[o] = 1
        pos = self._SimpleMemory__pos
        os_ = pos.get(p)
        if os_ is None:
            os_ = pos[p] = {}
        subjects = os_.get(o)
        if subjects is None:
            subjects = os_[o] = {}
        subjects[s] = 1
        self._size = None

    def remove(self, triple_pattern, context=None):
        spo = self._SimpleMemory__spo
        pos = self._SimpleMemory__pos
        for (s, p, o), _ in list(self.triples(triple_pattern)):
            del spo[s][p][o]
            del pos[p][o][s]
        self._size = None

    def triples(self, triple_pattern, context=None):
        s, p, o = triple_pattern
        if s is None and p is None and o is not None:
            for predicate, objects in self._SimpleMemory__pos.items():
                for subject in objects.get(o, ()):
                    yield (subject, predicate, o), iter(())
            return
        yield from super().triples(triple_pattern, context)

    def __len__(self, context=None) -> int:
        if self._size is None:
            self._size = super().__len__()
        return self._size

    def contexts(self, triple=None):
        return iter(())

    def add_graph(self, graph) -> None:
        """Graphs are not kept apart: nothing to record."""

    def remove_graph(self, graph) -> None:
        """Graphs are not kept apart: nothing to forget."""


def new_graph() -> Graph:
    """An empty graph on :class:`OneGraphStore`, for data to validate."""
    return Graph(store=OneGraphStore())


def _check_xml(source: Source) -> None:
    """Reject XML that is not well-formed (pyoxigraph's RDF/XML parser accepts a truncated file)."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(source.data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(
            f"rdfxml syntax error: {xml.parsers.expat.ErrorString(exc.code)}",
            source=source.name, line=exc.lineno, column=exc.offset + 1,
        ) from None


class TermConverter:
    """pyoxigraph terms to rdflib terms, each distinct IRI converted once.

    Simple literals come back from pyoxigraph typed ``xsd:string``; rdflib's parsers leave them
    untyped, and so do we, so that the graph is the one rdflib would have parsed.
    """

    def __init__(self) -> None:
        self.cache: dict = {}  # IRIs and blank nodes: they repeat; most literals do not

    def __call__(self, term):
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype == _XSD_STRING:
                return Literal(term.value)
            return Literal(term.value, datatype=self(term.datatype))
        node = self.cache.get(term)
        if node is None:
            if isinstance(term, ox.NamedNode):
                node = URIRef(term.value)
            elif isinstance(term, ox.BlankNode):
                node = BNode(term.value)
            else:  # RDF-star quoted triples are not part of REGIO's data model
                raise InputError(f"unsupported term {term}")
            self.cache[term] = node
        return node


def load_rdf(source: Source, graph: Graph, fmt: str, convert: TermConverter | None = None) -> None:
    """Parse one RDF source with pyoxigraph into an rdflib graph; InputError on bad syntax.

    pyoxigraph's parser is used, not its store: Oxigraph's store canonicalises literals (it keeps
    ``"5"^^xsd:nonNegativeInteger`` as ``xsd:integer``), which would change what ``sh:datatype``
    sees.  Named graphs in N-Quads/TriG are merged: the union is validated.
    """
    try:
        rdf_format = RDF_FORMATS[fmt]
    except KeyError:
        raise InputError(
            f"unknown format {fmt!r}: use one of {', '.join(FORMAT_NAMES)}", source=source.name
        ) from None
    if rdf_format in (ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML):
        # pyoxigraph's parser SIGSEGVs on deeply nested JSON-LD and expands XML entities without a
        # limit (billion laughs: 9 GB); the store's guards refuse both before it parses
        from regio.store.base import check_json_depth, check_xml_entities
        from regio.store.errors import StoreError

        try:
            (check_json_depth if rdf_format == ox.RdfFormat.JSON_LD else check_xml_entities)(source.data)
        except StoreError as exc:
            raise InputError(f"cannot parse as {fmt}: {exc.message}", source=source.name) from None
    if fmt in ("rdfxml", "xml", "application/rdf+xml"):
        _check_xml(source)
    convert = convert or TermConverter()
    add = graph.store.add  # Graph.add re-checks every term; these come from a parser
    try:
        if source.streamable:
            quads = ox.parse(path=str(source.path), format=rdf_format, base_iri=base_iri(source.name))
        else:
            quads = ox.parse(source.data, format=rdf_format, base_iri=base_iri(source.name))
        for quad in quads:
            add((convert(quad.subject), convert(quad.predicate), convert(quad.object)), graph, False)
    except SyntaxError as exc:
        message = str(exc.msg if getattr(exc, "msg", None) else exc)
        if message.startswith("Parser error at line"):
            message = message.split(": ", 1)[-1]
        raise InputError(f"{fmt} syntax error: {message}", source=source.name, line=exc.lineno, column=exc.offset) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"cannot parse as {fmt}: {exc}", source=source.name) from None


def as_sources(data: DataLike, fmt: str | None = None) -> list[Source]:
    """Turn a path, ``-``, a Source or a list of them into Sources (read, but not parsed)."""
    if isinstance(data, (str, os.PathLike, Source)):
        items = [data]
    else:
        items = list(data)
    if not items:
        raise InputError("no input given")
    return [read_source(item, fmt) for item in items]


def load_sources(sources: list[Source], graph: Graph | None = None) -> Graph:
    """Parse every source (RDF or CSV template) into one rdflib graph and return it."""
    graph = graph if graph is not None else new_graph()
    convert = TermConverter()
    csv_sources: list[Source] = []
    for source in sources:
        check_text(source)
        fmt = source.format or guess_format(source.name, source.head())
        if fmt == "csv":
            csv_sources.append(source)
        else:
            load_rdf(source, graph, fmt, convert)
    if csv_sources:
        from regio.validation import csvimport  # local: the CSV mapping is only needed for CSV input

        graph += csvimport.import_graph(csv_sources)  # raises CSVImportError (an InputError)
    return graph
