#!/usr/bin/env python3
"""Soak: Keyward under a steady load for a long time, at half of the load it can take.

  python3 bench/soak.py [--seconds 1800] [--binary PATH]

1. Starts `keyward serve` (simulated driver, SQLite in a temporary directory; `--database postgres://…` for a shared
   database) and seeds an account with key pairs.
2. Measures the maximum rate this load generator gets from it (`--probe-seconds`, 15 by default): worker processes
   signing each request anew (signature v1, as the SDKs do; every nonce fresh), a mix of DescribeKeyPairs (4 in 5) and
   ImportKeyPair + DeleteKeyPairs pairs (1 in 5, so that the account stays the same size).
3. Runs the same mix at half of that rate for `--seconds`, sampling the server's RSS every `--sample` seconds.

It fails (exit 1) on any error answer or transport error, or when RSS after the first tenth of the run (the warm-up)
leaves ±10% of its value at the end of the warm-up. It prints one JSON line (SOAKJSON) with the figures.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing as mp
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench  # noqa: E402  (the benchmark's server wrapper, signer and key helpers)

REGION = "cn-hangzhou"
SEED_KEYS = 50
WORKERS = 4
RSS_BAND = 0.10


def pe(s: str) -> str:
    return quote(s, safe="~")


class Client:
    """One keep-alive connection that signs every request anew."""

    def __init__(self, port: int, ak: str, secret: str):
        self.port, self.ak, self.key = port, ak, (secret + "&").encode()
        self.conn = http.client.HTTPConnection(bench.HOST, port, timeout=30)

    def call(self, action: str, params: dict[str, str]) -> tuple[int, str]:
        p = {
            "Action": action, "Version": bench.ALI_VERSION, "Format": "JSON", "Timestamp": bench.ali_timestamp(),
            "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
            "AccessKeyId": self.ak, "RegionId": REGION,
        }
        p.update(params)
        query = "&".join(f"{pe(k)}={pe(v)}" for k, v in sorted(p.items()))
        signature = base64.b64encode(hmac.new(self.key, f"GET&%2F&{pe(query)}".encode(), hashlib.sha1).digest()).decode()
        try:
            self.conn.request("GET", f"/?{query}&Signature={pe(signature)}")
            response = self.conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = http.client.HTTPConnection(bench.HOST, self.port, timeout=30)
            return 0, f"transport: {e!r}"
        if response.status != 200:
            return response.status, body[:300].decode(errors="replace")
        return 200, ""


def worker(index: int, port: int, ak: str, secret: str, rate: float, seconds: float, keys: list[str], out) -> None:
    """Sends the mix for `seconds`, at `rate` requests/s (0: as fast as it can); puts its counts on `out`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    client = Client(port, ak, secret)
    counts = {"iterations": 0, "requests": 0, "errors": 0, "first_error": "", "latencies": []}
    start = time.monotonic()
    counts["started"] = start
    n = 0
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        if rate > 0:
            due = start + n / rate
            if due > now:
                time.sleep(due - now)
        n += 1
        counts["iterations"] += 1
        began = time.monotonic()
        if n % 5 == 0:
            name = f"soak-{index}-{n}"
            calls = [("ImportKeyPair", {"KeyPairName": name, "PublicKeyBody": keys[n % len(keys)]}),
                     ("DeleteKeyPairs", {"KeyPairNames": json.dumps([name])})]
        else:
            calls = [("DescribeKeyPairs", {"PageSize": "10"})]
        for action, params in calls:
            status, detail = client.call(action, params)
            counts["requests"] += 1
            if status != 200:
                counts["errors"] += 1
                counts["first_error"] = counts["first_error"] or f"{action}: {status} {detail}"
        if len(counts["latencies"]) < 200_000:
            counts["latencies"].append(time.monotonic() - began)
    counts["ended"] = time.monotonic()
    out.put(counts)


