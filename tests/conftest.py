"""Fixtures shared by the whole suite.

Checks that need an outside tool (Java with the OWL API, Chromium) skip locally with a reason when
the tool is missing, and *fail* when ``REGIO_REQUIRE_TOOLS`` is set, as ``.ci/run`` does, so that a
green CI always means the check really ran.
"""

from __future__ import annotations

import os
import shutil

import pytest

from regio import paths


def require_tool(available: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a needed tool is missing."""
    if available:
        return
    if os.environ.get("REGIO_REQUIRE_TOOLS"):
        pytest.fail(f"required tool missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def paper_text() -> str:
    """The paper's full text from ../shared/paper/ (required: quotes are checked against it)."""
    try:
        return paths.paper_text()
    except FileNotFoundError as exc:
        require_tool(False, str(exc))
        raise


@pytest.fixture(scope="session")
def java() -> str:
    exe = shutil.which("java")
    require_tool(exe is not None, "java is not installed (apt-get install default-jre-headless)")
    return exe
