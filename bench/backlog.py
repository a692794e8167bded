#!/usr/bin/env python3
"""The outbox backlog as a server's /health/ready tells it, watched by one process for the whole run.

`bench/run` used to ask with a curl and a python3 per sample, five times a second during a create run: on a
2-core machine, starting them took a fifth of the CPU from the load being measured. This process asks over one
kept-alive connection instead.

usage: backlog.py sample PORT STOP_FILE   one backlog a line, every 0.2 s, until STOP_FILE exists
       backlog.py drain PORT              waits until the backlog is 0 (0.1 s steps, up to 60 s);
                                          prints the tenths of a second waited and the backlog left
An empty line or "?" is a probe that did not say (/health/ready answers within a 50 ms bound).
"""
import http.client
import json
import os
import sys
import time


class Probe:
    def __init__(self, port: int):
        self.port = port
        self.connection = None

    def backlog(self):
        """The backlog, or None when the server did not say."""
        for _ in range(2):  # a kept-alive connection the server closed is opened again once
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                self.connection.request("GET", "/health/ready")
                response = self.connection.getresponse()
                body = response.read()
                outbox = json.loads(body).get("outbox") if response.status == 200 else None
                return outbox["backlog"] if outbox else None
            except (OSError, http.client.HTTPException, ValueError):
                if self.connection is not None:
                    self.connection.close()
                self.connection = None
        return None


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] not in ("sample", "drain"):
        raise SystemExit(__doc__)
    probe = Probe(int(sys.argv[2]))
    if sys.argv[1] == "sample":
        if len(sys.argv) < 4:
            raise SystemExit(__doc__)
        while not os.path.exists(sys.argv[3]):
            left = probe.backlog()
            print("" if left is None else left, flush=True)
            time.sleep(0.2)
        return
    waited = 0
    while (left := probe.backlog()) != 0 and waited < 600:
        time.sleep(0.1)
        waited += 1
    print(waited, "?" if left is None else left)


if __name__ == "__main__":
    main()
