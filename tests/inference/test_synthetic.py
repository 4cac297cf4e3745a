"""bench/synthetic.py: deterministic, clearly synthetic, and conformant to the shapes."""

from __future__ import annotations

import sys

import rdflib

from regio import paths

sys.path.insert(0, str(paths.ROOT / "bench"))
import synthetic  # noqa: E402


def test_deterministic_and_sized(tmp_path):
    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    n = synthetic.generate(5000, a, seed=7)
    synthetic.generate(5000, b, seed=7)
    assert a.read_bytes() == b.read_bytes()
    assert 5000 <= n < 5000 + 2000  # whole clusters are added until the target is met
    assert synthetic.generate(5000, tmp_path / "c.nt", seed=8) and (tmp_path / "c.nt").read_bytes() != a.read_bytes()


def test_only_synthetic_subjects_and_labels():
    g = synthetic.load_graph(3000, seed=2)
    for s in set(g.subjects()):
        assert str(s).startswith(synthetic.SYN), s
    labels = [str(o) for o in g.objects(None, rdflib.RDFS.label)]
    assert labels and all(label.startswith("synthetic") for label in labels)
    codes = {str(o) for o in g.objects(None, rdflib.URIRef("https://w3id.org/regio#iso3166Code"))}
    assert all(code[:2] in synthetic.USER_ASSIGNED_CODES for code in codes)


def test_conforms_to_the_shapes():
    from regio.validation import validate

    report = validate(synthetic.load_graph(2500, seed=4))
    assert report.conforms, report.to_text()[:2000]


def test_cli_rejects_bad_size(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        synthetic.main(["--triples", "0"])
    assert exc.value.code != 0
    assert "positive" in capsys.readouterr().err
