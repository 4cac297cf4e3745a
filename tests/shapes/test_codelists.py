"""The ISO 3166 code lists in shapes/ are generated from pycountry and up to date."""

from __future__ import annotations

import re

import pycountry
import rdflib

from regio.validation import codelists


def test_generated_file_is_up_to_date():
    assert codelists.CODES_FILE.read_text(encoding="utf-8") == codelists.render(), (
        "shapes/iso3166-codes.ttl is stale: run python -m regio.validation.codelists"
    )


def _patterns() -> dict[str, re.Pattern]:
    g = rdflib.Graph().parse(codelists.CODES_FILE)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return {str(s).rsplit("#", 1)[1]: re.compile(str(o)) for s, o in g.subject_objects(sh.pattern)}


def test_patterns_accept_every_pycountry_code_and_nothing_else():
    patterns = _patterns()
    country = patterns["CountryShape-iso3166CodeInList"]
    subdivision = patterns["SubdivisionShape-iso3166CodeInList"]
    assert all(country.search(c.alpha_2) for c in pycountry.countries)
    assert all(subdivision.search(s.code) for s in pycountry.subdivisions)
    assert country.search("XA") and subdivision.search("XA-001")  # user-assigned, never a real country
    for bad in ("ZY", "NOR", "no", "", "IT-45"):
        assert not country.search(bad), bad
    for bad in ("IT-99", "NO", "NO-11x", "it-45", "ZY-01"):
        assert not subdivision.search(bad), bad
