"""A TCP proxy in front of PostgreSQL that counts round trips: each time the server answers
after the client has sent something (a statement, or a batch of them) is one exchange.

`through_proxy(connection)` points Django's connection at the proxy for a block (the
connection is closed before and after, so that it opens through it and then again
directly)."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class ExchangeCounter:
    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._last = ""  # who sent last: "client" or "server"
        self.exchanges = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.exchanges = 0

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(self._target)
            for source, sink, side in ((client, server, "client"), (server, client, "server")):
                threading.Thread(target=self._pump, args=(source, sink, side), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, side: str) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                with self._lock:
                    if side == "server" and self._last == "client":
                        self.exchanges += 1
                    self._last = side
                sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


@contextmanager
def through_proxy(connection) -> Iterator[ExchangeCounter]:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)
    counter = ExchangeCounter(host, port)
    connection.close()
    settings["HOST"], settings["PORT"] = "127.0.0.1", str(counter.port)
    try:
        connection.ensure_connection()
        counter.reset()
        yield counter
    finally:
        connection.close()
        settings["HOST"], settings["PORT"] = host, str(port)
        counter.close()
