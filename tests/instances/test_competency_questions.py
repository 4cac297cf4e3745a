"""Each competency question in queries/ answers what the shipped data means.

The expected answers are written from what the paper says (see instances/paper-cases.ttl and the
paper), not copied from a run: e.g. the paper gives four places with networked regional innovation
systems (Emilia-Romagna's later-stage districts; regions in Germany, Austria and the Nordic
countries), one territorially embedded network (the Third Italy's Mark I districts) and two kinds
of regionalised national system (science parks, technopolises).  ISO codes are looked up in
pycountry by name, never typed.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pycountry
import pytest

from regio import paths

from .conftest import REGIO, RID, select

QUERIES = sorted(paths.QUERIES_DIR.glob("*.rq"))
EV = str(RID) + "evidence/"


def rid(name: str) -> str:
    return str(RID) + name


def regio(name: str) -> str:
    return str(REGIO) + name


def iso_code(name: str) -> str:
    """The ISO 3166 code pycountry gives a country or subdivision of this name."""
    for country in pycountry.countries:
        if country.name == name:
            return country.alpha_2
    matches = [s.code for s in pycountry.subdivisions if s.name == name]
    assert len(matches) == 1, f"{name!r} is not one ISO 3166 region: {matches}"
    return matches[0]


NETWORKED = {"emilia-romagna-networked-ris", "germany-networked-ris", "austria-networked-ris", "nordic-networked-ris"}


def run(store, stem: str) -> list[dict]:
    return select(store, (paths.QUERIES_DIR / f"{stem}.rq").read_text(encoding="utf-8"))


def test_there_are_at_least_fifteen_questions():
    assert len(QUERIES) >= 15


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_each_query_states_its_question_and_parses(path, default_store):
    text = path.read_text(encoding="utf-8")
    first = text.lstrip().splitlines()[0]
    assert first.startswith("# ") and "?" in text.split("PREFIX")[0], f"{path.name}: no question on top"
    select(default_store, text)  # parses and runs


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_each_query_is_listed_in_the_index(path):
    index = (paths.QUERIES_DIR / "README.md").read_text(encoding="utf-8")
    assert path.name in index


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_each_query_has_an_expected_answer(path):
    assert path.stem in EXPECTATIONS, f"no expected answer for {path.name}"


def cq01(rows):
    assert {(r["region"], r["system"]) for r in rows} == {
        (rid("emilia-romagna"), rid("emilia-romagna-networked-ris")),
        (rid("germany"), rid("germany-networked-ris")),
        (rid("austria"), rid("austria-networked-ris")),
        (rid("nordic-countries"), rid("nordic-networked-ris")),
    }
    # the paper names no particular actor of these systems
    assert all(not r["actors"] for r in rows)


def cq02(rows):
    assert {(r["district"], r["region"]) for r in rows} == {
        (rid("emilia-romagna-industrial-districts"), rid("emilia-romagna"))
    }


def cq03(rows):
    assert {(r["district"], r["region"]) for r in rows} == {
        (rid("third-italy-industrial-districts"), rid("third-italy"))
    }


def cq04(rows):
    forms = {r["form"] for r in rows}
    # the paper: "sticky", disembodied knowledge is highly immobile; some codified knowledge (in
    # local codes) is a product of localised rather than placeless learning; embodied knowledge
    # and universally codified knowledge travel
    assert forms == {regio("DisembodiedKnowledge"), regio("LocallyCodifiedKnowledge")}
    assert all(r["quote"] for r in rows)


def cq05(rows):
    found = defaultdict(set)
    for r in rows:
        found[r["case"]].add(r["reference"])
    assert dict(found) == {
        rid("third-italy-industrial-districts"): {regio("PioreSabel1984"), regio("Brusco1990")},
        rid("third-italy-embedded-innovation-network"): {regio("PioreSabel1984"), regio("Granovetter1985")},
        rid("emilia-romagna"): {regio("AsheimCooke1999")},
        rid("emilia-romagna-industrial-districts"): {regio("AsheimCooke1999"), regio("Brusco1990")},
        rid("emilia-romagna-networked-ris"): {regio("AsheimCooke1999"), regio("Granovetter1985")},
        rid("germany"): {regio("AsheimCooke1999")},
        rid("austria"): {regio("AsheimCooke1999")},
        rid("nordic-countries"): {regio("AsheimCooke1999")},
        rid("germany-networked-ris"): {regio("AsheimCooke1999"), regio("Granovetter1985")},
        rid("austria-networked-ris"): {regio("AsheimCooke1999"), regio("Granovetter1985")},
        rid("nordic-networked-ris"): {regio("AsheimCooke1999"), regio("Granovetter1985")},
        rid("norway"): {regio("Reve1992")},
        rid("shipping"): {regio("Reve1992")},
        rid("norwegian-shipping-cluster"): {regio("Reve1992")},
        rid("norwegian-shipping-geographical-clusters"): {regio("Reve1992")},
        rid("jaeren"): {regio("Asheim1999")},
        rid("tesa-firms-jaeren"): {regio("Asheim1999")},
    }
    assert all(r["referenceTitle"] for r in rows), "every cited reference has a title"


def cq06(rows):
    italy = pycountry.subdivisions.get(code=iso_code("Emilia-Romagna")).country_code
    assert {(r["case"], r["isoCode"], r["countryCode"]) for r in rows} == {
        (rid("emilia-romagna-industrial-districts"), iso_code("Emilia-Romagna"), italy),
        (rid("emilia-romagna-networked-ris"), iso_code("Emilia-Romagna"), italy),
        (rid("norwegian-shipping-cluster"), iso_code("Norway"), iso_code("Norway")),
        (rid("norwegian-shipping-geographical-clusters"), iso_code("Norway"), iso_code("Norway")),
        (rid("germany-networked-ris"), iso_code("Germany"), iso_code("Germany")),
        (rid("austria-networked-ris"), iso_code("Austria"), iso_code("Austria")),
    }


def cq07(rows):
    assert {(r["nationalCluster"], r["part"], r["industryLabel"]) for r in rows} == {
        (rid("norwegian-shipping-cluster"), rid("norwegian-shipping-geographical-clusters"), "shipping")
    }


def cq08(rows):
    by_system = {r["system"]: r for r in rows}
    assert set(by_system) == NETWORKED_IRIS | {rid("third-italy-embedded-innovation-network")}
    embedded = by_system[rid("third-italy-embedded-innovation-network")]
    assert embedded["embedded"] == "true" and "social" in embedded["principles"]
    for system in NETWORKED_IRIS:
        assert by_system[system]["embedded"] == "false"
        assert "system" in by_system[system]["principles"]
        assert "social" not in by_system[system]["principles"]


NETWORKED_IRIS = {rid(n) for n in NETWORKED}


def cq09(rows):
    assert {(r["system"], r["type"]) for r in rows} == {
        (rid("science-parks"), regio("RegionalisedNationalInnovationSystem")),
        (rid("technopolises"), regio("RegionalisedNationalInnovationSystem")),
    }


def cq10(rows):
    assert {r["about"] for r in rows} == {
        rid("emilia-romagna"),
        rid("emilia-romagna-industrial-districts"),
        rid("emilia-romagna-networked-ris"),
    }
    assert any("Mark II in Emilia-Romagna" in r["quote"] for r in rows)
    assert regio("AsheimCooke1999") in {r["reference"] for r in rows}


def cq11(rows):
    by_industry = {r["industry"]: r for r in rows}
    assert set(by_industry) == {
        rid("fish-farming"), rid("furniture-manufacturing"), rid("pharmacy"),
        rid("defence-industry"), rid("shipping"),
    }
    # fish farming: "the knowledge base of the production to a large extent is R&D-based"
    assert "R&D" in by_industry[rid("fish-farming")]["knowledgeForms"]
    assert "salmon" in by_industry[rid("fish-farming")]["quote"]
    assert "design" in by_industry[rid("furniture-manufacturing")]["quote"]
    assert not by_industry[rid("pharmacy")]["knowledgeForms"]


def cq12(rows):
    found = defaultdict(set)
    for r in rows:
        found[r["principle"]].add(r["case"])
    assert dict(found) == {
        # stated, or entailed: regional clusters (and so industrial districts) and both kinds of
        # territorially based innovation system are territorially integrated
        regio("territorialIntegrationPrinciple"): {
            rid("third-italy-industrial-districts"), rid("emilia-romagna-industrial-districts"),
            rid("norwegian-shipping-geographical-clusters"), rid("tesa-firms-jaeren"),
            rid("third-italy-embedded-innovation-network"), *NETWORKED_IRIS
        },
        regio("functionalIntegrationPrinciple"): {rid("science-parks"), rid("technopolises")},
        regio("systemIntegrationPrinciple"): NETWORKED_IRIS,
        regio("socialIntegrationPrinciple"): {rid("third-italy-embedded-innovation-network")},
    }


def cq13(rows):
    iso = "https://w3id.org/regio/id/iso3166/"
    expected = {
        (s.code, s.name, s.type, iso + (s.parent_code or s.country_code))
        for s in pycountry.subdivisions.get(country_code=iso_code("Norway"))
    }
    assert {(r["code"], r["name"], r["type"], r["parent"]) for r in rows} == expected
    assert len(rows) == len(expected)


def cq14(rows):
    assert {r["region"] for r in rows} == {rid("third-italy"), rid("nordic-countries"), rid("jaeren")}


def cq15(rows):
    assert {r["type"]: int(r["cases"]) for r in rows} == {
        regio("RegionalisedNationalInnovationSystem"): 2,
        regio("NetworkedRegionalInnovationSystem"): 4,
        regio("TerritoriallyEmbeddedRegionalInnovationNetwork"): 1,
    }


def cq16(rows):
    assert {r["evidence"] for r in rows} == {
        EV + name
        for name in (
            "third-italy-sme-clusters", "mark-i-territorial-integration", "mark-i-typical-example",
            "networked-ris-characteristics", "networked-ris-actors", "rnis-examples",
            "fish-farming", "furniture-design", "rd-intensive-branches",
        )
    }


def cq17(rows):
    assert {(r["region"], r["embedded"]) for r in rows} == {
        (rid("third-italy"), "true"),
        (rid("emilia-romagna"), "false"),
        (rid("germany"), "false"),
        (rid("austria"), "false"),
        (rid("nordic-countries"), "false"),
    }


def cq18(rows):
    assert rows == []


def cq19(rows):
    found = defaultdict(set)
    for r in rows:
        found[r["type"]].add((r["characteristic"], r["value"]))
    # the paper: RNIS — functionally integrated, top-down linear model; networked RIS — system
    # integration, bottom-up interactive model, not embedded; embedded network — social
    # integration, interactive learning, embedded in the community
    assert (regio("followsInnovationModel"), regio("linearModel")) in found[regio("RegionalisedNationalInnovationSystem")]
    assert (regio("followsInnovationModel"), regio("interactiveModel")) in found[regio("NetworkedRegionalInnovationSystem")]
    assert (regio("followsInnovationModel"), regio("interactiveModel")) in found[regio("TerritoriallyEmbeddedRegionalInnovationNetwork")]
    assert (regio("hasIntegrationPrinciple"), regio("functionalIntegrationPrinciple")) in found[regio("RegionalisedNationalInnovationSystem")]
    assert (regio("hasIntegrationPrinciple"), regio("systemIntegrationPrinciple")) in found[regio("NetworkedRegionalInnovationSystem")]
    assert (regio("hasIntegrationPrinciple"), regio("socialIntegrationPrinciple")) in found[regio("TerritoriallyEmbeddedRegionalInnovationNetwork")]


EXPECTATIONS = {
    name: check
    for name, check in globals().items()
    if re.fullmatch(r"cq\d\d", name)
}
EXPECTATIONS = {
    path.stem: EXPECTATIONS[path.stem[:4]] for path in QUERIES if path.stem[:4] in EXPECTATIONS
}


@pytest.mark.parametrize("stem", sorted(EXPECTATIONS))
def test_expected_answer(stem, default_store):
    EXPECTATIONS[stem](run(default_store, stem))
