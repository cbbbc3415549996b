#!/usr/bin/env python3
"""Upstreams that accept connections and never answer (docs/security.md#upstreams-that-never-answer).

  bench/tarpit.py serve                          # listens on 127.0.0.2:20000-20063, accepts, never answers
  bench/tarpit.py load PORT CALLERS SECONDS      # CALLERS threads, each sending request after request of the 64
                                                 # tarpit URLs to the service on PORT, for SECONDS; prints counts

Start the service as the sittings do (`bench/sut.sh 28000`, which permits loopback), the tarpit, then the load, and
sample `ls /proc/<pid>/fd | wc -l` and `numbers_upstream_connections` from /metrics meanwhile.
"""
import selectors
import socket
import sys
import threading
import time
import urllib.request

PORTS = range(20000, 20064)


def serve():
    sel = selectors.DefaultSelector()
    held = []
    for port in PORTS:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.2', port))
        s.listen(4096)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select(1):
            try:
                conn, _ = key.fileobj.accept()
                held.append(conn)
                if len(held) > 60000:
                    held.pop(0).close()
            except BlockingIOError:
                pass


def load(port, callers, seconds):
    query = '&'.join('u=http://127.0.0.2:%d/' % p for p in PORTS)
    stop = time.time() + seconds
    counts = {'ok': 0, 'error': 0}
    lock = threading.Lock()

    def loop():
        while time.time() < stop:
            try:
                urllib.request.urlopen('http://127.0.0.1:%d/numbers?%s' % (port, query), timeout=10).read()
                kind = 'ok'
            except Exception:  # a 503 or a timeout: counted
                kind = 'error'
            with lock:
                counts[kind] += 1

    threads = [threading.Thread(target=loop) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(counts)


if __name__ == '__main__':
    if sys.argv[1:2] == ['serve']:
        serve()
    elif sys.argv[1:2] == ['load'] and len(sys.argv) == 5:
        load(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)
