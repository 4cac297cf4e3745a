"""``regio validate``: exit codes, formats, stdin, and clear errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from regio.cli import main

CLEAN = """@prefix regio: <https://w3id.org/regio#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/no> a regio:Country ; rdfs:label "Norway"@en ; regio:iso3166Code "NO" .
"""
WARNING_ONLY = CLEAN + '<https://example.org/r> a regio:Region ; rdfs:label "plain" .\n'
VIOLATION = CLEAN + '<https://example.org/c> a regio:Country ; rdfs:label "x"@en ; regio:iso3166Code "ZY" .\n'


def run(*args, input=None):
    return CliRunner().invoke(main, ["validate", *args], input=input)


@pytest.fixture()
def files(tmp_path):
    out = {}
    for name, text in (("clean.ttl", CLEAN), ("warning.ttl", WARNING_ONLY), ("violation.ttl", VIOLATION)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        out[name] = str(tmp_path / name)
    return out


def test_exit_codes(files):
    assert run(files["clean.ttl"]).exit_code == 0
    assert run(files["violation.ttl"]).exit_code == 1
    assert run(files["warning.ttl"]).exit_code == 1
    assert run(files["warning.ttl"], "--fail-on", "warning").exit_code == 1
    assert run(files["warning.ttl"], "--fail-on", "violation").exit_code == 0
    assert run(files["violation.ttl"], "--fail-on", "violation").exit_code == 1


def test_output_formats(files):
    result = run(files["violation.ttl"], "-f", "json")
    data = json.loads(result.output)
    assert data["counts"]["Violation"] == 1
    assert data["results"][0]["focusNode"]["value"] == "https://example.org/c"
    assert '"ZY" is not an ISO 3166-1 alpha-2 code' in data["results"][0]["message"]
    assert "sh:ValidationReport" in run(files["violation.ttl"], "-f", "turtle").output
    assert "<table>" in run(files["violation.ttl"], "-f", "html").output
    text = run(files["violation.ttl"]).output
    assert "<https://example.org/c>  “x”" in text and "[Violation] regio:iso3166Code = \"ZY\"" in text


def test_stdin_and_output_file(files, tmp_path):
    result = run("-", "-d", "turtle", input=VIOLATION)
    assert result.exit_code == 1 and "ZY" in result.output
    out = tmp_path / "report.json"
    assert run(files["clean.ttl"], "-f", "json", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["conforms"] is True


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.ttl", None, "missing.ttl: no such file"),
        ("empty.ttl", b"", "empty.ttl: the input is empty"),
        ("junk.ttl", b"\x7fELF\x02\x01\x01\x00\x00\x00junk", "junk.ttl: the input is binary"),
        ("latin1.ttl", "<a> <b> \"Tromsø\" .".encode("latin-1"), "latin1.ttl:1:"),
        ("syntax.ttl", b"@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c ;\n  ex:d .\n", "syntax.ttl:4:"),
        ("data.xyz", b"<http://a> <http://b> <http://c> .", "unknown format for extension '.xyz'"),
        ("broken.jsonld", b'{"@id": "http://x/a", "http://x/p": [', "broken.jsonld:"),
        ("broken.rdf", b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description>", "broken.rdf:"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run(str(path))
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "syntax.ttl"
    path.write_bytes(b"@prefix ex: <http://example.org/> .\nex:a ex:b \"unterminated .\n")
    result = run(str(path))
    assert result.exit_code == 2
    assert f"{path}:2:" in result.output and "syntax error" in result.output


def test_real_process_stdin_and_no_traceback(files):
    """The installed entry point, as a shell user runs it."""
    proc = subprocess.run([sys.executable, "-m", "regio", "validate", "-"], input=b"this is not turtle",
                          capture_output=True, timeout=120)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr and b"-:1:" in proc.stderr
