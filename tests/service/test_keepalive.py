"""The gunicorn worker of ``regio serve`` (``regio.web.keepalive``): a connection keeps its thread
for request after request, an idle one is closed after the keep-alive time, more connections than
threads are all answered, malformed requests get gunicorn's 4xx with a message, and a stop lets
the request in progress finish."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from regio.web import keepalive

from .conftest import free_port

BIN = Path(sys.executable).parent
APP = '''
import os, time
def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(float(environ.get("QUERY_STRING") or 1))
    body = ("%s %s" % (environ["REQUEST_METHOD"], environ["PATH_INFO"])).encode()
    if environ["PATH_INFO"] == "/pid":
        body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


@pytest.fixture()
def server(tmp_path):
    (tmp_path / "kaapp.py").write_text(APP)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--worker-class", "regio.web.keepalive.KeepAliveWorker",
                             "--threads", "2", "--keep-alive", "1", "--graceful-timeout", "10",
                             "--bind", f"127.0.0.1:{port}", "kaapp:app"],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.1)
    yield port, proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def test_one_connection_many_requests(server) -> None:
    port, _ = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/a")
    first = conn.getresponse()
    assert first.read() == b"GET /a"
    sock = conn.sock
    for i in range(20):
        conn.request("POST", f"/b{i}", body=b"x" * i)
        r = conn.getresponse()
        assert r.status == 200 and r.read() == f"POST /b{i}".encode()
        assert conn.sock is sock  # the same connection throughout
    conn.close()


def test_idle_connection_closed_after_keep_alive(server) -> None:
    port, _ = server
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
    answer = b""
    while not answer.endswith(b"GET /x"):
        answer += sock.recv(4096)
    started = time.monotonic()
    assert sock.recv(4096) == b""  # closed by the server, after --keep-alive 1 s
    assert 0.5 < time.monotonic() - started < 5
    sock.close()


def test_more_connections_than_threads(server) -> None:
    """More clients at once than the pool has threads: all are answered."""
    port, _ = server
    clients = keepalive.MIN_THREADS + 8
    answers: list[int] = []

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/slow?0.2")
        answers.append(conn.getresponse().status)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers == [200] * clients


@pytest.mark.parametrize("raw, status", [
    (b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: lots\r\n\r\n", 400),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    (b"NOT-HTTP\r\n\r\n", 400),
])
def test_malformed_requests_get_a_message(server, raw, status) -> None:
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split()[1] == str(status).encode() and body.strip(), answer[:300]


def test_stop_lets_the_request_in_progress_finish(server) -> None:
    port, proc = server
    result: list = []

    def slow() -> None:
        result.append(requests.get(f"http://127.0.0.1:{port}/slow?1.5", timeout=30).text)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)
    t.join(30)
    assert result == ["GET /slow"]
    assert proc.wait(20) == 0


def test_max_requests_restarts_the_worker(tmp_path) -> None:
    """gunicorn's --max-requests: the worker answers, closes the connection and is replaced."""
    (tmp_path / "kaapp.py").write_text(APP)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--worker-class", "regio.web.keepalive.KeepAliveWorker",
                             "--max-requests", "3", "--bind", f"127.0.0.1:{port}", "kaapp:app"],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        pids: list[str] = []
        deadline = time.monotonic() + 30
        while len(pids) < 9 and time.monotonic() < deadline:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/pid", timeout=2)
                assert r.status_code == 200
                pids.append(r.text)
            except requests.RequestException:
                time.sleep(0.1)  # starting, or between a worker and its replacement
        assert len(pids) == 9 and len(set(pids)) >= 3, pids  # a new worker every three requests
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
