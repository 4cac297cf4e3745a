"""The ISO 3166 regions are in the default dataset of `make serve`, and users can leave them out."""

from __future__ import annotations

from regio.store import graphs

ISO_GRAPH = "https://w3id.org/regio/graph/instances/iso3166"
CASES_GRAPH = "https://w3id.org/regio/graph/instances/paper-cases"


def test_default_dataset_includes_the_iso_regions_and_the_cases(monkeypatch):
    monkeypatch.delenv("REGIO_WITHOUT", raising=False)
    loaded = {graph for _, graph in graphs.default_files()}
    assert {ISO_GRAPH, CASES_GRAPH} <= loaded


def test_regio_without_leaves_the_iso_regions_out(monkeypatch):
    monkeypatch.setenv("REGIO_WITHOUT", "iso3166")
    loaded = {graph for _, graph in graphs.default_files()}
    assert ISO_GRAPH not in loaded
    assert CASES_GRAPH in loaded


def test_regio_without_takes_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("REGIO_WITHOUT", " iso3166 , paper-cases ")
    loaded = {graph for _, graph in graphs.default_files()}
    assert not {ISO_GRAPH, CASES_GRAPH} & loaded
