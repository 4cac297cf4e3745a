"""Where REGIO's files live.

The ontology, shapes, instance data and queries sit at the top of the source tree, beside
``service/``, because they are the project's real product and are edited, reviewed and opened in
Protégé as files.  The package is installed in editable mode by ``make``, so these paths resolve to
the checkout.  ``REGIO_HOME`` overrides the root (e.g. for a copy of the data elsewhere), and
``REGIO_PAPER`` the location of the paper's full text.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("REGIO_HOME", Path(__file__).resolve().parents[2]))

ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
INSTANCES_DIR = ROOT / "instances"
TEMPLATES_DIR = INSTANCES_DIR / "templates"
QUERIES_DIR = ROOT / "queries"

# The paper is shared beside the checkout (../shared/paper/); it is not part of the repository.
PAPER_DIR = Path(os.environ.get("REGIO_PAPER", ROOT.parent / "shared" / "paper"))
W3C_TESTS_DIR = ROOT.parent / "shared" / "w3c"


def paper_text() -> str:
    """Return the full text of the paper, or raise FileNotFoundError with a clear message."""
    files = sorted(PAPER_DIR.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"the paper's full text was not found in {PAPER_DIR}")
    return "\n".join(f.read_text(encoding="utf-8") for f in files)
