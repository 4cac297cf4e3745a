"""Synthetic, ontology-conformant region data for benchmarks and scale tests.

The benchmarks (``bench/sparql``, ``bench/inference``, ``bench/validate``) need a dataset of about a
million triples that *looks like* REGIO data — regions, clusters, firms, innovation systems with the
characteristics that drive the typology, inter-firm links and evidence — without being about any
real place.  Everything here is therefore minted in the clearly synthetic namespace
``https://example.org/synthetic/``, every label starts with "synthetic", country codes come from
the ISO 3166 *user-assigned* ranges (``XA``–``XZ``, ``QM``–``QZ``) that no real country has, and the
evidence nodes quote a generated sentence from a synthetic, explicitly fictitious corpus.  Only the
REGIO vocabulary (``https://w3id.org/regio#``) and the NACE classification codes are real.

The output is deterministic for a given ``(n_triples, seed)``: the same call writes the same bytes.
The triple count is reached by adding whole clusters (with their firms, links and evidence) until
the target is met, so the file holds ``n_triples`` give or take one cluster, and every entity in it
is complete.

Usage::

    python bench/synthetic.py --triples 1000000 -o out.nt [--seed 0]

or, from Python, ``generate(1_000_000, "out.nt", seed=0)`` (returns the number of triples written)
and ``iter_triples(n, seed)`` (yields N-Triples lines without a file).
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
from pathlib import Path
from typing import Iterator, TextIO

SYN = "https://example.org/synthetic/"
REGIO = "https://w3id.org/regio#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
DCT_TITLE = "<http://purl.org/dc/terms/title>"
BIBO_DOCUMENT = "<http://purl.org/ontology/bibo/Document>"
XSD = "http://www.w3.org/2001/XMLSchema#"
NACE = "http://data.europa.eu/ux2/nace2/"

#: ISO 3166-1 alpha-2 codes reserved for user assignment: no real country will ever have them.
USER_ASSIGNED_CODES = [f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + [f"Q{c}" for c in "MNOPQRSTUVWXYZ"]

#: (NACE Rev. 2 division, knowledge base) for the synthetic industries; the codes are a real
#: classification, the industries using them are not real.
INDUSTRIES = [
    ("10", "syntheticKnowledgeBaseValue"), ("13", "syntheticKnowledgeBaseValue"),
    ("14", "syntheticKnowledgeBaseValue"), ("15", "syntheticKnowledgeBaseValue"),
    ("16", "syntheticKnowledgeBaseValue"), ("20", "analyticalKnowledgeBaseValue"),
    ("21", "analyticalKnowledgeBaseValue"), ("22", "syntheticKnowledgeBaseValue"),
    ("25", "syntheticKnowledgeBaseValue"), ("26", "analyticalKnowledgeBaseValue"),
    ("27", "syntheticKnowledgeBaseValue"), ("28", "syntheticKnowledgeBaseValue"),
    ("29", "syntheticKnowledgeBaseValue"), ("30", "syntheticKnowledgeBaseValue"),
    ("31", "syntheticKnowledgeBaseValue"), ("32", "syntheticKnowledgeBaseValue"),
    ("62", "analyticalKnowledgeBaseValue"), ("72", "analyticalKnowledgeBaseValue"),
    ("03", "analyticalKnowledgeBaseValue"), ("50", "syntheticKnowledgeBaseValue"),
]

#: The three mutually exclusive regional innovation system profiles (CONCEPTS.md §5): model,
#: integration principle, embedded in the local community, integrated into a national system.
RIS_PROFILES = {
    "territoriallyEmbedded": ("interactiveModel", "socialIntegrationPrinciple", True, False),
    "networked": ("interactiveModel", "systemIntegrationPrinciple", False, False),
    "regionalisedNational": ("linearModel", "functionalIntegrationPrinciple", False, True),
}

#: Firm types and weights (most specific class only: the rest is for inference to derive).
FIRM_TYPES = [("HighTechSME", 18), ("TraditionalSME", 52), ("SME", 12), ("LargeFirm", 13),
              ("TransnationalCorporation", 5)]


def _iri(local: str) -> str:
    return f"<{SYN}{local}>"


def _r(local: str) -> str:
    return f"<{REGIO}{local}>"


def _label(text: str) -> str:
    return f'"{text}"@en'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _str(value: str) -> str:
    return f'"{value}"'


def _true_false(value: bool) -> str:
    return _typed("true" if value else "false", "boolean")


class _Writer:
    """Counts triples as it formats them as N-Triples lines."""

    def __init__(self) -> None:
        self.count = 0
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")
        self.count += 1

    def flush(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


def _scale(n_triples: int) -> tuple[int, int]:
    """Number of countries and subdivisions for a target size (about 1 subdivision per 1k triples)."""
    n_sub = max(3, min(5000, n_triples // 1000))
    n_countries = max(1, min(len(USER_ASSIGNED_CODES), -(-n_sub // 25)))
    return n_countries, n_sub


def iter_triples(n_triples: int, seed: int = 0) -> Iterator[str]:
    """Yield N-Triples lines (with newline) for about ``n_triples`` triples of synthetic data."""
    if n_triples < 1:
        raise ValueError("n_triples must be a positive number")
    rng = random.Random(seed)
    w = _Writer()
    t = RDF_TYPE

    # The fictitious corpus every evidence node quotes from.
    corpus = _iri("work/synthetic-corpus")
    w.add(corpus, t, BIBO_DOCUMENT)
    w.add(corpus, DCT_TITLE, _label("synthetic corpus of generated statements (not a real publication)"))
    w.add(corpus, RDFS_LABEL, _label("synthetic corpus (generated for benchmarks)"))
    evidence_no = 0

    def evidence(subject: str, about: str) -> str:
        nonlocal evidence_no
        evidence_no += 1
        ev = _iri(f"evidence/{evidence_no:07d}")
        w.add(subject, _r("hasEvidence"), ev)
        w.add(ev, t, _r("Evidence"))
        w.add(ev, _r("quote"), _str(f"synthetic statement {evidence_no} about {about}; generated, not a fact"))
        w.add(ev, _r("inWork"), corpus)
        return ev

    # Industries.
    industries = []
    for i, (nace, kb) in enumerate(INDUSTRIES, 1):
        ind = _iri(f"industry/{i:02d}")
        industries.append(ind)
        w.add(ind, t, _r("Industry"))
        w.add(ind, RDFS_LABEL, _label(f"synthetic industry {i:02d}"))
        w.add(ind, _r("naceActivity"), f"<{NACE}{nace}>")
        w.add(ind, _r("hasKnowledgeBase"), _r(kb))
        evidence(ind, f"the knowledge base of industry {i:02d}")

    # Countries, their national innovation systems, and subdivisions.
    n_countries, n_sub = _scale(n_triples)
    countries: list[tuple[str, str, str]] = []  # (iri, code, national innovation system)
    for code in USER_ASSIGNED_CODES[:n_countries]:
        c = _iri(f"region/{code}")
        nis = _iri(f"innovation-system/{code}")
        countries.append((c, code, nis))
        w.add(c, t, _r("Country"))
        w.add(c, RDFS_LABEL, _label(f"synthetic country {code}"))
        w.add(c, _r("iso3166Code"), _str(code))
        w.add(nis, t, _r("NationalInnovationSystem"))
        w.add(nis, RDFS_LABEL, _label(f"synthetic national innovation system {code}"))
        w.add(nis, _r("coversRegion"), c)
        w.add(nis, _r("locatedIn"), c)
        evidence(nis, f"the national innovation system {code}")
    yield from w.flush()

    subdivisions: list[tuple[str, str, str]] = []  # (iri, code, country iri)
    profiles = list(RIS_PROFILES)
    actor_no = 0
    for i in range(n_sub):
        c, ccode, nis = countries[i % n_countries]
        code = f"{ccode}-{i // n_countries + 1:03d}"
        s = _iri(f"region/{code}")
        subdivisions.append((s, code, c))
        w.add(s, t, _r("Subdivision"))
        w.add(s, RDFS_LABEL, _label(f"synthetic subdivision {code}"))
        w.add(s, _r("iso3166Code"), _str(code))
        w.add(s, _r("subdivisionType"), _str(rng.choice(["Region", "County", "Province"])))
        w.add(s, _r("isPartOf"), c)
        w.add(s, _r("inCountry"), c)

        # One regional innovation system per subdivision, with one of the three profiles.
        kind = profiles[rng.randrange(3)]
        model, principle, embedded, integrated = RIS_PROFILES[kind]
        ris = _iri(f"innovation-system/{code}")
        w.add(ris, t, _r("RegionalInnovationSystem"))
        w.add(ris, RDFS_LABEL, _label(f"synthetic regional innovation system {code}"))
        w.add(ris, _r("coversRegion"), s)
        w.add(ris, _r("locatedIn"), s)
        w.add(ris, _r("followsInnovationModel"), _r(model))
        w.add(ris, _r("hasIntegrationPrinciple"), _r(principle))
        w.add(ris, _r("embeddedInLocalCommunity"), _true_false(embedded))
        if integrated:
            w.add(ris, _r("integratedInto"), nis)
        evidence(ris, f"the regional innovation system {code}")
        roles = ["University", "ResearchInstitute", "TechnologyTransferAgency"]
        if kind == "regionalisedNational":
            roles.append(rng.choice(["SciencePark", "Technopolis"]))
        elif kind == "networked":
            roles.append("RegionalGovernance")
        for role in roles:
            actor_no += 1
            a = _iri(f"actor/{actor_no:06d}")
            w.add(a, t, _r(role))
            w.add(a, RDFS_LABEL, _label(f"synthetic actor {actor_no:06d}"))
            w.add(a, _r("locatedIn"), s)
            w.add(ris, _r("hasMember"), a)
        yield from w.flush()

    # Clusters with their firms, inter-firm links and evidence, until the target is reached.
    cluster_no = firm_no = link_no = 0
    regional_by_country: dict[str, list[str]] = {}
    while w.count < n_triples:
        cluster_no += 1
        cl = _iri(f"cluster/{cluster_no:05d}")
        roll = rng.random()
        industry = rng.choice(industries)
        if roll < 0.08 and regional_by_country:
            # A national economic cluster made up in part of that country's regional clusters.
            c = rng.choice(sorted(regional_by_country))
            parts = regional_by_country[c]
            w.add(cl, t, _r("NationalEconomicCluster"))
            w.add(cl, RDFS_LABEL, _label(f"synthetic national cluster {cluster_no:05d}"))
            w.add(cl, _r("locatedIn"), c)
            w.add(cl, _r("inIndustry"), industry)
            for part in rng.sample(parts, min(len(parts), rng.randint(2, 5))):
                w.add(cl, _r("comprisesCluster"), part)
            evidence(cl, f"the national cluster {cluster_no:05d}")
            yield from w.flush()
            continue

        region, rcode, country = rng.choice(subdivisions)
        district = roll < 0.35
        w.add(cl, t, _r("IndustrialDistrict" if district else "RegionalCluster"))
        w.add(cl, RDFS_LABEL, _label(f"synthetic cluster {cluster_no:05d}"))
        w.add(cl, _r("locatedIn"), region)
        w.add(cl, _r("inIndustry"), industry)
        w.add(cl, _r("hasIntegrationPrinciple"), _r("territorialIntegrationPrinciple"))
        if district:
            w.add(cl, _r("hasLocalGovernmentIntervention"), _true_false(rng.random() < 0.5))
            w.add(cl, _r("followsInnovationModel"), _r("interactiveModel"))
        regional_by_country.setdefault(country, []).append(cl)
        cluster_evidence = evidence(cl, f"the cluster {cluster_no:05d}")

        n_firms = rng.randint(20, 280)
        members = []
        total_employment = 0
        for _ in range(n_firms):
            firm_no += 1
            f = _iri(f"firm/{firm_no:07d}")
            members.append(f)
            if district:
                w.add(f, t, _r("TraditionalSME"))
                w.add(f, t, _r("FinalMarketFirm" if rng.random() < 0.3 else "StageFirm"))
                employment = rng.randint(1, 249)
            else:
                kind = rng.choices([k for k, _ in FIRM_TYPES], [wt for _, wt in FIRM_TYPES])[0]
                w.add(f, t, _r(kind))
                employment = (rng.randint(250, 20000) if kind in ("LargeFirm", "TransnationalCorporation")
                              else rng.randint(1, 249))
            total_employment += employment
            w.add(f, RDFS_LABEL, _label(f"synthetic firm {firm_no:07d}"))
            w.add(f, _r("locatedIn"), region)
            w.add(f, _r("inIndustry"), industry if rng.random() < 0.9 else rng.choice(industries))
            w.add(f, _r("employment"), _typed(employment, "nonNegativeInteger"))
            w.add(cl, _r("hasMember"), f)
        w.add(cl, _r("numberOfFirms"), _typed(n_firms, "nonNegativeInteger"))
        w.add(cl, _r("employment"), _typed(total_employment, "nonNegativeInteger"))

        for _ in range(n_firms // 10):
            link_no += 1
            ln = _iri(f"link/{link_no:06d}")
            a, b = rng.sample(members, 2)
            w.add(ln, t, _r(rng.choice(["VerticalLink", "LateralLink", "DiagonalLink"])))
            w.add(ln, _r("linksFrom"), a)
            w.add(ln, _r("linksTo"), b)
            w.add(ln, _r("hasEvidence"), cluster_evidence)  # the cluster's source reports its links too
        yield from w.flush()


def _open(path: str | Path) -> TextIO:
    if str(path) == "-":
        return sys.stdout
    if str(path).endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8", newline="\n")
    return open(path, "w", encoding="utf-8", newline="\n")


def generate(n_triples: int, path: str | Path, seed: int = 0) -> int:
    """Write about ``n_triples`` synthetic triples as N-Triples to ``path``; return the count.

    ``path`` may end in ``.gz`` (gzip) or be ``-`` (standard output).
    """
    count = 0
    out = _open(path)
    try:
        buffer: list[str] = []
        for line in iter_triples(n_triples, seed):
            buffer.append(line)
            if len(buffer) >= 50_000:
                out.writelines(buffer)
                count += len(buffer)
                buffer.clear()
        out.writelines(buffer)
        count += len(buffer)
    finally:
        if out is not sys.stdout:
            out.close()
    return count


def load_graph(n_triples: int, seed: int = 0):
    """Return the synthetic data as an rdflib Graph (for small sizes: tests, validation)."""
    import rdflib

    g = rdflib.Graph()
    g.parse(data="".join(iter_triples(n_triples, seed)), format="nt")
    return g


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", "-n", type=int, default=1_000_000, help="target number of triples")
    parser.add_argument("--output", "-o", default="-", help="output file (.nt or .nt.gz; - for stdout)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same output)")
    args = parser.parse_args(argv)
    if args.triples < 1:
        parser.error("--triples must be a positive number")
    try:
        count = generate(args.triples, args.output, args.seed)
    except OSError as exc:
        print(f"synthetic.py: cannot write {args.output}: {exc}", file=sys.stderr)
        return 1
    if args.output != "-":
        print(f"wrote {count} triples to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
