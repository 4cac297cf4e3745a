"""One real ``regio serve`` per test worker, shared by the hostile-input and security tests.

Limits are set low so the tests that probe them stay fast: a 1 MiB body limit, a 2 s query
timeout, 2,000 result rows.
"""

from __future__ import annotations

import pytest
from .support import Server

MAX_BODY = 1 << 20
QUERY_TIMEOUT = 2.0
MAX_ROWS = 2000

@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    srv = Server(tmp_path_factory.mktemp("reliability") / "store",
                 config={"REGIO_MAX_BODY": str(MAX_BODY), "REGIO_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
                         "REGIO_MAX_ROWS": str(MAX_ROWS), "REGIO_ALLOWED_SERVICE_HOSTS": ""})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture()
def live(server: Server) -> Server:
    """The session server, restarted (on the same store) if an earlier test crashed it."""
    if not server.alive():
        server.start()
    return server
