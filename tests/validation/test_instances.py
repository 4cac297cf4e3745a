"""The instance data in instances/ validates clean: no violation and no warning.

Parametrised over the files present, so it has no cases until instance data lands.  Info results
(optional improvements, e.g. a system whose region the paper does not name) are allowed.
"""

from __future__ import annotations

import pytest

from regio import paths
from regio.validation import validate

INSTANCE_FILES = sorted(paths.INSTANCES_DIR.glob("*.ttl"))


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=[p.name for p in INSTANCE_FILES])
def test_instance_file_validates_clean(path):
    report = validate(path)
    assert not report.fails("warning"), report.to_text()


def test_all_instance_files_together_validate_clean():
    if not INSTANCE_FILES:
        pytest.skip("no instance data yet")
    report = validate(INSTANCE_FILES)
    assert not report.fails("warning"), report.to_text()
