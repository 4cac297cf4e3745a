"""Protégé opens the paper's cases: the OWL API loads paper-cases.ttl with its import of the core
ontology resolved through instances/catalog-v001.xml, with no unparsed triple and no OWL 2 DL
violation.  Reuses the ontology tests' checker (tests/ontology/java/OwlCheck.java)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from regio import paths
from regio.ontology.reasoning import catalog_mappings

CHECKER = Path(__file__).parents[1] / "ontology" / "java" / "OwlCheck.java"
JARS = Path("/usr/share/java")


@pytest.mark.java
def test_protege_loads_the_cases_with_the_ontology(java, tmp_path):
    from conftest import require_tool

    javac = shutil.which("javac")
    require_tool(javac is not None, "javac is not installed")
    require_tool((JARS / "owlapi-distribution.jar").exists(), "the OWL API is not installed (libowlapi-java)")
    mappings = catalog_mappings(paths.INSTANCES_DIR)
    assert "https://w3id.org/regio" in mappings
    assert all(p.exists() for p in mappings.values()), mappings
    subprocess.run([javac, "-nowarn", "-encoding", "UTF-8", "-cp", f"{JARS}/*", "-d", str(tmp_path), str(CHECKER)],
                   check=True, capture_output=True, timeout=120)
    done = subprocess.run(
        [java, "-cp", f"{tmp_path}:{JARS}/*", "OwlCheck", str(paths.INSTANCES_DIR / "paper-cases.ttl"),
         *(f"{iri}={path}" for iri, path in mappings.items())],
        capture_output=True, text=True, timeout=180,
    )
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    errors = [l for l in lines if l[0] == "ERROR"]
    assert not errors, errors
    ontologies = {l[1] for l in lines if l[0] == "ONTOLOGY"}
    assert {"https://w3id.org/regio/id/paper-cases", "https://w3id.org/regio"} <= ontologies
    problems = [l for l in lines if l[0] in ("UNPARSED", "VIOLATION")]
    assert not problems, problems[:10]
    assert ["SUMMARY", "0", "0"] in lines
