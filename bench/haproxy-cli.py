#!/usr/bin/env python3
"""HAProxy's admin socket, for bench/failover.sh.

  haproxy-cli.py SOCKET 'show stat'             one command; its answer on stdout
  haproxy-cli.py SOCKET --watch BACKEND [SECONDS]
        polls 'show stat' every SECONDS (0.05) and prints one tab-separated line per server of BACKEND whenever its
        state changes, and once at start: epoch-ms, server, status (UP, DOWN, "UP 1/2" going down, "DOWN 1/2" going
        up, MAINT, ...), last check's status and its text. Runs until killed.
"""
import csv
import io
import socket
import sys
import time


def command(path, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(path)
    s.sendall((cmd + "\n").encode())
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    return b"".join(chunks).decode()


def servers(path, backend):
    text = command(path, "show stat").lstrip("# ")
    for row in csv.DictReader(io.StringIO(text)):
        if row["pxname"] == backend and row["svname"] not in ("FRONTEND", "BACKEND"):
            yield row


def watch(path, backend, interval):
    last = {}
    while True:
        try:
            now = int(time.time() * 1000)
            for r in servers(path, backend):
                state = (r["status"], r["check_status"].lstrip("* "), r["last_chk"])
                if last.get(r["svname"], (None,))[0] != state[0]:
                    print("%d\t%s\t%s\t%s\t%s" % ((now, r["svname"]) + state), flush=True)
                last[r["svname"]] = state
        except OSError:
            pass  # HAProxy not listening yet, or gone
        time.sleep(interval)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[2] == "--watch":
        watch(sys.argv[1], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.05)
    elif len(sys.argv) == 3:
        sys.stdout.write(command(sys.argv[1], sys.argv[2]))
    else:
        sys.exit(__doc__)
