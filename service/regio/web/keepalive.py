"""A gunicorn worker that serves each keep-alive connection on one thread, start to end.

gunicorn's ``gthread`` worker hands every request of a keep-alive connection back and forth
between its event loop and its thread pool: two thread switches and a trip through a selector per
request, which cost more than answering a look-up (measured on 2 cores, 8 keep-alive clients, a
bare WSGI "hello": ``gthread`` 0.44 ms and 2,700 requests/s; this worker 0.27 ms and 3,700/s;
the service's look-ups about 0.25 ms faster).  Here the main thread accepts connections and a
pool of threads each reads, answers and reads again on its connection until the client closes
it, it stays idle longer than ``--keep-alive`` seconds, or the worker stops.  Parsing, limits and
error answers (400/414/431 with a message) are gunicorn's own; Rust servers that measured faster
still (Granian) answer malformed requests with an empty 400.

A connection holds its thread while open, so the pool is large (``--threads``, at least
``MIN_THREADS``): a thread blocked on a socket costs memory, not CPU; the GIL is only taken to
run the app.  An idle connection gives its thread back after ``--keep-alive`` seconds (2 under
``regio serve``: a browser keeps several connections open); connections beyond the pool wait
for a thread in a queue and then in the kernel's accept queue.
"""

from __future__ import annotations

import errno
import os
import queue
import select
import socket
import sys
import threading
import time
from datetime import datetime

from gunicorn import http, util
from gunicorn.http import wsgi
from gunicorn.workers import base

MIN_THREADS = 64


class KeepAliveWorker(base.Worker):
    """``gunicorn --worker-class regio.web.keepalive.KeepAliveWorker --threads N``."""

    def init_process(self) -> None:
        self.connections: queue.Queue = queue.Queue(maxsize=max(self.cfg.threads, MIN_THREADS))
        super().init_process()

    def run(self) -> None:
        threads = [threading.Thread(target=self._serve, name=f"regio-http-{i}", daemon=True)
                   for i in range(max(self.cfg.threads, MIN_THREADS))]
        for t in threads:
            t.start()
        for listener in self.sockets:
            listener.setblocking(False)
        while self.alive:
            self.notify()
            try:
                ready, _, _ = select.select([*self.sockets, self.PIPE[0]], [], [], 1.0)
            except OSError as exc:
                if exc.errno in (errno.EINTR, errno.EBADF):
                    continue
                raise
            for listener in ready:
                if listener is self.PIPE[0]:
                    os.read(self.PIPE[0], 1)
                    continue
                self._accept(listener)
            if self.ppid != os.getppid():
                self.log.info("Parent changed, shutting down: %s", self)
                break
        for listener in self.sockets:  # no new connections; open ones finish their request
            util.close(listener)
        for _ in threads:
            self.connections.put(None)
        deadline = time.monotonic() + self.cfg.graceful_timeout
        for t in threads:
            t.join(max(deadline - time.monotonic(), 0.0))

    def _accept(self, listener) -> None:
        """Take the waiting connections while a thread is free for each; the rest stay queued
        in the kernel until one is."""
        while not self.connections.full():
            try:
                client, addr = listener.accept()
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.ECONNABORTED):
                    return
                raise
            client.setblocking(True)
            util.close_on_exec(client)
            if client.family in (socket.AF_INET, socket.AF_INET6):
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connections.put((listener, client, addr))

    def _serve(self) -> None:
        while True:
            item = self.connections.get()
            if item is None:
                return
            try:
                self.handle(*item)
            except Exception:  # noqa: BLE001 - one connection must not end the thread
                self.log.exception("Error handling a connection")

    def handle(self, listener, client, addr) -> None:
        req = None
        drain = True  # unread request bytes at close would turn into a RST that truncates the answer
        try:
            client.settimeout(self.cfg.keepalive or 2)
            parser = http.get_parser(self.cfg, client, addr)
            while self.alive:
                try:
                    req = next(parser)
                except (StopIteration, TimeoutError, socket.timeout, http.errors.NoMoreData):
                    drain = False  # closed by the client, or idle longer than the keep-alive time
                    return
                client.settimeout(None)  # the app decides how long a request may take
                if not self.handle_request(listener, req, client, addr):
                    return
                client.settimeout(self.cfg.keepalive or 2)
                req = None
        except OSError as exc:
            drain = False
            if exc.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, None):
                self.log.exception("Socket error processing request.")
        except BaseException as exc:  # noqa: BLE001 - a malformed request: gunicorn answers 4xx
            self.handle_error(req, client, addr, exc)
        finally:
            if drain:
                util.close_graceful(client)
            else:
                util.close(client)

    def handle_request(self, listener, req, client, addr) -> bool:
        """Answer one request; whether the connection may carry another."""
        environ: dict = {}
        resp = None
        try:
            self.cfg.pre_request(self, req)
            started = datetime.now()
            resp, environ = wsgi.create(req, client, addr, listener.getsockname(), self.cfg)
            environ["wsgi.multithread"] = True
            self.nr += 1
            if self.nr >= self.max_requests:  # gunicorn's --max-requests: restart after this one
                if self.alive:
                    self.log.info("Autorestarting worker after current request.")
                    self.alive = False
            if not self.alive or not self.cfg.keepalive:
                resp.force_close()
            respiter = self.wsgi(environ, resp.start_response)
            try:
                if isinstance(respiter, environ["wsgi.file_wrapper"]):
                    resp.write_file(respiter)
                else:
                    for item in respiter:
                        resp.write(item)
                resp.close()
            finally:
                self.log.access(resp, req, environ, datetime.now() - started)
                if hasattr(respiter, "close"):
                    respiter.close()
            return not resp.should_close()
        except OSError:
            util.reraise(*sys.exc_info())
        except Exception:
            if resp and resp.headers_sent:
                self.log.exception("Error handling request")
                return False
            raise
        finally:
            try:
                self.cfg.post_request(self, req, environ, resp)
            except Exception:  # noqa: BLE001 - a hook's failure is not the client's
                self.log.exception("Exception in post_request hook")
