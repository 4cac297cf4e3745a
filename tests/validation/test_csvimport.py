"""Spreadsheet import: the templates import clean; errors by file, row and column."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from regio import paths
from regio.cli import main
from regio.validation import validate
from regio.validation.csvimport import import_csv
from regio.validation.inputs import Source

TEMPLATES = sorted(paths.TEMPLATES_DIR.glob("*.csv"))
SOURCES = "id,quote,work,cites\nq1,the Norwegian shipping cluster,regio:AsheimLocalisedLearning,regio:Reve1992\n"


def src(name: str, text: str) -> Source:
    return Source(name, text.encode("utf-8"))


def test_all_five_templates_ship():
    assert {p.name for p in TEMPLATES} == {
        "regions.csv", "clusters.csv", "actors.csv", "innovation-systems.csv", "sources.csv"
    }
    readme = (paths.TEMPLATES_DIR / "README.md").read_text(encoding="utf-8")
    for p in TEMPLATES:
        assert f"`{p.name}`" in readme


def test_template_example_rows_import_and_validate_clean():
    result = import_csv([Source(str(p), p.read_bytes()) for p in TEMPLATES])
    assert result.errors == []
    assert len(result.graph) > 20
    report = validate(result.graph + result.context_graph())
    assert report.conforms, report.to_text()


def test_template_quotes_are_verbatim_from_the_paper(paper_text):
    normalised = " ".join(paper_text.split())
    import csv

    with open(paths.TEMPLATES_DIR / "sources.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert " ".join(row["quote"].split()) in normalised, row["id"]


def test_import_csv_command_writes_turtle(tmp_path):
    out = tmp_path / "out.ttl"
    result = CliRunner().invoke(main, ["import-csv", *map(str, TEMPLATES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "regio:NationalEconomicCluster" in out.read_text(encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", *map(str, TEMPLATES)]).exit_code == 0


@pytest.mark.parametrize(
    "name, text, row, column, message",
    [
        ("regions.csv", "id,label,type,iso3166\nrid:x,X,Country,ZY\n", 2, "iso3166", "not an ISO 3166"),
        ("clusters.csv", "id,label,located_in,sources\nc1,C,rid:atlantis,q1\n", 2, "located_in", "unknown region"),
        ("clusters.csv", "id,label,located_in,sources\nc1,C,IT-99,q1\n", 2, "located_in", "not an ISO 3166 code"),
        ("clusters.csv", "id,label,located_in,sources\n\nc1,C,IT-45,\n", 3, "sources", "missing source"),
        ("clusters.csv", "id,label,located_in,sources\nc1,C,IT-45,q9\n", 2, "sources", "unknown source"),
        ("clusters.csv", "id,label,located_in,employment,sources\nc1,C,IT-45,\"1,200\",q1\n", 2, "employment", "whole number"),
        ("clusters.csv", "id,label,located_in,nace,sources\nc1,C,IT-45,30.1.1,q1\n", 2, "nace", "NACE"),
        ("clusters.csv", "id,label,located_in,start_year,sources\nc1,C,IT-45,1066,q1\n", 2, "start_year", "plausible year"),
        ("clusters.csv", "id,label,type,located_in,sources\nc1,C,Blob,IT-45,q1\n", 2, "type", "not one of"),
        ("clusters.csv", "id,label,located_in,sourcez\nc1,C,IT-45,q1\n", 1, "sourcez", "unknown column"),
        ("innovation-systems.csv", "id,label,covers_region,embedded_in_local_community,sources\ni,I,NO,maybe,q1\n", 2, "embedded_in_local_community", "true or false"),
        ("actors.csv", "id,label,type,member_of\na,A,Firm,rid:nothing\n", 2, "member_of", "unknown cluster"),
        ("actors.csv", "id,label,type\na,A,Firm\n", 2, "sources", "missing source"),
    ],
)
def test_errors_name_file_row_and_column(name, text, row, column, message):
    result = import_csv([src("sources.csv", SOURCES), src(name, text)])
    matching = [e for e in result.errors if e.file == name and e.row == row and e.column == column]
    assert matching, [str(e) for e in result.errors]
    assert message in matching[0].message


def test_quote_not_in_the_paper_is_an_error(paper_text):
    result = import_csv([src("sources.csv", "id,quote\nq1,Emilia-Romagna has 300 knitwear firms\n")])
    assert [(e.row, e.column) for e in result.errors] == [(2, "quote")]


def test_shacl_results_after_import_point_at_rows():
    """Errors SHACL finds (not the cell checks) are reported against the row they came from."""
    clusters = "id,label,type,located_in,local_government_intervention,sources\nd1,D,IndustrialDistrictMarkI,IT-45,true,q1\n"
    empty = CliRunner().invoke(main, ["import-csv", "-"], input="")
    assert empty.exit_code == 2 and "empty" in empty.output
    runner = CliRunner()
    with runner.isolated_filesystem():
        open("sources.csv", "w", encoding="utf-8").write(SOURCES)
        open("clusters.csv", "w", encoding="utf-8").write(clusters)
        result = runner.invoke(main, ["import-csv", "--report", "json", "sources.csv", "clusters.csv"])
    assert result.exit_code == 1
    problems = json.loads(result.output[result.output.index("{"): result.output.rindex("}") + 1])["problems"]
    shacl = [p for p in problems if p["stage"] == "shacl"]
    assert shacl and shacl[0]["file"] == "clusters.csv" and shacl[0]["row"] == 2
    assert "Mark I" in shacl[0]["message"]


def test_csv_errors_stop_regio_validate_with_exit_2(tmp_path):
    (tmp_path / "clusters.csv").write_text("id,label,located_in,sources\nc1,C,IT-45,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "clusters.csv")])
    assert result.exit_code == 2 and "missing source" in result.output and "Traceback" not in result.output
