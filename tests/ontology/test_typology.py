"""Typology by reasoning: HermiT classifies individuals described only by their characteristics.

The paper's three kinds of regional innovation system, the two marks of industrial district and
the stages of integration of co-operation are defined classes in the ontology. Here small test
individuals (in an example namespace, not claims about real places) are described by integration
principle, innovation model, embeddedness, government intervention, and nothing else; HermiT must
put each in the right type, and not in the others. Descriptions that mix traits the paper says
exclude each other must make the data inconsistent, which ``regio reason`` reports with exit 1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from run_once import once

from regio import paths
from regio.cli import main
from regio.ontology import reasoning

REGIO = "https://w3id.org/regio#"
EX = "https://example.org/typology-test#"

PREFIXES = f"""@prefix regio: <{REGIO}> .
@prefix ex: <{EX}> .
"""

# individual -> (Turtle description, types HermiT must infer, types it must not infer)
RIS_TYPES = {
    "TerritoriallyEmbeddedRegionalInnovationNetwork",
    "NetworkedRegionalInnovationSystem",
    "RegionalisedNationalInnovationSystem",
}
CASES: dict[str, tuple[str, set[str], set[str]]] = {
    # bottom-up interactive, socially integrated, embedded in the local community
    "embeddedNetwork": (
        "ex:embeddedNetwork a regio:RegionalInnovationSystem ;"
        " regio:followsInnovationModel regio:interactiveModel ;"
        " regio:hasIntegrationPrinciple regio:socialIntegrationPrinciple ;"
        " regio:embeddedInLocalCommunity true .",
        {"TerritoriallyEmbeddedRegionalInnovationNetwork"},
        RIS_TYPES - {"TerritoriallyEmbeddedRegionalInnovationNetwork"},
    ),
    # system integration, bottom-up interactive model
    "networkedSystem": (
        "ex:networkedSystem a regio:RegionalInnovationSystem ;"
        " regio:followsInnovationModel regio:interactiveModel ;"
        " regio:hasIntegrationPrinciple regio:systemIntegrationPrinciple .",
        {"NetworkedRegionalInnovationSystem", "SystemIntegratedCooperation"},
        RIS_TYPES - {"NetworkedRegionalInnovationSystem"},
    ),
    # functionally integrated into a national system, linear model
    "regionalisedSystem": (
        "ex:nationalSystem a regio:NationalInnovationSystem ."
        " ex:regionalisedSystem a regio:RegionalInnovationSystem ;"
        " regio:integratedInto ex:nationalSystem ;"
        " regio:followsInnovationModel regio:linearModel .",
        {"RegionalisedNationalInnovationSystem"},
        RIS_TYPES - {"RegionalisedNationalInnovationSystem"},
    ),
    # the same type from the integration principle instead of integratedInto
    "regionalisedByPrinciple": (
        "ex:regionalisedByPrinciple a regio:RegionalInnovationSystem ;"
        " regio:hasIntegrationPrinciple regio:functionalIntegrationPrinciple ;"
        " regio:followsInnovationModel regio:linearModel .",
        {"RegionalisedNationalInnovationSystem"},
        RIS_TYPES - {"RegionalisedNationalInnovationSystem"},
    ),
    # socially integrated and interactive, but not said to be embedded: not (yet) an embedded network
    "embeddednessUnknown": (
        "ex:embeddednessUnknown a regio:RegionalInnovationSystem ;"
        " regio:followsInnovationModel regio:interactiveModel ;"
        " regio:hasIntegrationPrinciple regio:socialIntegrationPrinciple .",
        set(),
        set(RIS_TYPES),
    ),
    # open world: an interactive RIS with no integration principle stated is none of the three yet
    "underdescribed": (
        "ex:underdescribed a regio:RegionalInnovationSystem ;"
        " regio:followsInnovationModel regio:interactiveModel .",
        set(),
        set(RIS_TYPES),
    ),
    "markOne": (
        "ex:markOne a regio:IndustrialDistrict ; regio:hasLocalGovernmentIntervention false .",
        {"IndustrialDistrictMarkI", "TerritoriallyIntegratedCooperation"},
        {"IndustrialDistrictMarkII"},
    ),
    "markTwo": (
        "ex:markTwo a regio:IndustrialDistrict ; regio:hasLocalGovernmentIntervention true .",
        {"IndustrialDistrictMarkII"},
        {"IndustrialDistrictMarkI"},
    ),
    # stages of co-operation, described by integration principles only (no class asserted)
    "inputOutputCluster": (
        "ex:inputOutputCluster regio:hasIntegrationPrinciple regio:territorialIntegrationPrinciple .",
        {"TerritoriallyIntegratedCooperation", "InterOrganisationalCooperation"},
        {"Network", "SystemIntegratedCooperation", "DevelopmentCoalition"},
    ),
    "competenceNetwork": (
        "ex:competenceNetwork regio:hasIntegrationPrinciple regio:functionalIntegrationPrinciple .",
        {"Network"},
        {"TerritoriallyIntegratedCooperation", "SystemIntegratedCooperation", "DevelopmentCoalition"},
    ),
    "plannedSystem": (
        "ex:plannedSystem regio:hasIntegrationPrinciple regio:systemIntegrationPrinciple .",
        {"SystemIntegratedCooperation"},
        {"Network", "DevelopmentCoalition"},
    ),
    "coalition": (
        "ex:coalition regio:hasIntegrationPrinciple regio:territorialIntegrationPrinciple ,"
        " regio:functionalIntegrationPrinciple , regio:systemIntegrationPrinciple ,"
        " regio:socialIntegrationPrinciple .",
        {"DevelopmentCoalition", "Network", "SystemIntegratedCooperation", "TerritoriallyIntegratedCooperation"},
        set(),
    ),
    # three principles are not yet a development coalition
    "almostCoalition": (
        "ex:almostCoalition regio:hasIntegrationPrinciple regio:territorialIntegrationPrinciple ,"
        " regio:functionalIntegrationPrinciple , regio:systemIntegrationPrinciple .",
        {"Network", "SystemIntegratedCooperation"},
        {"DevelopmentCoalition"},
    ),
}

# Descriptions that mix traits the paper says exclude each other.
INCONSISTENT: dict[str, str] = {
    # embedded network traits + regionalised national system traits: the three types are disjoint
    "embedded-and-linear": (
        "ex:mixed a regio:RegionalInnovationSystem ;"
        " regio:followsInnovationModel regio:interactiveModel , regio:linearModel ;"
        " regio:hasIntegrationPrinciple regio:socialIntegrationPrinciple , regio:functionalIntegrationPrinciple ;"
        " regio:embeddedInLocalCommunity true ."
    ),
    # "networked regional innovation system cannot be embedded in the community"
    "networked-and-embedded": (
        "ex:mixed a regio:RegionalInnovationSystem ;"
        " regio:followsInnovationModel regio:interactiveModel ;"
        " regio:hasIntegrationPrinciple regio:systemIntegrationPrinciple ;"
        " regio:embeddedInLocalCommunity true ."
    ),
    # an industrial district both with and without local government intervention (Mark I and II)
    "mark-one-and-two": (
        "ex:mixed a regio:IndustrialDistrict ; regio:hasLocalGovernmentIntervention true , false ."
    ),
}


@pytest.fixture(scope="module")
def classified(java, tmp_path_factory) -> dict[str, set[str]]:
    """One ``regio reason --all-types`` run over all consistent test individuals.

    Returns individual local name -> the regio: types HermiT entails for it.
    """
    text = PREFIXES + "\n".join(turtle for turtle, _, _ in CASES.values())

    def run() -> tuple[int, str]:
        data = tmp_path_factory.mktemp("typology") / "cases.ttl"
        data.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["reason", "--all-types", str(data)])
        return result.exit_code, result.output

    inputs = [text, *sorted(paths.ONTOLOGY_DIR.glob("*.ttl")), Path(reasoning.__file__)]
    exit_code, output = once("typology", inputs, run)
    assert exit_code == 0, f"the consistent test descriptions were rejected: {output}"
    types: dict[str, set[str]] = {}
    for line in output.splitlines():
        subject, sep, names = line.partition("\t")
        if sep and subject.startswith("ex:"):
            types[subject.removeprefix("ex:")] = {
                n.strip().removeprefix("regio:") for n in names.split(",") if n.strip().startswith("regio:")
            }
    return types


@pytest.mark.java
@pytest.mark.parametrize("name", sorted(CASES))
def test_individual_is_classified_from_its_characteristics(classified, name):
    _, expected, excluded = CASES[name]
    types = classified[name]
    assert expected <= types, f"{name}: missing {sorted(expected - types)}; has {sorted(types)}"
    assert not (excluded & types), f"{name}: wrongly classified as {sorted(excluded & types)}"


def test_the_test_data_never_states_the_type_it_expects():
    """Otherwise the classification test would prove nothing."""
    for name, (turtle, expected, _) in CASES.items():
        stated = set(re.findall(r"\bregio:([A-Z]\w*)", turtle))
        assert not (expected & stated), f"{name} asserts {sorted(expected & stated)}"


@pytest.mark.java
@pytest.mark.parametrize("name", sorted(INCONSISTENT))
def test_mixed_description_is_reported_inconsistent(java, tmp_path, name):
    data = tmp_path / f"{name}.ttl"
    data.write_text(PREFIXES + INCONSISTENT[name], encoding="utf-8")
    result = CliRunner().invoke(main, ["reason", str(data)])
    assert result.exit_code == 1, result.output
    assert "INCONSISTENT" in result.output
    # the diagnosis names the offending individual
    assert EX + "mixed" in result.output, result.output


def test_reason_command_rejects_unreadable_input(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    for path in (bad, tmp_path / "missing.ttl"):
        result = CliRunner().invoke(main, ["reason", str(path)])
        assert result.exit_code == 2, result.output
        assert "Error:" in result.output and "Traceback" not in result.output
