#!/usr/bin/env python3
"""Deadline-bound /numbers requests timed by the client's kernel, not by anyone's user-space clock.

Each request's bytes are stamped by the kernel as they enter the loopback device (SO_TIMESTAMPING, TX software
stamp: on loopback that is the moment they reach the server's receive path), and the answer's last bytes as the
kernel receives them (RX software stamp: on loopback, inside the server's write). The difference is the budget as
the contract defines it: from the moment the request reaches the machine until the last byte of the answer leaves
it. The probe's own scheduling does not count: a probe thread that wakes late reads the same stamps.

The probe serves its own upstreams on loopback (the service under test must allow 127.0.0.0/8). Every upstream
answers one number of its own after the delay it was asked for and notes when it wrote its answer, so the probe can
tell which upstreams answered in time to be merged and whether the answer holds them.

Variants:
  sequential  one request at a time: one fast upstream (0-20 ms) and one answering 490-600 ms after the request, so
              that every answer is cut at the deadline
  concurrent  --clients threads, each request naming --urls upstreams with delays uniform in 0-600 ms

Per answer (JSON lines with --out) the client's time, the Server-Timing header and the split that the header's
wall-clock 'arrival' allows: the request's bytes in the kernel -> arrival (the servlet's entry, or earlier when the
service dates a request back into a GC pause, which makes this part negative), arrival -> cutoff, cutoff -> answer
rendered, rendered -> client's kernel (the service's write path: on loopback the client's kernel receives the bytes
inside the server's write call). Summary: count at or over the budget, p50/p99/p99.9/max,
each part's p50/p99/max, and the inclusion of upstreams that answered by budget - 40 ms.

Example:  bench/client-clock.py --url http://127.0.0.1:8080/numbers --mode sequential --count 1000
"""
import argparse
import json
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse
import asyncio
import errno

SO_TIMESTAMPING = 37
SCM_TIMESTAMPING = 37
TS_TX_SOFTWARE = 1 << 1
TS_RX_SOFTWARE = 1 << 3
TS_SOFTWARE = 1 << 4
TS_OPT_ID = 1 << 7
TS_OPT_TSONLY = 1 << 11
MSG_ERRQUEUE = 0x2000


def kernel_stamp(ancdata):
    """The software stamp (ts[0] of struct scm_timestamping) in ns since the epoch, or None."""
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPING and len(data) >= 16:
            sec, nsec = struct.unpack_from("qq", data, 0)
            if sec or nsec:
                return sec * 1_000_000_000 + nsec
    return None


