"""The OWL API (Debian's libowlapi-java, the library Protégé is built on) loads the ontology.

Both renderings of the core (Turtle source and generated RDF/XML), with their imports resolved to
the local files through Protégé's catalog, must parse with no unparsed triple (a triple the OWL API
cannot turn into an axiom is silently lost in Protégé) and lie in the OWL 2 DL profile. The modules
are checked on their own too. A tiny Java checker (tests/ontology/java/OwlCheck.java) is compiled
at test time; it prints one tab-separated line per finding.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from regio import paths
from regio.ontology.reasoning import catalog_mappings

from conftest import require_tool
from run_once import once

JAVA_DIR = Path(__file__).parent / "java"
#: Debian installs the OWL API and everything it depends on (Guava, RDF4J, Caffeine, …) here.
DEBIAN_JARS = Path("/usr/share/java")
CLASSPATH_JARS = f"{DEBIAN_JARS}/*"

CORE_IRI = "https://w3id.org/regio"
MODULE_IRIS = {"https://w3id.org/regio/references", "https://w3id.org/regio/alignment"}


@dataclass
class Report:
    """What the checker said about one root file (and its imports closure)."""

    ontologies: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # iri -> format, axioms, unparsed
    unparsed: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    error: str | None = None
    summary: tuple[int, int] | None = None


def parse_output(text: str) -> dict[str, Report]:
    reports: dict[str, Report] = {}
    current: Report | None = None
    for line in text.splitlines():
        kind, _, rest = line.partition("\t")
        fields = rest.split("\t")
        if kind == "FILE":
            current = reports.setdefault(rest, Report())
        elif current is None:
            continue  # logging noise before the first file
        elif kind == "ONTOLOGY":
            current.ontologies[fields[0]] = (fields[1], int(fields[2]), int(fields[3]))
        elif kind == "UNPARSED":
            current.unparsed.append(rest)
        elif kind == "VIOLATION":
            current.violations.append(rest)
        elif kind == "ERROR":
            current.error = rest
        elif kind == "SUMMARY":
            current.summary = (int(fields[0]), int(fields[1]))
    return reports


@pytest.fixture(scope="module")
def owlcheck(java, tmp_path_factory):
    """A function that runs the checker on files and returns its raw output.

    The checker is compiled on first use (a worker that only reads a shared result never does).
    """
    javac = shutil.which("javac")
    require_tool(javac is not None, "javac is not installed (apt-get install default-jdk-headless)")
    require_tool(
        (DEBIAN_JARS / "owlapi-distribution.jar").exists(),
        "the OWL API is not installed (apt-get install libowlapi-java)",
    )
    mappings = [f"{iri}={path}" for iri, path in catalog_mappings().items()]
    classes: list[Path] = []

    def run(*files: Path) -> str:
        if not classes:
            target = tmp_path_factory.mktemp("owlcheck")
            subprocess.run(
                [javac, "-nowarn", "-encoding", "UTF-8", "-cp", CLASSPATH_JARS, "-d", str(target),
                 str(JAVA_DIR / "OwlCheck.java")],
                check=True,
                capture_output=True,
                timeout=120,
            )
            classes.append(target)
        done = subprocess.run(
            [java, "-cp", f"{classes[0]}:{CLASSPATH_JARS}", "OwlCheck", *map(str, files), *mappings],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    return run


@pytest.fixture(scope="module")
def ontology_reports(owlcheck) -> dict[str, Report]:
    """One JVM run over the core (both renderings) and every module file, shared by workers."""
    files = [paths.ONTOLOGY_DIR / "regio.ttl", paths.ONTOLOGY_DIR / "regio.owl"]
    files += sorted(p for p in paths.ONTOLOGY_DIR.glob("*.ttl") if p.name != "regio.ttl")
    files += sorted(p for p in paths.ONTOLOGY_DIR.glob("*.owl") if p.name != "regio.owl")
    inputs = [*files, paths.ONTOLOGY_DIR / "catalog-v001.xml", JAVA_DIR / "OwlCheck.java", "\n".join(map(str, files))]
    return parse_output(once("owlapi", inputs, lambda: owlcheck(*files)))


@pytest.mark.java
@pytest.mark.parametrize("name", ["regio.ttl", "regio.owl"])
def test_core_loads_with_its_imports_fully_parsed_and_in_owl2_dl(ontology_reports, name):
    report = ontology_reports[str(paths.ONTOLOGY_DIR / name)]
    assert report.error is None, report.error
    assert set(report.ontologies) == {CORE_IRI} | MODULE_IRIS, "imports closure is not core + both modules"
    assert report.unparsed == [], f"{len(report.unparsed)} unparsed triples, e.g. {report.unparsed[:5]}"
    assert report.violations == [], f"{len(report.violations)} OWL 2 DL violations, e.g. {report.violations[:10]}"
    assert report.summary == (0, 0)
    # the core really was read as this file's syntax, and is substantial
    fmt, axioms, _ = report.ontologies[CORE_IRI]
    assert ("Turtle" in fmt) == name.endswith(".ttl"), fmt
    assert axioms > 1000


@pytest.mark.java
def test_both_renderings_give_the_same_axiom_count(ontology_reports):
    ttl = ontology_reports[str(paths.ONTOLOGY_DIR / "regio.ttl")].ontologies[CORE_IRI][1]
    owl = ontology_reports[str(paths.ONTOLOGY_DIR / "regio.owl")].ontologies[CORE_IRI][1]
    assert ttl == owl


@pytest.mark.java
def test_every_module_file_loads_on_its_own(ontology_reports):
    modules = {k: v for k, v in ontology_reports.items() if Path(k).name not in ("regio.ttl", "regio.owl")}
    assert len(modules) >= 4, sorted(modules)  # references + alignment, .ttl and .owl
    for name, report in modules.items():
        assert report.error is None, f"{name}: {report.error}"
        assert report.summary == (0, 0), f"{name}: unparsed {report.unparsed[:3]}, violations {report.violations[:5]}"


@pytest.mark.java
def test_the_checker_reports_what_it_should(owlcheck, tmp_path):
    """Negative control: an undeclared class and triples the parser cannot use are all caught."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        """@prefix : <https://example.org/bad#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/bad> a owl:Ontology .
:A a owl:Class ; rdfs:subClassOf :Undeclared .
_:dangling owl:hasValue :A .
:A owl:notAnOwlTerm :A .
""",
        encoding="utf-8",
    )
    missing = tmp_path / "missing-import.ttl"
    missing.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/m> a owl:Ontology ; owl:imports <https://example.org/not-mapped> .\n",
        encoding="utf-8",
    )
    reports = parse_output(owlcheck(bad, missing))
    report = reports[str(bad)]
    assert any("undeclared class" in v for v in report.violations), report.violations
    assert len(report.unparsed) == 2, f"stray triples not reported as unparsed: {report.unparsed}"
    assert reports[str(missing)].error, "an unresolvable import must fail the load, not be fetched or ignored"