def run_load(server: bench.KeywardServer, rate: float, seconds: float, keys: list[str], on_sample=None, sample: float = 10.0) -> dict:
    """The mix from WORKERS processes at `rate` iterations/s in all (0: flat out; an iteration is one Describe, or an
    Import and its Delete); `on_sample()` is called every `sample` seconds."""
    queue: mp.Queue = mp.Queue()
    per_worker = rate / WORKERS if rate > 0 else 0
    procs = [mp.Process(target=worker, args=(i, server.port, server.ak, server.secret, per_worker, seconds, keys, queue))
             for i in range(WORKERS)]
    started = time.monotonic()
    for p in procs:
        p.start()
    next_sample = started
    while any(p.is_alive() for p in procs) and time.monotonic() - started < seconds + 5:
        if on_sample and time.monotonic() >= next_sample:
            on_sample(time.monotonic() - started)
            next_sample += sample
        time.sleep(0.2)
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    # The workers' own span (CLOCK_MONOTONIC is one clock for every process), not their start-up and shutdown.
    elapsed = max(r["ended"] for r in results) - min(r["started"] for r in results)
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "requests": sum(r["requests"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "first_error": next((r["first_error"] for r in results if r["first_error"]), ""),
        "seconds": round(elapsed, 1),
        "rate": round(sum(r["requests"] for r in results) / elapsed, 1),
        "iteration_rate": round(sum(r["iterations"] for r in results) / elapsed, 1),
        "p50_ms": round(bench.percentile(latencies, 50) * 1000, 2) if latencies else None,
        "p99_ms": round(bench.percentile(latencies, 99) * 1000, 2) if latencies else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 1800)))
    parser.add_argument("--probe-seconds", type=float, default=15)
    parser.add_argument("--sample", type=float, default=10)
    parser.add_argument("--binary", default=os.environ.get("KEYWARD_BIN"))
    parser.add_argument("--database", default=None, help="a postgres:// URL instead of SQLite")
    args = parser.parse_args()
    if not args.binary:
        print("soak: give --binary or KEYWARD_BIN (a release build: swift build -c release --product keyward)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="keyward-soak-"))
    procs = bench.Procs(work / "pids")
    key_file = None
    if args.database:
        key_file = work / "server.key"
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, base64.b64encode(secrets.token_bytes(32)) + b"\n")
        os.close(fd)
    server = bench.KeywardServer(procs, args.binary, work / "data", database=args.database, server_key_file=key_file)
    try:
        server.start()
        keys = [bench.ed25519_openssh_public(f"soak{i}") for i in range(64)]
        seeder = Client(server.port, server.ak, server.secret)
        for i in range(SEED_KEYS):
            status, detail = seeder.call("ImportKeyPair", {"KeyPairName": f"seed-{i}", "PublicKeyBody": keys[i % len(keys)]})
            if status != 200:
                raise bench.BenchError(f"seeding failed: {status} {detail}")

        probe = run_load(server, 0, args.probe_seconds, keys)
        if probe["errors"]:
            raise bench.BenchError(f"errors while measuring the maximum: {probe}")
        rate = probe["iteration_rate"] / 2
        bench.log(f"maximum {probe['rate']} requests/s with {WORKERS} workers; soaking at half ({rate:.0f} iterations/s) for {args.seconds:.0f}s")

        samples: list[tuple[float, int]] = []

        def sample(at: float) -> None:
            rss = server.rss_kib()
            if rss is not None:
                samples.append((round(at, 1), rss))

        soak = run_load(server, rate, args.seconds, keys, on_sample=sample, sample=args.sample)
        sample(args.seconds)
        warm = [s for s in samples if s[0] >= args.seconds / 10]
        reference = warm[0][1] if warm else None
        drift = max(abs(r - reference) / reference for _, r in warm) if reference else None
        report = {
            "maximum_rate": probe["rate"], "target_rate": round(rate, 1), "soak": soak,
            "rss_kib": {"start": samples[0][1] if samples else None, "after_warm_up": reference,
                        "min": min(r for _, r in warm) if warm else None, "max": max(r for _, r in warm) if warm else None,
                        "end": samples[-1][1] if samples else None},
            "rss_drift": round(drift, 4) if drift is not None else None, "samples": samples,
        }
        print("SOAKJSON " + json.dumps(report))
        print(f"soak: {soak['requests']} requests in {soak['seconds']}s at {soak['rate']}/s (half the maximum of "
              f"{probe['rate']}/s), {soak['errors']} errors, p50 {soak['p50_ms']} ms, p99 {soak['p99_ms']} ms; RSS "
              f"{report['rss_kib']['after_warm_up']} KiB after the warm-up, {report['rss_kib']['min']}–{report['rss_kib']['max']} "
              f"KiB after it (drift {100 * (drift or 0):.1f}%)")
        failures = []
        if soak["errors"]:
            failures.append(f"{soak['errors']} errors, the first: {soak['first_error']}")
        if drift is None or drift > RSS_BAND:
            failures.append(f"RSS left ±{int(RSS_BAND * 100)}% of its post-warm-up value: {samples}")
        if soak["iteration_rate"] < rate * 0.9:
            failures.append(f"the load reached only {soak['iteration_rate']} of {rate:.0f} iterations/s")
        for failure in failures:
            print(f"soak: FAILED: {failure}", file=sys.stderr)
        return 1 if failures else 0
    finally:
        procs.stop_all()
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    sys.exit(main())
