#!/usr/bin/env python3
"""Deletes a JetStream stream through the JetStream API (the NATS protocol over a plain socket, so the benchmark
needs neither the `nats` CLI nor a client library). Used by `bench/run` to remove the stream of its own that
the `full` profile publishes to.

usage: nats_stream.py delete STREAM [nats://host:port]   (default nats://127.0.0.1:4222)
"""
import json
import socket
import sys
from urllib.parse import urlparse


def request(address, subject: str) -> dict:
    with socket.create_connection(address, timeout=5) as sock:
        reader = sock.makefile("rb")
        reader.readline()  # INFO
        inbox = "_INBOX.bench"
        sock.sendall(
            b'CONNECT {"verbose":false,"pedantic":false,"headers":false}\r\n'
            + f"SUB {inbox} 1\r\nPUB {subject} {inbox} 0\r\n\r\nPING\r\n".encode()
        )
        while True:
            line = reader.readline()
            if not line:
                raise SystemExit("NATS closed the connection without an answer")
            if line.startswith(b"PING"):
                sock.sendall(b"PONG\r\n")
            elif line.startswith(b"-ERR"):
                raise SystemExit(line.decode().strip())
            elif line.startswith(b"MSG"):
                size = int(line.split()[-1])
                return json.loads(reader.read(size + 2)[:size])


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] != "delete":
        raise SystemExit(__doc__)
    url = urlparse(sys.argv[3] if len(sys.argv) > 3 else "nats://127.0.0.1:4222")
    answer = request((url.hostname, url.port or 4222), f"$JS.API.STREAM.DELETE.{sys.argv[2]}")
    if not answer.get("success") and answer.get("error", {}).get("code") != 404:
        raise SystemExit(f"cannot delete stream {sys.argv[2]}: {answer}")


if __name__ == "__main__":
    main()
