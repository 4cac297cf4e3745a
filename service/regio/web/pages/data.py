"""Where the pages get their data: the app's store, through the contract in docs/vocabulary.md.

The pages only ever call ``select(sparql, inference=...)`` and ``construct(sparql)``, so they work
the same over the embedded Oxigraph store and over a remote SPARQL engine.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterable

from flask import current_app
from rdflib import Graph
from rdflib.term import Node

from regio.store import graphs

log = logging.getLogger(__name__)

REGIO = "https://w3id.org/regio#"
REGIO_ID = "https://w3id.org/regio/id/"
GRAPH = "https://w3id.org/regio/graph/"
ONTOLOGY_GRAPHS = (GRAPH + "ontology", GRAPH + "references", GRAPH + "alignment")

#: The prefixes every page query starts with: the same table the service predeclares.
PREFIXES = graphs.PREFIXES


def sparql_prefixes() -> str:
    """The PREFIX lines every page query (and the query page's editor) starts with."""
    return graphs.prefix_lines()


def store() -> Any:
    """The app's store (opened by ``create_app``; embedded or remote)."""
    return current_app.extensions["regio.store"]


def select(sparql: str, *, inference: bool = True) -> list[dict[str, Node]]:
    return store().select(sparql_prefixes() + sparql, inference=inference)


def construct(sparql: str) -> Graph:
    return store().construct(sparql_prefixes() + sparql)


#: An absolute IRI as SPARQL's IRIREF allows it: a scheme, then no space, control or delimiter.
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]*$')


def iri_values(iris: Iterable[str]) -> str:
    """A SPARQL VALUES body of the IRIs (those that are not absolute IRIs are left out)."""
    return " ".join(f"<{i}>" for i in iris if _IRI.match(i))
