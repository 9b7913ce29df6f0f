"""A minimal keep-alive HTTP/1.1 client on a plain socket, for timing servers.

http.client spends about 0.1 ms of Python on every round trip (building the request,
parsing headers with the email package), a fifth of a fast server's whole answer. This one
sends prebuilt bytes and reads the answer by its Content-Length or chunked framing: the
clock then holds the server's time and the network's, not the client's.
"""

from __future__ import annotations

import select
import socket

_HEAD_END = b"\r\n\r\n"
_MAX_HEAD = 64 * 1024


class ProtocolError(Exception):
    """The server's answer was not HTTP/1.1 this client can read."""


class HttpConnection:
    """One connection to `host:port`, opened on first use and again after the server
    closes it. Not thread-safe: one per thread."""

    def __init__(self, host: str, port: int, user_agent: str) -> None:
        self.host, self.port = host, port
        self._fixed = f"Host: {host}:{port}\r\nUser-Agent: {user_agent}\r\n".encode()
        self._sock: socket.socket | None = None
        self._buffer = bytearray()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buffer.clear()

    def request(
        self,
        method: str,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float,
    ) -> tuple[int, bytes]:
        """Send one request and read its whole answer; (status, body)."""
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        length = f"Content-Length: {len(body)}\r\n" if body is not None else ""
        head = f"{method} {target} HTTP/1.1\r\n".encode() + self._fixed
        message = head + (lines + length + "\r\n").encode() + (body or b"")
        if self._sock is not None and self._dropped():
            self.close()
        if self._sock is None:
            self._sock = socket.create_connection((self.host, self.port), timeout=timeout)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.settimeout(timeout)
        try:
            self._sock.sendall(message)
            status, response_headers = self._read_head()
            content = self._read_body(response_headers, method)
        except BaseException:
            self.close()  # the connection's state is unknown now
            raise
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return status, content

    def _dropped(self) -> bool:
        """Whether an idle connection was closed by the server (its keep-alive timeout):
        an idle socket that reads as ready has nothing to give but its end."""
        assert self._sock is not None
        readable, _, _ = select.select([self._sock], [], [], 0)
        return bool(readable)

    def _fill(self) -> None:
        assert self._sock is not None
        data = self._sock.recv(1 << 20)
        if not data:
            raise ProtocolError("the server closed the connection mid-answer")
        self._buffer += data

    def _take(self, count: int) -> bytes:
        while len(self._buffer) < count:
            self._fill()
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _read_line(self) -> bytes:
        while (end := self._buffer.find(b"\r\n")) < 0:
            self._fill()
        return self._take(end + 2)[:-2]

    def _read_head(self) -> tuple[int, dict[str, str]]:
        while (end := self._buffer.find(_HEAD_END)) < 0:
            if len(self._buffer) > _MAX_HEAD:
                raise ProtocolError("response headers too long")
            self._fill()
        head = self._take(end + len(_HEAD_END)).decode("latin-1").split("\r\n")
        parts = head[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {head[0]!r}")
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        return int(parts[1]), headers

    def _read_body(self, headers: dict[str, str], method: str) -> bytes:
        if method == "HEAD":
            return b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while size := int(self._read_line().split(b";")[0], 16):
                chunks.append(self._take(size))
                self._take(2)
            while self._read_line():  # trailers, up to the empty line
                pass
            return b"".join(chunks)
        if "content-length" in headers:
            return self._take(int(headers["content-length"]))
        # Neither: the body runs to the end of the connection.
        assert self._sock is not None
        while data := self._sock.recv(1 << 20):
            self._buffer += data
        content = bytes(self._buffer)
        self.close()
        return content
