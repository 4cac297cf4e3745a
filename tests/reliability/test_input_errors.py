"""Broken text in requests is a 400 with a message, never run as some other input (issue 7).

Werkzeug decodes invalid UTF-8 in a URL or a form field with replacement characters; without an
explicit check ``?query=%FF%FE`` ran as a query and a Latin-1 CSV pasted on /validate "conformed".
The app is driven through its WSGI callable, so ``GET /sparql?query=…`` goes through the fast path
(``regio.web.fastpath``) exactly as under a server.
"""

from __future__ import annotations

import pytest

from regio.web.sparql import inference_flag

BAD_UTF8 = [
    b"%FF%FE",                                  # not UTF-8 at all
    b"ASK%20%7B%7D%C3",                         # truncated sequence
    b"ASK%20%7B%20%3Fs%20%3Fp%20%22%ED%A0%80%22%20%7D",   # a lone surrogate, UTF-8-encoded
    b"ASK%20%7B%20%3Fs%20%3Fp%20%22%C0%AF%22%20%7D",      # overlong
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from regio.web import create_app

    app = create_app({"TESTING": True, "REGIO_DATA_DIR": str(tmp_path_factory.mktemp("input-errors"))})
    yield app.test_client()
    store = app.extensions.get("regio.store")
    if store is not None and hasattr(store, "close"):
        store.close()


def _is_message(response, *words: str) -> None:
    assert response.status_code == 400, (response.status_code, response.data[:300])
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    for word in words:
        assert word in text, text[:500]


@pytest.mark.parametrize("raw", BAD_UTF8)
def test_invalid_utf8_in_get_query(client, raw: bytes) -> None:
    _is_message(client.get("/sparql?query=" + raw.decode()), "not valid UTF-8")            # fast path
    _is_message(client.get("/sparql?inference=true&query=" + raw.decode()), "not valid UTF-8")  # Flask


@pytest.mark.parametrize("raw", BAD_UTF8)
def test_invalid_utf8_in_posts(client, raw: bytes) -> None:
    from urllib.parse import unquote_to_bytes

    _is_message(client.post("/sparql", data=b"query=" + raw,
                            content_type="application/x-www-form-urlencoded"), "not valid UTF-8")
    _is_message(client.post("/sparql", data=unquote_to_bytes(raw),
                            content_type="application/sparql-query"), "not valid UTF-8")


def test_nul_in_get_query(client) -> None:
    for url in ("/sparql?query=ASK%20%7B%7D%00", "/sparql?inference=true&query=ASK%20%7B%7D%00",
                "/sparql?query=ASK%20%7B%7D&default-graph-uri=%00"):
        _is_message(client.get(url), "NUL")


def test_valid_query_still_runs(client) -> None:
    for url in ("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%C3%A9%22%20%7D",
                "/sparql?inference=NO&query=ASK%20%7B%7D", "/sparql?inference=1&query=ASK%20%7B%7D"):
        r = client.get(url, headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, (url, r.data[:300])
        r.close()


@pytest.mark.parametrize("value", ["<script>", "flase", "", "on", "2"])
def test_junk_inference_flag(client, value: str) -> None:
    from urllib.parse import quote

    _is_message(client.get("/sparql?query=ASK%20%7B%7D&inference=" + quote(value)), "inference must be", "yes/no")
    _is_message(client.post("/sparql", data={"query": "ASK {}", "inference": value}), "inference must be")
    r = client.get("/?inference=" + quote(value), headers={"Accept": "text/html"})
    assert r.status_code == 400 and b"inference must be" in r.data, r.data[:300]


def test_inference_values() -> None:
    assert [inference_flag(v) for v in (None, "true", "TRUE", "1", "Yes")] == [True] * 5
    assert [inference_flag(v) for v in ("false", "False", "0", "no", "NO")] == [False] * 5


def test_validate_page_refuses_invalid_utf8_csv(client) -> None:
    from urllib.parse import quote_from_bytes

    body = b"id,label\nx,\xff\xfe\n"
    pasted = client.post("/validate", data=b"format=csv&report=json&data=" + quote_from_bytes(body).encode(),
                         content_type="application/x-www-form-urlencoded")
    _is_message(pasted, "pasted data", "byte 11", "line 2")
    from io import BytesIO

    uploaded = client.post("/validate", data={"format": "csv", "report": "json", "file": (BytesIO(body), "regions.csv")},
                           content_type="multipart/form-data")
    _is_message(uploaded, "regions.csv", "byte 11")


def test_cli_refuses_invalid_utf8_csv(tmp_path) -> None:
    from click.testing import CliRunner

    from regio.cli import main

    path = tmp_path / "regions.csv"
    path.write_bytes(b"id,label\nx,\xff\xfe\n")
    for command in ("validate", "import-csv"):
        result = CliRunner().invoke(main, [command, str(path)])
        assert result.exit_code == 2, (command, result.output)
        assert "not valid UTF-8 at byte 11 (line 2" in result.output, result.output
