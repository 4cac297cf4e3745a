"""Fixtures for the page tests: one app with its store, served on loopback, and one headless Chromium.

The app is the real one (``create_app`` with a fresh data directory: the default dataset plus a
made-up test region whose labels carry markup), served by werkzeug in a thread so the browser can
reach it.  Chromium is Debian's ``chromium`` driven by ``chromedriver`` through Selenium; when
they are missing the browser tests skip locally and fail in CI (``require_tool``).  Screenshots go
to ``test-artifacts/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import base64
import shutil
import threading
from pathlib import Path

import pytest
from rdflib import Graph
from werkzeug.serving import make_server

from regio import paths
from conftest import require_tool

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = paths.ROOT / "test-artifacts" / "screenshots"
FIXTURE = Path(__file__).with_name("fixture-region.ttl")
TEST_GRAPH = "https://example.org/regio-web-test/graph"
TEST_NS = "https://example.org/regio-web-test/"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The real app over a fresh store: the default dataset plus the made-up test region.

    The test region is put into the data directory *before* the service opens it, as data a user
    loaded earlier: the first start then materialises the inferred graph over everything at once,
    which is much faster than a validated, incrementally inferred write through the API.
    """
    import pyoxigraph as ox

    from regio.web import create_app
    from regio.web.pages import data

    data_dir = tmp_path_factory.mktemp("web-store")
    seed = ox.Store(str(data_dir / "store"))
    seed.bulk_load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(TEST_GRAPH))
    seed.flush()
    del seed  # releases the RocksDB lock for the service

    app = create_app({"TESTING": True, "REGIO_DATA_DIR": str(data_dir)})
    if "regio.store" not in app.extensions:  # a page-only app: the pages read the tree's files
        with app.app_context():
            data.store().post_graph(TEST_GRAPH, Graph().parse(FIXTURE, format="turtle"))
    yield app
    closing = app.extensions.get("regio.store")
    if closing is not None and hasattr(closing, "close"):
        closing.close()


@pytest.fixture(scope="session")
def base_url(app) -> str:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="web-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    have = Path(CHROMIUM).exists() or shutil.which("chromium")
    have_driver = Path(CHROMEDRIVER).exists() or shutil.which("chromedriver")
    require_tool(bool(have and have_driver), "chromium and chromedriver are not installed "
                                            "(apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1366,900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def screenshot(driver, name: str, *, full_page: bool = True) -> Path:
    """Write a PNG of the page (the whole page, not just the window) to test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    if full_page:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width, height = min(int(size["width"]), 2400), min(int(size["height"]), 6000)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        target.write_bytes(base64.b64decode(shot["data"]))
    else:
        driver.save_screenshot(str(target))
    return target


def console_errors(driver) -> list[str]:
    """Severe browser-console entries since the last call: script errors and CSP refusals."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"
            and "favicon.ico" not in entry["message"]]


@pytest.fixture(scope="session")
def ontology() -> Graph:
    """The ontology and its modules, as the pages show them."""
    graph = Graph()
    for name in ("regio.ttl", "regio-references.ttl", "regio-alignment.ttl"):
        graph.parse(paths.ONTOLOGY_DIR / name, format="turtle")
    return graph