class Upstreams:
    """Loopback upstreams: GET /n/TOKEN?delay=MS answers {"numbers":[TOKEN]} MS ms after the request line arrived."""

    def __init__(self, port):
        self.answered = {}  # token -> ns since the epoch when the answer was handed to the socket
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.port = None

        def run():
            asyncio.set_event_loop(self.loop)
            server = self.loop.run_until_complete(
                asyncio.start_server(self.handle, "127.0.0.1", port, backlog=1024))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        threading.Thread(target=run, name="upstreams", daemon=True).start()
        ready.wait()

    async def handle(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                arrived = time.monotonic()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                target = line.split(b" ")[1].decode()
                parsed = urllib.parse.urlsplit(target)
                token = int(parsed.path.rsplit("/", 1)[1])
                delay = int(urllib.parse.parse_qs(parsed.query).get("delay", ["0"])[0])
                wait = arrived + delay / 1000 - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                body = b'{"numbers":[%d]}' % token
                with self.lock:
                    self.answered[token] = time.time_ns()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def answered_at(self, token):
        with self.lock:
            return self.answered.get(token)


def parse_server_timing(value):
    metrics = {}
    for entry in (value or "").split(","):
        parts = [p.strip() for p in entry.split(";")]
        if not parts[0]:
            continue
        fields = {}
        for p in parts[1:]:
            if "=" in p:
                k, v = p.split("=", 1)
                fields[k.strip()] = v.strip().strip('"')
        metrics[parts[0]] = fields
    return metrics


class Connection:
    """One client socket with kernel stamps on; a new one per request unless keep-alive."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING,
                             TS_TX_SOFTWARE | TS_RX_SOFTWARE | TS_SOFTWARE | TS_OPT_ID | TS_OPT_TSONLY)
        self.pending = b""

    def close(self):
        self.sock.close()

    def tx_stamp(self):
        """The kernel's stamp of the request's last byte leaving for the server, from the socket's error queue."""
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                _, anc, _, _ = self.sock.recvmsg(1, 1024, MSG_ERRQUEUE | socket.MSG_DONTWAIT)
            except BlockingIOError:
                time.sleep(0.0005)
                continue
            stamp = kernel_stamp(anc)
            if stamp:
                return stamp
        return None

    def exchange(self, request):
        self.sock.sendall(request)
        sent = self.tx_stamp()
        data = self.pending
        last = None
        header_end = -1
        length = None
        while True:
            if header_end < 0:
                header_end = data.find(b"\r\n\r\n")
                if header_end >= 0:
                    head = data[:header_end].decode("latin-1")
                    for line in head.split("\r\n")[1:]:
                        k, _, v = line.partition(":")
                        if k.strip().lower() == "content-length":
                            length = int(v.strip())
            if header_end >= 0 and length is not None and len(data) >= header_end + 4 + length:
                break
            chunk, anc, _, _ = self.sock.recvmsg(65536, 1024)
            if not chunk:
                raise ConnectionError("closed before the whole answer")
            last = kernel_stamp(anc) or last
            data += chunk
        end = header_end + 4 + length
        self.pending = data[end:]
        head = data[:header_end].decode("latin-1").split("\r\n")
        status = int(head[0].split(" ")[1])
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return sent, last, status, headers, data[header_end + 4:end]


class Probe:
    def __init__(self, args):
        self.args = args
        target = urllib.parse.urlsplit(args.url)
        self.host, self.port = target.hostname, target.port or 80
        self.path = target.path or "/numbers"
        self.upstreams = Upstreams(args.upstream_port)
        self.tokens = iter(range(1000, 10 ** 12))
        self.token_lock = threading.Lock()
        self.results = []
        self.results_lock = threading.Lock()

    def next_token(self):
        with self.token_lock:
            return next(self.tokens)

    def delays(self, rng):
        if self.args.mode == "sequential":
            return [rng.randint(0, 20), rng.randint(490, 600)]
        return [rng.randint(0, 600) for _ in range(self.args.urls)]

    def one(self, conn, rng):
        ups = [(self.next_token(), d) for d in self.delays(rng)]
        query = "&".join("u=" + urllib.parse.quote("http://127.0.0.1:%d/n/%d?delay=%d" % (self.upstreams.port, t, d),
                                                   safe="")
                         for t, d in ups)
        keep = "keep-alive" if self.args.keepalive else "close"
        request = ("GET %s?%s HTTP/1.1\r\nHost: %s:%d\r\nConnection: %s\r\n\r\n"
                   % (self.path, query, self.host, self.port, keep)).encode()
        sent, last, status, headers, body = conn.exchange(request)
        rec = {"status": status, "client_ms": (last - sent) / 1e6 if sent and last else None,
               "server_timing": headers.get("server-timing")}
        numbers = set(json.loads(body)["numbers"]) if status == 200 else set()
        st = parse_server_timing(rec["server_timing"])
        if "arrival" in st and "desc" in st["arrival"] and sent and last:
            arrival_ns = int(st["arrival"]["desc"]) * 1000
            total = float(st.get("total", {}).get("dur", "nan"))
            cutoff = float(st.get("cutoff", {}).get("dur", "nan"))
            rec["split"] = {
                "kernel_to_arrival": (arrival_ns - sent) / 1e6,
                "arrival_to_cutoff": cutoff,
                "cutoff_to_rendered": total - cutoff,
                "rendered_to_client": (last - arrival_ns) / 1e6 - total,
            }
        rec["upstreams"] = []
        for token, delay in ups:
            rec["upstreams"].append({"token": token, "delay": delay, "included": token in numbers})
        rec["_sent"] = sent
        return rec

    def finish_upstreams(self, rec):
        """Called once every upstream has answered: when each answered, on the request's clock."""
        for up in rec["upstreams"]:
            at = self.upstreams.answered_at(up["token"])
            up["answered_ms"] = (at - rec["_sent"]) / 1e6 if at and rec["_sent"] else None

    def client(self, count, seed):
        rng = random.Random(seed)
        conn = None
        done = []
        for _ in range(count):
            if conn is None:
                conn = Connection(self.host, self.port)
            try:
                rec = self.one(conn, rng)
            except (OSError, ValueError) as e:
                rec = {"status": None, "error": repr(e), "upstreams": [], "_sent": None, "client_ms": None}
                conn.close()
                conn = None
            else:
                if not self.args.keepalive or rec["status"] != 200:
                    conn.close()
                    conn = None
            done.append(rec)
            if self.args.pause_ms:
                time.sleep(self.args.pause_ms / 1000)
        if conn:
            conn.close()
        with self.results_lock:
            self.results.extend(done)

    def run(self):
        clients = 1 if self.args.mode == "sequential" else self.args.clients
        per = [self.args.count // clients + (1 if i < self.args.count % clients else 0) for i in range(clients)]
        threads = [threading.Thread(target=self.client, args=(n, self.args.seed + i)) for i, n in enumerate(per)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.7)  # every upstream has answered (600 ms at most) and noted when
        for rec in self.results:
            self.finish_upstreams(rec)
            rec["sent_unix_ns"] = rec.pop("_sent", None)  # the kernel's stamp, to set against server logs
        return self.results


def pct(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(-(-q * len(s) // 1)) - 1))]


def summarize(results, budget, eligible_ms, label):
    times = [r["client_ms"] for r in results if r.get("client_ms") is not None]
    errors = [r for r in results if r.get("status") != 200]
    late = [t for t in times if t >= budget]
    eligible = [u for r in results for u in r["upstreams"] if u.get("answered_ms") is not None
                and u["answered_ms"] <= eligible_ms]
    included = [u for u in eligible if u["included"]]
    summary = {
        "label": label, "answers": len(times), "errors": len(errors), "late": len(late),
        "p50_ms": pct(times, .5), "p99_ms": pct(times, .99), "p999_ms": pct(times, .999),
        "max_ms": max(times) if times else float("nan"),
        "eligible_upstreams": len(eligible), "eligible_included": len(included),
        "eligible_included_pct": 100.0 * len(included) / len(eligible) if eligible else float("nan"),
    }
    splits = [r["split"] for r in results if "split" in r]
    if splits:
        summary["split"] = {k: {"p50": pct([s[k] for s in splits], .5), "p99": pct([s[k] for s in splits], .99),
                                "max": max(s[k] for s in splits)} for k in splits[0]}
    return summary


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="the service's /numbers URL, e.g. http://127.0.0.1:8080/numbers")
    p.add_argument("--mode", choices=["sequential", "concurrent"], default="sequential")
    p.add_argument("--count", type=int, default=1000, help="requests in all [1000]")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients [20]")
    p.add_argument("--urls", type=int, default=4, help="upstreams per request, concurrent variant [4]")
    p.add_argument("--budget-ms", type=float, default=500)
    p.add_argument("--eligible-before-ms", type=float, default=40,
                   help="an upstream that answered by budget minus this must be included [40]")
    p.add_argument("--keepalive", action="store_true", help="reuse each client's connection (default: one per request)")
    p.add_argument("--pause-ms", type=float, default=0, help="pause between a client's requests [0]")
    p.add_argument("--upstream-port", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--label", default="")
    p.add_argument("--out", help="write every answer as a JSON line here")
    args = p.parse_args()

    results = Probe(args).run()
    if args.out:
        with open(args.out, "w") as f:
            for r in results:
                f.write(json.dumps(r) + "\n")
    summary = summarize(results, args.budget_ms, args.budget_ms - args.eligible_before_ms,
                        args.label or args.mode)
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
