#!/usr/bin/env python3
"""Callers that name many distinct upstream origins (docs/security.md#callers-that-name-many-origins).

Sends N requests to a running service, 16 at a time, each naming 64 origins no earlier request named, and prints
how long they took, how many failed, and the answers' median and slowest time (client-measured):

  bench/distinct-origins.py PORT FIRST N names       # http://nI-J.invalid/: host names that do not resolve
  bench/distinct-origins.py PORT FIRST N addresses   # http://127.A.B.C:9/: permitted loopback, connection refused

FIRST numbers the requests, so that runs against one service name new origins (use 0, 2000, 4000, ...). Start the
service as the sittings do, `bench/sut.sh 28000` (it permits loopback), and read `numbers_upstream_origins` from its
/metrics, or `jcmd <pid> GC.class_histogram | grep HttpDestination`, after each run.
"""
import concurrent.futures
import sys
import time
import urllib.request


def url(kind, i, j):
    if kind == 'names':
        return 'http://n%d-%d.invalid/' % (i, j)
    return 'http://127.%d.%d.%d:9/' % ((i >> 8) & 255, i & 255, j + 1)


def main():
    port, first, n, kind = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    if kind not in ('names', 'addresses'):
        sys.exit('kind must be names or addresses')

    def one(i):
        query = '&'.join('u=' + url(kind, i, j) for j in range(64))
        start = time.time()
        try:
            urllib.request.urlopen('http://127.0.0.1:%d/numbers?%s' % (port, query), timeout=10).read()
            return None, time.time() - start
        except Exception as e:  # a timeout or an HTTP error status: counted, not fatal
            return str(e), time.time() - start

    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(first, first + n)))
    errors = [e for e, _ in results if e]
    times = sorted(t for _, t in results)
    print('requests %d in %.1f s, errors %d %s, p50 %.0f ms, max %.0f ms'
          % (n, time.time() - start, len(errors), errors[:2], times[len(times) // 2] * 1000, times[-1] * 1000))


if __name__ == '__main__':
    main()
