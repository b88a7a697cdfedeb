"""A loopback HTTP server (127.0.0.1 only) serving files from memory, for the tests of fetching: never the internet.

``files`` maps a path to its bytes; ``cut`` maps a path to the bytes actually sent of its announced length (a
transfer cut short). ``closed_port()`` is a port nothing listens on (a server that is down).
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator


class LoopbackFiles:
    """The running server: ``files``, ``cut`` and ``url(path)``."""

    def __init__(self, port: int, files: dict[str, bytes], cut: dict[str, int]) -> None:
        self.port, self.files, self.cut = port, files, cut

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def serve() -> Iterator[LoopbackFiles]:
    files: dict[str, bytes] = {}
    cut: dict[str, int] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: cut.get(self.path, len(body))])

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield LoopbackFiles(httpd.server_address[1], files, cut)
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
