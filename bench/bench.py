#!/usr/bin/env python3
"""Keyward vs moto benchmark driver (started by bench/run.sh; see bench/README.md).

Runs a Keyward release binary and `moto_server` side by side on loopback, on the same machine in the same run,
and measures:
  (a) DescribeKeyPairs req/s with wrk, ~10 key pairs present
        Keyward: precomputed v1 (HMAC-SHA1) signed GET requests, each with its own SignatureNonce, sent once
        moto:    EC2 Action=DescribeKeyPairs&Version=2016-11-15 form POST with a dummy SigV4 Authorization header
  (b) ImportKeyPair req/s with wrk, a bounded count (default 4000) of distinct names / fresh Ed25519 keys
  (c) DescribeKeyPairs req/s through the SDKs, sequential: aliyun-python-sdk-ecs AcsClient vs boto3 (moto)
  (d) CreateKeyPair latency p50/p99, sequential, client-measured through the SDKs: RSA-2048 and Ed25519
  (e) (f) DescribeKeyPairs and ImportKeyPair through Tencent's TC3 (CVM dialect), against moto's (a) and (b)
and, for Keyward alone:
  the ceiling: the same wrk runs against keyward-bench-ceiling (bench/ceiling/main.swift), a bare Hummingbird route
        that answers with the bytes of one real Keyward response, so that Keyward reads as a fraction of its HTTP stack
  scale: DescribeKeyPairs (page 1 and a deep page) with 10, 500 and 50,000 key pairs in the region
  burst: CreateKeyPair RSA-2048 right after an idle pause (served from Keyward's pool of pre-generated keys), beside
        the sustained series of (d)
  PostgreSQL (BENCH_POSTGRES): the wrk rows (a) and (b) again with Keyward on a scratch PostgreSQL, against the same
        ceilings, then DescribeKeyPairs and ImportKeyPair with 1, 2 and 4 Keyward servers on that one database
and prints a final table of every target with its measured figure.

All traffic goes to 127.0.0.1 only; every loop is bounded in count and in time.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import math
import os
import platform
import re
import secrets
import signal
import socket
import sqlite3
import string
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

HOST = "127.0.0.1"
ALI_VERSION = "2014-05-26"
EC2_VERSION = "2016-11-15"

# Keyward regions (quota: 500 key pairs per account per region)
KW_DESCRIBE_REGION = "cn-hangzhou"
KW_IMPORT_REGIONS = ["cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou",
                     "cn-hongkong", "ap-southeast-1", "us-west-1"]
KW_CREATE_REGION = "eu-central-1"
TC3_DESCRIBE_REGION = "ap-guangzhou"
TC3_IMPORT_REGIONS = ["ap-shanghai", "ap-beijing", "ap-singapore"]
KW_QUOTA = 500
# The ceiling's ImportKeyPair body comes from one real import, in the one Alibaba region the import phase leaves alone
# (the create phase adds its key pairs there afterwards; the quota check there counts this one).
CEILING_IMPORT_REGION = KW_CREATE_REGION
CEILING_IMPORT_KEYS = 1
CEILING_POOL_PER_THREAD = 8        # the ceiling checks nothing: mode cycle over a few real signed lines
CEILING_TARGETS = {"describe": 0.5, "import": 0.3}   # Keyward req/s ÷ ceiling req/s
PG_CEILING_TARGETS = {"describe": 0.25, "import": 0.15}   # Keyward on PostgreSQL req/s ÷ the same ceiling req/s
RSA_BURST_TARGET_MS = 5.0          # CreateKeyPair RSA-2048 burst p50 through the SDK (Keyward's pool holds 8 keys)
# Scale phase: DescribeKeyPairs with 10 (the seed), 500 (the quota, through the API) and 50,000 (seeded in the
# database, past the quota) key pairs in one region. Every region of Keyward's catalog is in use by then, so the
# 500 are the first import region's (topped up through the API when BENCH_IMPORTS left it short) and the 50,000
# are the create region's key pairs plus rows inserted directly.
SCALE_MID_REGION = KW_IMPORT_REGIONS[0]
SCALE_LARGE_REGION = KW_CREATE_REGION
SCALE_LARGE = 50_000
SCALE_PAGE_SIZE = 50
SCALE_DEEP_PAGE = 500
# moto regions (no quota; the same layout so that every server holds the same number of key pairs per region)
MOTO_DESCRIBE_REGION = "us-east-1"
MOTO_IMPORT_REGIONS = ["us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1",
                       "ap-southeast-1", "ap-northeast-1"]
MOTO_CREATE_REGION = "ca-central-1"
# Every region of Keyward's catalog but the describe region, whose 10 key pairs every DescribeKeyPairs run reads: the
# PostgreSQL scale-out imports use whatever room the quota leaves in these
KW_SCALE_OUT_IMPORT_REGIONS = KW_IMPORT_REGIONS + [KW_CREATE_REGION, TC3_DESCRIBE_REGION] + TC3_IMPORT_REGIONS
# PostgreSQL phase: one scratch cluster (scripts/scratch-postgres.sh), Keyward's tables in a schema of their own
SCRATCH_POSTGRES = Path(__file__).resolve().parent.parent / "scripts" / "scratch-postgres.sh"
PG_SCHEMA = "keyward_bench"
MOTO_AK = "AKIDKEYWARDBENCH0000"
MOTO_SECRET = "bench-secret-not-checked-by-moto"

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


CONF = {
    "wrk_connections": env_int("BENCH_WRK_CONNECTIONS", 4),    # = wrk threads (one connection per thread)
    "describe_seconds": env_float("BENCH_DESCRIBE_SECONDS", 10),
    "warmup_seconds": env_float("BENCH_WARMUP_SECONDS", 2),
    "describe_keys": env_int("BENCH_DESCRIBE_KEYS", 10),
    "imports": env_int("BENCH_IMPORTS", 4000),
    "sdk_seconds": env_float("BENCH_SDK_SECONDS", 5),
    "rsa_count": env_int("BENCH_RSA_COUNT", 100),
    "ed25519_count": env_int("BENCH_ED25519_COUNT", 300),
    "series_cap_seconds": env_float("BENCH_SERIES_CAP_SECONDS", 90),  # time cap for each latency series
    "bounded_cap_seconds": env_float("BENCH_BOUNDED_CAP_SECONDS", 240),  # time cap for each bounded wrk run
    "scale": env_int("BENCH_SCALE", 1),                        # 0 skips the scale phase
    "scale_seconds": env_float("BENCH_SCALE_SECONDS", 5),      # each timed run of the scale and scale-out phases
    "rsa_burst": env_int("BENCH_RSA_BURST", 8),                # CreateKeyPair RSA calls of the burst (Keyward's pool: 8)
    "rsa_idle_seconds": env_float("BENCH_RSA_IDLE_SECONDS", 5),  # idle pause before the burst
    # PostgreSQL: "1" runs it (and fails the run if PostgreSQL cannot be started), "0" skips it; unset: on when root
    "postgres": os.environ.get("BENCH_POSTGRES", ""),
    "pg_imports": env_int("BENCH_PG_IMPORTS", 2000),           # ImportKeyPair on PostgreSQL, over the 8 import regions
    "pg_servers": [int(x) for x in os.environ.get("BENCH_PG_SERVERS", "1,2,4").split(",") if x.strip()],
    # 0: BENCH_WRK_CONNECTIONS split over the servers of a scale-out run; N: N connections (wrk threads) per server
    "pg_connections_per_server": env_int("BENCH_PG_CONNECTIONS_PER_SERVER", 0),
    # ImportKeyPair in each scale-out step, in all (split over its servers); 0 skips the scale-out imports
    "pg_scale_imports": env_int("BENCH_PG_SCALE_IMPORTS", 1200),
}


class BenchError(RuntimeError):
    pass


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def scrub_proxy_env() -> None:
    for v in PROXY_VARS:
        os.environ.pop(v, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------ process bookkeeping
class Procs:
    """Every child process we start; their pids are also written to a file so that run.sh's trap can end them
    (by pid) even if this driver dies without running its finally blocks."""

    def __init__(self, pid_file: Path):
        self.pid_file = pid_file
        self.procs: list[subprocess.Popen] = []

    def add(self, p: subprocess.Popen) -> subprocess.Popen:
        self.procs.append(p)
        with open(self.pid_file, "a") as f:
            f.write(f"{p.pid}\n")
        return p

    def stop(self, p: subprocess.Popen, timeout: float = 20.0) -> int | None:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def stop_all(self) -> None:
        for p in reversed(self.procs):
            try:
                self.stop(p, timeout=10)
            except Exception as e:  # noqa: BLE001 - best effort during teardown
                log(f"could not stop pid {p.pid}: {e}")


# ------------------------------------------------------------------------------------------ signing (Keyward, v1)
def pe(s: str) -> str:
    """RFC 3986 percent-encoding used by Alibaba's v1 signature (space -> %20, '*' -> %2A, '~' kept)."""
    return quote(s, safe="~")


class V1Signer:
    """Alibaba RPC signature v1 (HMAC-SHA1), as aliyun-python-sdk-core computes it (reference §1.1)."""

    def __init__(self, ak: str, secret: str):
        self.ak = ak
        self.key = (secret + "&").encode()

    def query(self, method: str, action: str, params: dict[str, str], timestamp: str) -> str:
        p = {
            "Action": action, "Version": ALI_VERSION, "Format": "JSON", "Timestamp": timestamp,
            "SignatureMethod": "HMAC-SHA1", "SignatureType": "", "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex, "AccessKeyId": self.ak,
        }
        p.update(params)
        cq = "&".join(f"{pe(k)}={pe(v)}" for k, v in sorted(p.items()))
        sts = f"{method}&%2F&{pe(cq)}"
        sig = base64.b64encode(hmac.new(self.key, sts.encode(), hashlib.sha1).digest()).decode()
        return f"{cq}&Signature={pe(sig)}"


class TC3Signer:
    """Tencent Cloud TC3-HMAC-SHA256 for CVM, as tencentcloud-sdk-python signs a POST JSON request."""

    def __init__(self, secret_id: str, secret_key: str, host: str):
        self.secret_id, self.secret_key, self.host = secret_id, secret_key, host

    def line(self, action: str, params: dict, timestamp: int, region: str) -> str:
        body = json.dumps(params, separators=(",", ":"))
        date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
        canonical = "\n".join(["POST", "/", "", f"content-type:application/json\nhost:{self.host}\n", "content-type;host",
                               hashlib.sha256(body.encode()).hexdigest()])
        sts = "\n".join(["TC3-HMAC-SHA256", str(timestamp), f"{date}/cvm/tc3_request", hashlib.sha256(canonical.encode()).hexdigest()])
        k = hmac.new(("TC3" + self.secret_key).encode(), date.encode(), hashlib.sha256).digest()
        k = hmac.new(k, b"cvm", hashlib.sha256).digest()
        k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
        sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        headers = [
            "Content-Type: application/json", f"X-TC-Action: {action}", "X-TC-Version: 2017-03-12", f"X-TC-Timestamp: {timestamp}",
            f"X-TC-Region: {region}", f"X-TC-TraceId: {uuid.uuid4()}",
            f"Authorization: TC3-HMAC-SHA256 Credential={self.secret_id}/{date}/cvm/tc3_request, SignedHeaders=content-type;host, Signature={sig}",
        ]
        return pool_line("POST", "/", body, headers)


def ali_timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ------------------------------------------------------------------------------------------ moto request form
def moto_headers(region: str) -> list[str]:
    """moto_server picks the backend (service + region) from the SigV4 credential scope of the Authorization header;
    an unsigned POST to / is routed to S3 (ListBuckets). moto does not verify the signature itself."""
    now = dt.datetime.now(dt.timezone.utc)
    return [
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        f"X-Amz-Date: {now.strftime('%Y%m%dT%H%M%SZ')}",
        f"Authorization: AWS4-HMAC-SHA256 Credential={MOTO_AK}/{now.strftime('%Y%m%d')}/{region}/ec2/aws4_request, "
        f"SignedHeaders=content-type;host;x-amz-date, Signature={'0' * 64}",
    ]


def pool_line(method: str, path: str, body: str = "", headers: list[str] | None = None) -> str:
    fields = [method, path, body] + list(headers or [])
    line = "\t".join(fields)
    assert "\n" not in line and "\r" not in line
    return line


def write_pool(prefix: Path, lines: list[str], threads: int, sentinel: str) -> list[int]:
    """Deal the lines round-robin into <prefix>.1 .. <prefix>.<threads>; returns the count per thread.
    `sentinel` is the harmless request wrk_pool.lua sends if wrk asks a finished thread for one more."""
    Path(f"{prefix}.sentinel").write_text(sentinel + "\n")
    counts = []
    for t in range(threads):
        share = lines[t::threads]
        if not share:
            raise BenchError(f"pool {prefix} has fewer lines ({len(lines)}) than threads ({threads})")
        Path(f"{prefix}.{t + 1}").write_text("\n".join(share) + "\n")
        counts.append(len(share))
    for done in prefix.parent.glob(prefix.name + ".done.*"):
        done.unlink()
    return counts


# ------------------------------------------------------------------------------------------ key material
def ed25519_openssh_public(comment: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    pub = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return f"{pub} {comment}"


# ------------------------------------------------------------------------------------------ servers
class KeywardServer:
    """`keyward serve` on SQLite in `data_dir` (the default) or, with `database` (a postgres:// URL) and
    `server_key_file`, one server of a PostgreSQL deployment: the servers of one deployment share the database, the
    server key file and the root AccessKey (`ak`/`secret`, passed through the environment), each with its own data
    dir, port and log."""

    def __init__(self, procs: Procs, binary: str, data_dir: Path, *, ak: str | None = None, secret: str | None = None,
                 database: str | None = None, server_key_file: Path | None = None, log_path: Path | None = None):
        self.procs, self.binary, self.data_dir = procs, binary, data_dir
        self.port = free_port()
        self.ak = ak or "LTAI" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20))
        self.secret = secret or secrets.token_urlsafe(24)
        self.database, self.server_key_file = database, server_key_file
        self.log_path = log_path or data_dir.parent / "keyward.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60) -> None:
        """Starts (or, after stop(), restarts) Keyward on the same port, data dir and configured root AccessKey. The
        log is appended to, so only what this start wrote is read (an earlier start's marker does not count)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
        env["KEYWARD_ROOT_ACCESS_KEY_ID"] = self.ak
        env["KEYWARD_ROOT_ACCESS_KEY_SECRET"] = self.secret
        cmd = [self.binary, "serve", "--listen", f"{HOST}:{self.port}", "--data", str(self.data_dir),
               "--driver", "simulated", "--metadata-listen", "off"]
        if self.database:
            cmd += ["--database", self.database]
        if self.server_key_file:
            cmd += ["--server-key-file", str(self.server_key_file)]
        logf = open(self.log_path, "ab")
        try:
            self.proc = self.procs.add(subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=env))
        finally:
            logf.close()
        marker = f"listening on http://{HOST}:{self.port}"
        # The banner names the root AccessKey: it must be the configured one on every start (a restart on the same
        # data dir keeps it because the same KEYWARD_ROOT_ACCESS_KEY_ID/SECRET are passed again).
        key_line = re.compile(r"Root AccessKeyId:\s+" + re.escape(self.ak) + r"\s*\n\s*AccessKeySecret: from KEYWARD_ROOT_ACCESS_KEY_SECRET")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[offset:].decode(errors="replace")
            if marker in text and key_line.search(text):
                self.starts += 1
                return
            if self.proc.poll() is not None:
                raise BenchError(f"keyward exited with {self.proc.returncode}; log:\n{text[-3000:]}")
            time.sleep(0.05)
        raise BenchError(f"keyward did not print {marker!r} and its configured root AccessKey {self.ak} within "
                         f"{timeout}s; log:\n{text[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            code = self.procs.stop(self.proc)
            log(f"keyward on port {self.port} stopped (exit code {code})")
            self.proc = None

    def rss_kib(self) -> int | None:
        return rss_kib(self.proc)


class MotoServer:
    def __init__(self, procs: Procs, venv_bin: Path, work: Path):
        self.procs = procs
        self.exe = str(venv_bin / "moto_server")
        self.port = free_port()
        self.log_path = work / "moto.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60) -> None:
        import requests
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
        logf = open(self.log_path, "ab")
        try:
            self.proc = self.procs.add(subprocess.Popen(
                [self.exe, "-H", HOST, "-p", str(self.port)],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=env))
        finally:
            logf.close()
        deadline = time.monotonic() + timeout
        body = urlencode({"Action": "DescribeRegions", "Version": EC2_VERSION})
        hdrs = dict(h.split(": ", 1) for h in moto_headers("us-east-1"))
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"moto_server exited with {self.proc.returncode}; log:\n"
                                 f"{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                r = requests.post(self.url + "/", data=body, headers=hdrs, timeout=5)
                if r.status_code == 200 and "DescribeRegionsResponse" in r.text:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise BenchError(f"moto_server not answering EC2 DescribeRegions within {timeout}s")

    def stop(self) -> None:
        if self.proc is not None:
            code = self.procs.stop(self.proc)
            log(f"moto_server stopped (exit code {code})")
            self.proc = None

    def rss_kib(self) -> int | None:
        return rss_kib(self.proc)


def rss_kib(proc: subprocess.Popen | None) -> int | None:
    if proc is None:
        return None
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# ------------------------------------------------------------------------------------------ SDK clients
class KeywardSdk:
    """aliyun-python-sdk-core / aliyun-python-sdk-ecs (legacy AcsClient, signature v1)."""

    def __init__(self, srv: KeywardServer, region: str):
        from aliyunsdkcore.client import AcsClient
        self.client = AcsClient(srv.ak, srv.secret, region, auto_retry=False, port=srv.port,
                                connect_timeout=10, timeout=120)

    def _do(self, req) -> dict:
        req.set_endpoint(HOST)
        req.set_protocol_type("http")
        return json.loads(self.client.do_action_with_exception(req))

    def describe(self, region: str, page_size: int = 50) -> dict:
        from aliyunsdkecs.request.v20140526.DescribeKeyPairsRequest import DescribeKeyPairsRequest
        req = DescribeKeyPairsRequest()
        req.add_query_param("RegionId", region)
        req.set_PageSize(page_size)
        return self._do(req)

    def import_key(self, region: str, name: str, public_key: str) -> dict:
        from aliyunsdkecs.request.v20140526.ImportKeyPairRequest import ImportKeyPairRequest
        req = ImportKeyPairRequest()
        req.add_query_param("RegionId", region)
        req.set_KeyPairName(name)
        req.set_PublicKeyBody(public_key)
        return self._do(req)

    def create_rsa(self, region: str, name: str) -> dict:
        from aliyunsdkecs.request.v20140526.CreateKeyPairRequest import CreateKeyPairRequest
        req = CreateKeyPairRequest()
        req.add_query_param("RegionId", region)
        req.set_KeyPairName(name)
        return self._do(req)

    def create_ed25519(self, region: str, name: str) -> dict:
        from aliyunsdkcore.request import CommonRequest
        req = CommonRequest(domain=HOST, version=ALI_VERSION, action_name="CreateKeyPair")
        req.set_method("POST")
        req.add_query_param("RegionId", region)
        req.add_query_param("KeyPairName", name)
        req.add_query_param("KeyType", "ed25519")
        return self._do(req)


def boto_ec2(moto: MotoServer, region: str):
    import boto3
    from botocore.config import Config
    return boto3.client("ec2", endpoint_url=moto.url, region_name=region, aws_access_key_id=MOTO_AK,
                        aws_secret_access_key=MOTO_SECRET,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"},
                                      connect_timeout=10, read_timeout=120))


# ------------------------------------------------------------------------------------------ wrk
class Wrk:
    def __init__(self, procs: Procs, exe: str, lua: Path, work: Path):
        self.procs, self.exe, self.lua, self.work = procs, exe, lua, work

    def run(self, label: str, url: str, prefix: Path, mode: str, threads: int, *, duration: float | None = None,
            expected: int | None = None, cap: float = 240.0) -> dict:
        """duration: a timed run (wrk -d). expected: a bounded run of exactly `expected` requests in mode once;
        wrk is SIGINTed once every thread has written its done marker."""
        return self.finish([self.start(label, url, prefix, mode, threads, duration=duration, expected=expected, cap=cap)])[0]

    def start(self, label: str, url: str, prefix: Path, mode: str, threads: int, *, duration: float | None = None,
              expected: int | None = None, cap: float = 240.0) -> dict:
        """Starts one wrk (as run() does) and returns its handle for finish(); several may run at the same time."""
        bounded = expected is not None
        d = cap if bounded else duration
        cmd = [self.exe, "-t", str(threads), "-c", str(threads), "-d", f"{int(math.ceil(d))}s", "--timeout", "30s",
               "-s", str(self.lua), url + "/", "--", str(prefix), mode]
        out_path = self.work / f"wrk-{label}.out"
        load_at_start = round(os.getloadavg()[0], 2)   # this machine is shared: a high figure explains a low rate
        with open(out_path, "w") as out:
            p = self.procs.add(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT))
        return {"label": label, "proc": p, "prefix": prefix, "threads": threads, "bounded": bounded,
                "expected": expected, "d": d, "out_path": out_path, "load_at_start": load_at_start,
                "start": time.monotonic(), "sigint_sent": False}

    def finish(self, handles: list[dict]) -> list[dict]:
        """Waits for every started wrk (each bounded one SIGINTed once all its threads are done), then summarizes each."""
        while any(h["proc"].poll() is None for h in handles):
            for h in handles:
                p = h["proc"]
                if p.poll() is not None:
                    continue
                if h["bounded"] and not h["sigint_sent"]:
                    prefix = h["prefix"]
                    done = [prefix.parent / f"{prefix.name}.done.{t + 1}" for t in range(h["threads"])]
                    if all(f.exists() for f in done):
                        p.send_signal(signal.SIGINT)
                        h["sigint_sent"] = True
                if time.monotonic() - h["start"] > h["d"] + 120:  # wrk should have ended by itself long ago
                    p.kill()
                    p.wait()
                    raise BenchError(f"wrk run {h['label']} hung; see {h['out_path']}")
            time.sleep(0.05)
        return [self._summary(h) for h in handles]

    def _summary(self, h: dict) -> dict:
        label, p, out_path, threads = h["label"], h["proc"], h["out_path"], h["threads"]
        bounded, expected, d, sigint_sent = h["bounded"], h["expected"], h["d"], h["sigint_sent"]
        load_at_start = h["load_at_start"]
        text = out_path.read_text(errors="replace")
        if p.returncode != 0:
            raise BenchError(f"wrk run {label} exited with {p.returncode}:\n{text[-3000:]}")
        js = [ln for ln in text.splitlines() if ln.startswith("BENCHJSON ")]
        if not js:
            raise BenchError(f"wrk run {label}: no BENCHJSON line in output:\n{text[-3000:]}")
        res = json.loads(js[-1][len("BENCHJSON "):])
        th = res["threads"]
        got = sum(t["got"] for t in th)
        bad = sum(t["bad"] for t in th)
        overrun = sum(t["overrun"] for t in th)
        firsts = [t["t_first"] for t in th if t["t_first"] >= 0]
        lasts = [t["t_last"] for t in th if t["t_last"] >= 0]
        span = (max(lasts) - min(firsts)) if firsts and lasts else 0.0
        errs = res["errors"]
        problems = []
        if bad:
            firstbad = next(t["first_bad"] for t in th if t["bad"])
            problems.append(f"{bad} non-2xx responses (first: {firstbad})")
        for k in ("connect", "read", "write", "timeout", "status"):
            if errs[k]:
                problems.append(f"{errs[k]} wrk {k} errors")
        if overrun > threads:
            # safety net in wrk_pool.lua: a finished thread sends the sentinel instead of repeating a line
            problems.append(f"{overrun} requests beyond the pool (sentinels sent) with {threads} threads")
        if bounded and got != expected:
            problems.append(f"expected {expected} responses, got {got}")
        if bounded and not sigint_sent:
            problems.append(f"bounded run ended by its {d:.0f}s cap before all requests completed")
        # a timed run in mode once whose threads ran out of requests early is reported through
        # exhausted_threads; the caller decides (fine for a warm-up, retried for a measurement)
        exhausted = sum(t["exhausted"] for t in th) if not bounded else 0
        summary = {
            "label": label, "responses": got, "non_2xx": bad, "span_s": round(span, 3),
            "rps": round(got / span, 1) if span > 0 else 0.0,
            "wrk_rps": round(res["requests"] / (res["duration_us"] / 1e6), 1) if res["duration_us"] else 0.0,
            "latency_ms": {k: round(v / 1000, 3) for k, v in res["latency_us"].items()},
            "wrk_errors": errs, "threads": threads, "connections": threads, "problems": problems,
            "exhausted_threads": exhausted, "sentinels_sent": overrun, "loadavg_1m_at_start": load_at_start,
            # CLOCK_MONOTONIC is system-wide: wrk runs at the same time are put on one time line with these
            "t_first": min(firsts) if firsts else None, "t_last": max(lasts) if lasts else None,
        }
        log(f"wrk {label}: {got} responses in {span:.2f}s = {summary['rps']:.1f} req/s "
            f"(p50 {summary['latency_ms']['p50']} ms, p99 {summary['latency_ms']['p99']} ms)"
            + (f"  PROBLEMS: {problems}" if problems else ""))
        return summary


def require_clean(res: dict) -> dict:
    if res["problems"]:
        raise BenchError(f"wrk run {res['label']} is not valid: " + "; ".join(res["problems"]))
    return res


# ------------------------------------------------------------------------------------------ phases
def seed_keyward(kw: KeywardServer, n: int, region: str = KW_DESCRIBE_REGION, comment: str = "kw") -> None:
    """`n` key pairs in `region` through the Alibaba SDK, then checked with DescribeKeyPairs."""
    sdk = KeywardSdk(kw, region)
    for i in range(n):
        sdk.import_key(region, f"bench-describe-{i:02d}", ed25519_openssh_public(f"{comment}-{i}"))
    kt = sdk.describe(region)
    if kt.get("TotalCount") != n or len(kt["KeyPairs"]["KeyPair"]) != n:
        raise BenchError(f"Keyward DescribeKeyPairs in {region} after seeding: {kt}")


def seed(kw: KeywardServer, moto: MotoServer, n: int) -> None:
    seed_keyward(kw, n)
    ec2 = boto_ec2(moto, MOTO_DESCRIBE_REGION)
    for i in range(n):
        ec2.import_key_pair(KeyName=f"bench-describe-{i:02d}",
                            PublicKeyMaterial=ed25519_openssh_public(f"moto-{i}").encode())
    mk = ec2.describe_key_pairs()["KeyPairs"]
    if len(mk) != n:
        raise BenchError(f"moto describe_key_pairs after seeding returned {len(mk)} pairs")
    # The same number in Tencent's region, through the Alibaba SDK (one record for both dialects), for the TC3 rows.
    sdk = KeywardSdk(kw, KW_DESCRIBE_REGION)
    for i in range(n):
        sdk.import_key(TC3_DESCRIBE_REGION, f"bench-describe-{i:02d}", ed25519_openssh_public(f"tc-{i}"))
    log(f"seeded {n} key pairs in Keyward {KW_DESCRIBE_REGION} and {TC3_DESCRIBE_REGION} and moto {MOTO_DESCRIBE_REGION}")


# Harmless, state-free requests for wrk_pool.lua's sentinel (see there). Keyward's is unsigned, so it is refused
# before any state (nonce store, key pairs) is touched.
KW_SENTINEL = pool_line("GET", "/?Action=DescribeRegions&Version=2014-05-26&Format=JSON&BenchSentinel=1")


def moto_sentinel() -> str:
    return pool_line("POST", "/", urlencode({"Action": "DescribeRegions", "Version": EC2_VERSION}),
                     moto_headers("us-east-1"))


def kw_describe_lines(kw: KeywardServer, count: int) -> list[str]:
    signer = V1Signer(kw.ak, kw.secret)
    ts = ali_timestamp()
    params = {"RegionId": KW_DESCRIBE_REGION, "PageSize": "50"}
    return [pool_line("GET", "/?" + signer.query("GET", "DescribeKeyPairs", params, ts)) for _ in range(count)]


def kw_tc3_describe_lines(kw: KeywardServer, count: int) -> list[str]:
    signer = TC3Signer(kw.ak, kw.secret, kw.url.split("//", 1)[1])
    ts = int(time.time())
    return [signer.line("DescribeKeyPairs", {"Limit": 50}, ts, TC3_DESCRIBE_REGION) for _ in range(count)]


def moto_describe_lines(count: int) -> list[str]:
    body = urlencode({"Action": "DescribeKeyPairs", "Version": EC2_VERSION})
    line = pool_line("POST", "/", body, moto_headers(MOTO_DESCRIBE_REGION))
    return [line] * count


def phase_describe_wrk(kw, moto, wrk: Wrk, work: Path) -> dict:
    T = CONF["wrk_connections"]
    dur, warm = CONF["describe_seconds"], CONF["warmup_seconds"]
    out = {}
    # moto: the same request over and over (moto neither checks signatures nor refuses replays)
    mprefix = work / "pool-moto-describe"
    write_pool(mprefix, moto_describe_lines(T), T, moto_sentinel())
    wrk.run("moto-describe-warmup", moto.url, mprefix, "cycle", T, duration=warm)
    out["moto"] = require_clean(wrk.run("moto-describe", moto.url, mprefix, "cycle", T, duration=dur))

    out["keyward"] = kw_describe_wrk(kw, wrk, work, "keyward")
    return out


def kw_describe_wrk(kw: KeywardServer, wrk: Wrk, work: Path, tag: str) -> dict:
    """Keyward's DescribeKeyPairs wrk run (a): every request carries its own nonce, so the pool must outlast the run;
    the warm-up run sizes it. `tag` names the run (keyward: SQLite; pg: the PostgreSQL phase)."""
    T = CONF["wrk_connections"]
    dur, warm = CONF["describe_seconds"], CONF["warmup_seconds"]
    kprefix = work / f"pool-{tag}-describe"
    warm_pool = max(T * 200, int(os.environ.get("BENCH_KW_WARMUP_POOL", 60000)))
    write_pool(kprefix, kw_describe_lines(kw, warm_pool), T, KW_SENTINEL)
    w = require_clean(wrk.run(f"{tag}-describe-warmup", kw.url, kprefix, "once", T, duration=warm))
    rate = w["rps"]
    pool = int(os.environ.get("BENCH_KW_DESCRIBE_POOL", 0)) or int(rate * dur * 1.6) + 20000
    for attempt in (1, 2):
        log(f"signing {pool} DescribeKeyPairs requests for Keyward ({tag})")
        t0 = time.monotonic()
        write_pool(kprefix, kw_describe_lines(kw, pool), T, KW_SENTINEL)
        log(f"  signed in {time.monotonic() - t0:.1f}s")
        r = wrk.run(f"{tag}-describe", kw.url, kprefix, "once", T, duration=dur)
        if r["exhausted_threads"]:
            if attempt == 1:
                log("pool was too small for the run; retrying with a pool three times as large")
                pool *= 3
                continue
            raise BenchError(f"{r['exhausted_threads']} wrk thread(s) ran out of the {pool} precomputed "
                             "DescribeKeyPairs requests; set BENCH_KW_DESCRIBE_POOL higher")
        r = require_clean(r)
        r["pool"] = pool
        r["warmup_rps"] = rate
        return r
    raise AssertionError("unreachable")


def phase_tc3_describe_wrk(kw, wrk: Wrk, work: Path) -> dict:
    """DescribeKeyPairs through Tencent's TC3 on the same key pairs (seeded in ap-guangzhou): the CVM dialect's cost."""
    T = CONF["wrk_connections"]
    dur, warm = CONF["describe_seconds"], CONF["warmup_seconds"]
    prefix = work / "pool-kw-tc3-describe"
    warm_pool = max(T * 200, int(os.environ.get("BENCH_KW_WARMUP_POOL", 60000)))
    write_pool(prefix, kw_tc3_describe_lines(kw, warm_pool), T, KW_SENTINEL)
    w = require_clean(wrk.run("keyward-tc3-describe-warmup", kw.url, prefix, "once", T, duration=warm))
    pool = int(w["rps"] * dur * 1.6) + 20000
    write_pool(prefix, kw_tc3_describe_lines(kw, pool), T, KW_SENTINEL)
    r = wrk.run("keyward-tc3-describe", kw.url, prefix, "once", T, duration=dur)
    if r["exhausted_threads"]:
        raise BenchError(f"{r['exhausted_threads']} wrk thread(s) ran out of the {pool} TC3 DescribeKeyPairs requests")
    return require_clean(r)


def phase_tc3_import_wrk(kw, wrk: Wrk, work: Path) -> dict:
    """ImportKeyPair through TC3, spread over Tencent's regions (≤ the quota in each)."""
    T = CONF["wrk_connections"]
    n = min(CONF["imports"], KW_QUOTA * len(TC3_IMPORT_REGIONS))
    signer = TC3Signer(kw.ak, kw.secret, kw.url.split("//", 1)[1])
    ts = int(time.time())
    run_id = secrets.token_hex(3)
    lines = [signer.line("ImportKeyPair", {"KeyName": f"t{run_id}_{i:05d}", "ProjectId": 0,
                                           "PublicKey": ed25519_openssh_public(f"t{i}")}, ts, TC3_IMPORT_REGIONS[i % len(TC3_IMPORT_REGIONS)])
             for i in range(n)]
    prefix = work / "pool-kw-tc3-import"
    write_pool(prefix, lines, T, KW_SENTINEL)
    out = require_clean(wrk.run("keyward-tc3-import", kw.url, prefix, "once", T, expected=n, cap=CONF["bounded_cap_seconds"]))
    out["imports"] = n
    return out


def phase_import_wrk(kw, moto, wrk: Wrk, work: Path) -> dict:
    T = CONF["wrk_connections"]
    n = CONF["imports"]
    nreg = len(KW_IMPORT_REGIONS)
    if n > KW_QUOTA * nreg:
        raise BenchError(f"BENCH_IMPORTS={n} exceeds Keyward's quota over {nreg} regions ({KW_QUOTA * nreg})")
    log(f"generating {2 * n} Ed25519 public keys")
    out = {}
    run_id = secrets.token_hex(3)

    # moto: EC2 ImportKeyPair, PublicKeyMaterial base64-encoded (as boto3 sends the blob)
    lines = []
    for i in range(n):
        region = MOTO_IMPORT_REGIONS[i % nreg]
        body = urlencode({"Action": "ImportKeyPair", "Version": EC2_VERSION, "KeyName": f"imp-{run_id}-{i:05d}",
                          "PublicKeyMaterial": base64.b64encode(ed25519_openssh_public(f"m{i}").encode()).decode()})
        lines.append(pool_line("POST", "/", body, moto_headers(region)))
    mprefix = work / "pool-moto-import"
    write_pool(mprefix, lines, T, moto_sentinel())
    out["moto"] = require_clean(wrk.run("moto-import", moto.url, mprefix, "once", T, expected=n,
                                        cap=CONF["bounded_cap_seconds"]))

    # Keyward: v1-signed GET ImportKeyPair, spread evenly over 8 regions (<= 500 per region = the quota)
    out["keyward"] = kw_import_wrk(kw, wrk, work, "keyward", n, run_id)

    # both servers must now hold exactly the imported key pairs
    per_region = [n // nreg + (1 if r < n % nreg else 0) for r in range(nreg)]
    check_region_counts(kw, dict(zip(KW_IMPORT_REGIONS, per_region)), "after the import run")
    for r, region in enumerate(MOTO_IMPORT_REGIONS):
        total = len(boto_ec2(moto, region).describe_key_pairs()["KeyPairs"])
        if total != per_region[r]:
            raise BenchError(f"moto {region} holds {total} key pairs after the import run, expected {per_region[r]}")
    log("import counts verified on both servers")
    return out


def kw_import_lines(kw: KeywardServer, items: list[tuple[str, str]]) -> list[str]:
    """One v1-signed GET ImportKeyPair line per (region, name), each with a fresh Ed25519 key."""
    signer = V1Signer(kw.ak, kw.secret)
    ts = ali_timestamp()
    return [pool_line("GET", "/?" + signer.query("GET", "ImportKeyPair", {
                "RegionId": region, "KeyPairName": name, "PublicKeyBody": ed25519_openssh_public(f"k{i}")}, ts))
            for i, (region, name) in enumerate(items)]


def kw_import_wrk(kw: KeywardServer, wrk: Wrk, work: Path, tag: str, n: int, run_id: str) -> dict:
    """Keyward's ImportKeyPair wrk run (b): `n` distinct names, round-robin over the 8 import regions (≤ the quota in
    each), a bounded run of exactly n responses. `tag` names the run (keyward: SQLite; pg: the PostgreSQL phase)."""
    T = CONF["wrk_connections"]
    nreg = len(KW_IMPORT_REGIONS)
    lines = kw_import_lines(kw, [(KW_IMPORT_REGIONS[i % nreg], f"imp-{run_id}-{i:05d}") for i in range(n)])
    kprefix = work / f"pool-{tag}-import"
    write_pool(kprefix, lines, T, KW_SENTINEL)
    r = require_clean(wrk.run(f"{tag}-import", kw.url, kprefix, "once", T, expected=n, cap=CONF["bounded_cap_seconds"]))
    r["imports"] = n
    return r


def check_region_counts(kw: KeywardServer, expected: dict[str, int], when: str) -> None:
    """Every region in `expected` holds exactly that many key pairs (TotalCount of a signed DescribeKeyPairs)."""
    sdk = KeywardSdk(kw, KW_DESCRIBE_REGION)
    for region, want in expected.items():
        total = sdk.describe(region, page_size=1)["TotalCount"]
        if total != want:
            raise BenchError(f"Keyward (port {kw.port}) {region} holds {total} key pairs {when}, expected {want}")


def timed_loop(fn, seconds: float, max_calls: int = 1_000_000) -> dict:
    n = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while n < max_calls:
        fn()
        n += 1
        if time.perf_counter() >= deadline:
            break
    span = time.perf_counter() - t0
    return {"calls": n, "seconds": round(span, 3), "rps": round(n / span, 1)}


def phase_sdk_describe(kw, moto) -> dict:
    secs = CONF["sdk_seconds"]
    nkeys = CONF["describe_keys"]
    sdk = KeywardSdk(kw, KW_DESCRIBE_REGION)
    ec2 = boto_ec2(moto, MOTO_DESCRIBE_REGION)

    def kw_call():
        r = sdk.describe(KW_DESCRIBE_REGION)
        if r["TotalCount"] != nkeys:
            raise BenchError(f"Keyward DescribeKeyPairs returned TotalCount {r['TotalCount']}")

    def moto_call():
        r = ec2.describe_key_pairs()
        if len(r["KeyPairs"]) != nkeys:
            raise BenchError(f"moto describe_key_pairs returned {len(r['KeyPairs'])} pairs")

    for _ in range(20):  # warm both clients' connection pools and the servers
        kw_call()
        moto_call()
    out = {"keyward": timed_loop(kw_call, secs), "moto": timed_loop(moto_call, secs)}
    log(f"SDK DescribeKeyPairs: Keyward {out['keyward']['rps']} req/s, moto {out['moto']['rps']} req/s")
    return out


def percentile(sorted_vals: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    k = max(1, math.ceil(p / 100 * len(sorted_vals)))
    return sorted_vals[k - 1]


def latency_series(label: str, fn, count: int, cap: float) -> dict:
    samples = []
    t_start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t0)
        if time.perf_counter() - t_start > cap:
            log(f"{label}: time cap {cap:.0f}s reached after {len(samples)} of {count} requests")
            break
    s = sorted(samples)
    res = {"count": len(s), "requested": count,
           "p50_ms": round(percentile(s, 50) * 1000, 3), "p99_ms": round(percentile(s, 99) * 1000, 3),
           "mean_ms": round(sum(s) / len(s) * 1000, 3), "max_ms": round(s[-1] * 1000, 3)}
    log(f"{label}: n={res['count']} p50 {res['p50_ms']} ms p99 {res['p99_ms']} ms")
    return res


def check_create_counts() -> None:
    """The create region also holds the two warm-up key pairs, the RSA burst and the ceiling's imported one: all within
    the quota."""
    room = KW_QUOTA - 2 - CONF["rsa_burst"] - (CEILING_IMPORT_KEYS if CEILING_IMPORT_REGION == KW_CREATE_REGION else 0)
    if CONF["rsa_burst"] < 1:
        raise BenchError("BENCH_RSA_BURST must be at least 1")
    if CONF["rsa_count"] + CONF["ed25519_count"] > room:
        raise BenchError(f"BENCH_RSA_COUNT + BENCH_ED25519_COUNT must be at most {room} with BENCH_RSA_BURST="
                         f"{CONF['rsa_burst']} (one region, quota {KW_QUOTA})")


def phase_create_latency(kw, moto) -> dict:
    cap = CONF["series_cap_seconds"]
    sdk = KeywardSdk(kw, KW_CREATE_REGION)
    ec2 = boto_ec2(moto, MOTO_CREATE_REGION)
    run_id = secrets.token_hex(3)
    nrsa, ned = CONF["rsa_count"], CONF["ed25519_count"]
    check_create_counts()

    def kw_rsa(i):
        r = sdk.create_rsa(KW_CREATE_REGION, f"rsa-{run_id}-{i:04d}")
        if "PRIVATE KEY-----" not in r.get("PrivateKeyBody", ""):
            raise BenchError(f"Keyward CreateKeyPair (RSA) returned no private key: {r}")

    def kw_ed(i):
        r = sdk.create_ed25519(KW_CREATE_REGION, f"ed-{run_id}-{i:04d}")
        if "BEGIN OPENSSH PRIVATE KEY" not in r.get("PrivateKeyBody", ""):
            raise BenchError(f"Keyward CreateKeyPair (KeyType=ed25519) returned no OpenSSH private key: {r}")

    def moto_rsa(i):
        r = ec2.create_key_pair(KeyName=f"rsa-{run_id}-{i:04d}", KeyType="rsa")
        if "PRIVATE KEY-----" not in r["KeyMaterial"]:
            raise BenchError("moto create_key_pair (rsa) returned no private key")

    def moto_ed(i):
        r = ec2.create_key_pair(KeyName=f"ed-{run_id}-{i:04d}", KeyType="ed25519")
        if "BEGIN OPENSSH PRIVATE KEY" not in r["KeyMaterial"]:
            raise BenchError("moto create_key_pair (ed25519) returned no OpenSSH private key")

    def kw_rsa_burst(i):
        r = sdk.create_rsa(KW_CREATE_REGION, f"rsab-{run_id}-{i:04d}")
        if "PRIVATE KEY-----" not in r.get("PrivateKeyBody", ""):
            raise BenchError(f"Keyward CreateKeyPair (RSA, burst) returned no private key: {r}")

    # one untimed call each to warm the clients (names outside the timed range)
    kw_rsa(9999)
    kw_ed(9999)
    moto_rsa(9999)
    moto_ed(9999)
    # The burst: after an idle pause (Keyward's pool of pre-generated RSA keys refills in the background meanwhile),
    # BENCH_RSA_BURST sequential calls. The sustained series follows straight away, so it starts on an emptied pool.
    idle = CONF["rsa_idle_seconds"]
    log(f"idle for {idle:g}s before the CreateKeyPair RSA-2048 burst")
    time.sleep(idle)
    burst = latency_series(f"Keyward CreateKeyPair RSA-2048 burst after {idle:g}s idle", kw_rsa_burst,
                           CONF["rsa_burst"], cap)
    burst["idle_s"] = idle
    return {
        "rsa": {"keyward_burst": burst,
                "keyward": latency_series("Keyward CreateKeyPair RSA-2048 (sustained)", kw_rsa, nrsa, cap),
                "moto": latency_series("moto CreateKeyPair rsa", moto_rsa, nrsa, cap)},
        "ed25519": {"keyward": latency_series("Keyward CreateKeyPair Ed25519", kw_ed, ned, cap),
                    "moto": latency_series("moto CreateKeyPair ed25519", moto_ed, ned, cap)},
    }


# ------------------------------------------------------------------------------------------ the bare-HTTP ceiling
def http_fetch(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
               timeout: float = 30.0) -> tuple[int, str, bytes]:
    """One request on its own connection: (status, Content-Type, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read()
    finally:
        conn.close()


def kw_fetch_json(kw: KeywardServer, action: str, params: dict[str, str]) -> tuple[str, bytes, dict]:
    """One v1-signed GET to Keyward, as the wrk pools send it: (Content-Type, raw body, parsed body); non-200 fails."""
    path = "/?" + V1Signer(kw.ak, kw.secret).query("GET", action, params, ali_timestamp())
    status, ctype, body = http_fetch(kw.port, "GET", path)
    if status != 200:
        raise BenchError(f"Keyward {action} {params} answered {status}: {body[:500]!r}")
    try:
        parsed = json.loads(body)
    except ValueError as e:
        raise BenchError(f"Keyward {action} answered a body that is not JSON ({e}): {body[:500]!r}") from e
    if not ctype:
        raise BenchError(f"Keyward {action} answered without a Content-Type")
    return ctype, body, parsed


class CeilingServer:
    """keyward-bench-ceiling BODY_FILE CONTENT_TYPE PORT (bench/ceiling/main.swift): a bare Hummingbird route that
    answers every GET or POST / with the bytes of BODY_FILE."""

    def __init__(self, procs: Procs, binary: str, work: Path, label: str, body: bytes, content_type: str):
        self.procs, self.binary, self.body, self.content_type = procs, binary, body, content_type
        self.port = free_port()
        self.body_path = work / f"ceiling-{label}.body"
        self.log_path = work / f"ceiling-{label}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30) -> None:
        self.body_path.write_bytes(self.body)
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
        logf = open(self.log_path, "ab")
        try:
            self.proc = self.procs.add(subprocess.Popen(
                [self.binary, str(self.body_path), self.content_type, str(self.port)],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=env))
        finally:
            logf.close()
        marker = f"listening on http://{HOST}:{self.port}"
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_path.read_text(errors="replace")
            if marker in text:
                break
            if self.proc.poll() is not None:
                raise BenchError(f"keyward-bench-ceiling exited with {self.proc.returncode}; log:\n{text[-3000:]}")
            if time.monotonic() > deadline:
                raise BenchError(f"keyward-bench-ceiling did not print {marker!r} within {timeout}s")
            time.sleep(0.05)
        # it must answer with exactly the bytes and the Content-Type Keyward sent
        status, ctype, body = http_fetch(self.port, "GET", "/?BenchCeilingCheck=1")
        if status != 200 or ctype != self.content_type or body != self.body:
            raise BenchError(f"keyward-bench-ceiling answered {status}, Content-Type {ctype!r}, {len(body)} bytes; "
                             f"expected 200, {self.content_type!r}, the {len(self.body)} bytes of {self.body_path}")

    def stop(self) -> None:
        if self.proc is not None:
            code = self.procs.stop(self.proc)
            log(f"keyward-bench-ceiling stopped (exit code {code})")
            self.proc = None

    def rss_kib(self) -> int | None:
        return rss_kib(self.proc)


def ceiling_run(procs: Procs, binary: str, wrk: Wrk, work: Path, label: str, ctype: str, body: bytes,
                lines: list[str], threads: int) -> dict:
    """The ceiling with this body, driven as the Keyward describe run is: warm-up, then the timed run."""
    dur, warm = CONF["describe_seconds"], CONF["warmup_seconds"]
    srv = CeilingServer(procs, binary, work, label, body, ctype)
    srv.start()
    try:
        log(f"keyward-bench-ceiling ({label}, {len(body)} bytes, {ctype}) listening on {srv.url}")
        prefix = work / f"pool-ceiling-{label}"
        write_pool(prefix, lines, threads, KW_SENTINEL)
        warmup = require_clean(wrk.run(f"ceiling-{label}-warmup", srv.url, prefix, "cycle", threads, duration=warm))
        out = require_clean(wrk.run(f"ceiling-{label}", srv.url, prefix, "cycle", threads, duration=dur))
        out["rss_kib"] = srv.rss_kib()
    finally:
        srv.stop()
    out.update({"warmup_rps": warmup["rps"], "body_bytes": len(body), "content_type": ctype})
    return out


def phase_ceiling_describe(kw: KeywardServer, procs: Procs, binary: str, wrk: Wrk, work: Path) -> dict:
    """The ceiling for (a): the body of one real DescribeKeyPairs response, with the Keyward run's request lines."""
    T = CONF["wrk_connections"]
    params = {"RegionId": KW_DESCRIBE_REGION, "PageSize": "50"}    # as kw_describe_lines
    ctype, body, parsed = kw_fetch_json(kw, "DescribeKeyPairs", params)
    got = len(parsed.get("KeyPairs", {}).get("KeyPair", []))
    if parsed.get("TotalCount") != CONF["describe_keys"] or got != CONF["describe_keys"]:
        raise BenchError(f"Keyward DescribeKeyPairs for the ceiling's body: TotalCount {parsed.get('TotalCount')}, "
                         f"{got} key pairs; expected {CONF['describe_keys']}")
    out = ceiling_run(procs, binary, wrk, work, "describe", ctype, body, kw_describe_lines(kw, T * CEILING_POOL_PER_THREAD), T)
    out["source"] = f"Keyward DescribeKeyPairs RegionId={KW_DESCRIBE_REGION} PageSize=50"
    return out


def phase_ceiling_import(kw: KeywardServer, procs: Procs, binary: str, wrk: Wrk, work: Path) -> dict:
    """The ceiling for (b): the body of one real ImportKeyPair response (one extra key pair, in CEILING_IMPORT_REGION),
    with ImportKeyPair request lines of the import run's shape (never sent to Keyward)."""
    T = CONF["wrk_connections"]
    run_id = secrets.token_hex(3)
    name = f"ceiling-{run_id}"
    ctype, body, parsed = kw_fetch_json(kw, "ImportKeyPair", {
        "RegionId": CEILING_IMPORT_REGION, "KeyPairName": name, "PublicKeyBody": ed25519_openssh_public("ceiling")})
    if parsed.get("KeyPairName") != name or not parsed.get("KeyPairFingerPrint"):
        raise BenchError(f"Keyward ImportKeyPair for the ceiling's body answered {parsed}")
    total = KeywardSdk(kw, CEILING_IMPORT_REGION).describe(CEILING_IMPORT_REGION, page_size=1)["TotalCount"]
    if total != CEILING_IMPORT_KEYS:
        raise BenchError(f"Keyward {CEILING_IMPORT_REGION} holds {total} key pairs after the ceiling's import, "
                         f"expected {CEILING_IMPORT_KEYS}")
    signer = V1Signer(kw.ak, kw.secret)
    ts = ali_timestamp()
    lines = [pool_line("GET", "/?" + signer.query("GET", "ImportKeyPair", {
                 "RegionId": KW_IMPORT_REGIONS[i % len(KW_IMPORT_REGIONS)], "KeyPairName": f"imp-{run_id}-{i:05d}",
                 "PublicKeyBody": ed25519_openssh_public(f"k{i}")}, ts))
             for i in range(T * CEILING_POOL_PER_THREAD)]
    out = ceiling_run(procs, binary, wrk, work, "import", ctype, body, lines, T)
    out["source"] = f"Keyward ImportKeyPair RegionId={CEILING_IMPORT_REGION} KeyPairName={name}"
    return out


# ------------------------------------------------------------------------------------------ scale
def kw_timed_once(kw: KeywardServer, wrk: Wrk, work: Path, label: str, make_lines, dur: float, warm: float,
                  rate_hint: float) -> dict:
    """A Keyward warm-up and timed run in mode once, each request signed for this run; the warm-up's rate sizes the
    timed run's pool (as in phase_describe_wrk), and a pool that ran out is retried once, three times larger."""
    return kw_timed_group([{"kw": kw, "label": label, "make_lines": make_lines, "threads": CONF["wrk_connections"],
                            "rate_hint": rate_hint}], wrk, work, dur, warm)[0]


def kw_timed_group(specs: list[dict], wrk: Wrk, work: Path, dur: float, warm: float) -> list[dict]:
    """kw_timed_once for several servers at the same time: one wrk per spec (kw, label, make_lines(count) -> lines,
    threads, rate_hint), the warm-ups started together, then the timed runs started together, each with its own pool
    sized from its own warm-up. If any pool ran out, all are run again once with pools three times larger."""
    for sp in specs:
        sp["prefix"] = work / f"pool-kw-{sp['label']}"
        write_pool(sp["prefix"], sp["make_lines"](max(sp["threads"] * 200, int(sp["rate_hint"] * warm * 3) + 5000)),
                   sp["threads"], KW_SENTINEL)
    warms = [require_clean(w) for w in wrk.finish([
        wrk.start(f"keyward-{sp['label']}-warmup", sp["kw"].url, sp["prefix"], "once", sp["threads"], duration=warm)
        for sp in specs])]
    pools = [int(w["rps"] * dur * 1.6) + 20000 for w in warms]
    for attempt in (1, 2):
        for sp, pool in zip(specs, pools):
            write_pool(sp["prefix"], sp["make_lines"](pool), sp["threads"], KW_SENTINEL)
        runs = wrk.finish([wrk.start(f"keyward-{sp['label']}", sp["kw"].url, sp["prefix"], "once", sp["threads"],
                                     duration=dur) for sp in specs])
        short = [r for r in runs if r["exhausted_threads"]]
        if not short:
            out = []
            for r, pool, w in zip(runs, pools, warms):
                r = require_clean(r)
                r.update({"pool": pool, "warmup_rps": w["rps"]})
                out.append(r)
            return out
        if attempt == 1:
            log(f"{', '.join(r['label'] for r in short)}: pool too small for the run; retrying with pools three times "
                "as large")
            pools = [p * 3 for p in pools]
    raise BenchError(f"wrk thread(s) ran out of their precomputed requests in {', '.join(r['label'] for r in short)}")


def expected_key_pairs(results: dict) -> dict[str, int]:
    """Key pairs per region that the phases so far created in Keyward's account (every one through the API)."""
    counts: dict[str, int] = {}

    def add(region: str, n: int) -> None:
        if n:
            counts[region] = counts.get(region, 0) + n

    add(KW_DESCRIBE_REGION, CONF["describe_keys"])
    add(TC3_DESCRIBE_REGION, CONF["describe_keys"])
    n, nreg = CONF["imports"], len(KW_IMPORT_REGIONS)
    for r, region in enumerate(KW_IMPORT_REGIONS):
        add(region, n // nreg + (1 if r < n % nreg else 0))
    nt = results["tc3_import_wrk"]["imports"]
    for r, region in enumerate(TC3_IMPORT_REGIONS):
        add(region, nt // len(TC3_IMPORT_REGIONS) + (1 if r < nt % len(TC3_IMPORT_REGIONS) else 0))
    add(CEILING_IMPORT_REGION, CEILING_IMPORT_KEYS)
    d = results["create_latency"]
    add(KW_CREATE_REGION, 2 + d["rsa"]["keyward_burst"]["count"] + d["rsa"]["keyward"]["count"]
        + d["ed25519"]["keyward"]["count"])   # 2: warm-up calls
    return counts


def md5_fingerprint(blob: bytes) -> str:
    return ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest())


def sha256_fingerprint(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def ssh_string(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


def seed_key_pairs_in_db(db_path: Path, region: str, target: int, expected: dict[str, int]) -> dict:
    """With Keyward stopped: brings `region` to `target` key pairs by inserting rows into keyward.sqlite3 in one
    transaction, shaped like a row the API made (every column of SELECT * copied, the row's own ones made anew), and
    sets the region's quota_usage row to the new count (its CHECK needs used <= quota, so quota becomes the count
    too: a later import there is refused as over quota, as it would be). Every region's count is checked first."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    if not db_path.is_file():
        raise BenchError(f"no Keyward database at {db_path}")
    t0 = time.monotonic()
    con = sqlite3.connect(str(db_path), isolation_level=None, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        cur = con.execute("SELECT * FROM key_pairs WHERE region_id = ? AND public_key LIKE 'ssh-ed25519 %' "
                          "ORDER BY created_at, name LIMIT 1", (KW_DESCRIBE_REGION,))
        template = cur.fetchone()
        if template is None:
            raise BenchError(f"no Ed25519 key pair in {KW_DESCRIBE_REGION} to copy the row shape from")
        columns = [c[0] for c in cur.description]
        own = {"id", "region_id", "name", "public_key", "fingerprint_md5", "fingerprint_sha256", "created_at"}
        if not own <= set(columns) or "account_id" not in columns:
            raise BenchError(f"key_pairs has columns {columns}; expected at least {sorted(own | {'account_id'})}")
        account = template["account_id"]
        # the database must hold exactly what the phases made through the API, and quota_usage must count it
        found = {row["region_id"]: row["n"] for row in con.execute(
            "SELECT region_id, COUNT(*) AS n FROM key_pairs WHERE account_id = ? GROUP BY region_id", (account,))}
        if found != expected:
            raise BenchError(f"key pairs per region in {db_path}: {found}; expected {expected}")
        quota_rows = [dict(r) for r in con.execute("SELECT * FROM quota_usage WHERE account_id = ? AND region_id = ?",
                                                   (account, KW_DESCRIBE_REGION))]
        if len(quota_rows) != 1 or quota_rows[0].get("used") != expected[KW_DESCRIBE_REGION]:
            raise BenchError(f"quota_usage for {KW_DESCRIBE_REGION}: {quota_rows}; expected one row with used = "
                             f"{expected[KW_DESCRIBE_REGION]}")
        resource = quota_rows[0]["resource"]
        used = {row["region_id"]: row["used"] for row in con.execute(
            "SELECT region_id, used FROM quota_usage WHERE account_id = ? AND resource = ?", (account, resource))}
        if {k: v for k, v in used.items() if v} != expected:
            raise BenchError(f"quota_usage ({resource}) per region: {used}; expected {expected}")
        quota_before = dict(con.execute("SELECT * FROM quota_usage WHERE account_id = ? AND region_id = ? AND resource = ?",
                                        (account, region, resource)).fetchone() or {})

        # the template's shape: id `<prefix>-<20 lowercase alphanumerics>`, OpenSSH line, fingerprints of its blob
        tid = template["id"]
        m = re.fullmatch(r"([a-z]+)-[a-z0-9]{20}", tid)
        if not m:
            raise BenchError(f"key pair id {tid!r} is not of the form prefix-<20 lowercase alphanumerics>")
        fields = template["public_key"].split(" ")
        tblob = base64.b64decode(fields[1])
        if template["fingerprint_md5"] != md5_fingerprint(tblob) or template["fingerprint_sha256"] != sha256_fingerprint(tblob):
            raise BenchError(f"the fingerprints of {tid} ({template['fingerprint_md5']}, {template['fingerprint_sha256']}) "
                             "are not the MD5 hex pairs / SHA256: unpadded base64 of its key blob this fixture would write")
        with_comment = len(fields) >= 3

        have = expected.get(region, 0)
        need = target - have
        if need <= 0:
            raise BenchError(f"{region} already holds {have} key pairs; nothing to seed up to {target}")
        ids = {r[0] for r in con.execute("SELECT id FROM key_pairs")}
        names = {r[0] for r in con.execute("SELECT name FROM key_pairs WHERE account_id = ? AND region_id = ?",
                                           (account, region))}
        md5s: set[str] = set()
        alphabet = string.ascii_lowercase + string.digits
        now = int(time.time())
        span = 30 * 86400            # created over the last 30 days, before the API's own rows
        rows = []
        for i in range(need):
            kid = ""
            for _ in range(10):      # a collision in 36^20 is not expected; ten tries bound the loop anyway
                kid = m.group(1) + "-" + "".join(secrets.choice(alphabet) for _ in range(20))
                if kid not in ids:
                    break
            else:
                raise BenchError("could not draw a fresh key pair id in ten tries")
            ids.add(kid)
            name = f"fleet-{i:05d}"
            if name in names:
                raise BenchError(f"{region} already has a key pair named {name}")
            raw = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            blob = ssh_string(b"ssh-ed25519") + ssh_string(raw)
            md5 = md5_fingerprint(blob)
            if md5 in md5s:
                raise BenchError("two generated keys have the same MD5 fingerprint")
            md5s.add(md5)
            line = "ssh-ed25519 " + base64.b64encode(blob).decode() + (f" fleet-{i:05d}@bench" if with_comment else "")
            row = dict(template)
            row.update({"id": kid, "region_id": region, "name": name, "public_key": line, "fingerprint_md5": md5,
                        "fingerprint_sha256": sha256_fingerprint(blob), "created_at": now - span + i * span // need})
            rows.append(tuple(row[c] for c in columns))
        t_gen = time.monotonic() - t0

        t1 = time.monotonic()
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany(f"INSERT INTO key_pairs ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", rows)
            if quota_before:
                con.execute("UPDATE quota_usage SET used = ?, quota = MAX(quota, ?) WHERE account_id = ? AND region_id = ? "
                            "AND resource = ?", (target, target, account, region, resource))
            else:
                q = dict(quota_rows[0])
                q.update({"region_id": region, "used": target, "quota": max(q["quota"], target)})
                con.execute(f"INSERT INTO quota_usage ({', '.join(q)}) VALUES ({', '.join('?' for _ in q)})", tuple(q.values()))
            con.execute("COMMIT")
        except sqlite3.Error as e:
            con.execute("ROLLBACK")
            raise BenchError(f"inserting {need} key pairs into {db_path} failed: {e}") from e
        t_insert = time.monotonic() - t1
        n = con.execute("SELECT COUNT(*) FROM key_pairs WHERE account_id = ? AND region_id = ?", (account, region)).fetchone()[0]
        if n != target:
            raise BenchError(f"{region} holds {n} key pairs after seeding, expected {target}")
        quota_after = dict(con.execute("SELECT * FROM quota_usage WHERE account_id = ? AND region_id = ? AND resource = ?",
                                       (account, region, resource)).fetchone())
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    os.sync()   # the fixture's pages on disk before Keyward starts: their writeback is not to land in the timed runs
    info = {"region": region, "target": target, "through_api": have, "inserted": need, "columns": columns,
            "template_id": tid, "generate_s": round(t_gen, 2), "insert_s": round(t_insert, 2),
            "quota_usage_before": quota_before, "quota_usage_after": quota_after,
            "db_bytes": db_path.stat().st_size}
    log(f"inserted {need} key pairs into {region} ({have} there through the API) in one transaction: "
        f"generated in {t_gen:.1f}s, inserted in {t_insert:.1f}s")
    return info


def phase_scale(kw: KeywardServer, wrk: Wrk, work: Path, results: dict) -> dict:
    """DescribeKeyPairs, page 1 and page SCALE_DEEP_PAGE, with 10 / 500 / 50,000 key pairs in the region."""
    T = CONF["wrk_connections"]
    dur, warm = CONF["scale_seconds"], CONF["warmup_seconds"]
    sizes = [(CONF["describe_keys"], KW_DESCRIBE_REGION), (KW_QUOTA, SCALE_MID_REGION), (SCALE_LARGE, SCALE_LARGE_REGION)]
    if len({n for n, _ in sizes}) != len(sizes):
        raise BenchError(f"the scale phase needs three different sizes, got {[n for n, _ in sizes]}")
    expected = expected_key_pairs(results)
    out: dict = {}

    # 500: the first import region, topped up through the API to the quota
    have = expected.get(SCALE_MID_REGION, 0)
    top_up = KW_QUOTA - have
    if top_up > 0:
        signer = V1Signer(kw.ak, kw.secret)
        ts = ali_timestamp()
        run_id = secrets.token_hex(3)
        lines = [pool_line("GET", "/?" + signer.query("GET", "ImportKeyPair", {
                     "RegionId": SCALE_MID_REGION, "KeyPairName": f"scale-{run_id}-{i:04d}",
                     "PublicKeyBody": ed25519_openssh_public(f"s{i}")}, ts)) for i in range(top_up)]
        prefix = work / "pool-kw-scale-import"
        write_pool(prefix, lines, min(T, top_up), KW_SENTINEL)
        out["top_up_import"] = require_clean(wrk.run("keyward-scale-import", kw.url, prefix, "once", min(T, top_up),
                                                     expected=top_up, cap=CONF["bounded_cap_seconds"]))
        expected[SCALE_MID_REGION] = KW_QUOTA
    out["top_up"] = {"region": SCALE_MID_REGION, "had": have, "imported": max(top_up, 0)}

    # 50,000: past the quota, so straight into the database with Keyward stopped, then the same Keyward again
    kw.stop()
    out["seed"] = seed_key_pairs_in_db(kw.data_dir / "keyward.sqlite3", SCALE_LARGE_REGION, SCALE_LARGE, expected)
    kw.start()
    log(f"keyward restarted on {kw.url} (same data dir, same root AccessKey {kw.ak})")
    sdk = KeywardSdk(kw, KW_DESCRIBE_REGION)
    for n, region in sizes:
        total = sdk.describe(region, page_size=1)["TotalCount"]
        if total != n:
            raise BenchError(f"after the restart Keyward {region} holds {total} key pairs, expected {n}")

    rate_hint = results["describe_wrk"]["keyward"]["rps"]
    runs = []
    for n, region in sizes:
        for page in (1, SCALE_DEEP_PAGE):
            params = {"RegionId": region, "PageSize": str(SCALE_PAGE_SIZE), "PageNumber": str(page)}
            _, body, parsed = kw_fetch_json(kw, "DescribeKeyPairs", params)
            items = len(parsed.get("KeyPairs", {}).get("KeyPair", []))
            want = max(0, min(SCALE_PAGE_SIZE, n - (page - 1) * SCALE_PAGE_SIZE))
            if parsed.get("TotalCount") != n or items != want or parsed.get("PageNumber") != page:
                raise BenchError(f"Keyward DescribeKeyPairs {params}: TotalCount {parsed.get('TotalCount')}, "
                                 f"PageNumber {parsed.get('PageNumber')}, {items} key pairs; expected {n}, {page}, {want}")

            def make_lines(count: int, params=params) -> list[str]:
                signer = V1Signer(kw.ak, kw.secret)
                ts = ali_timestamp()
                return [pool_line("GET", "/?" + signer.query("GET", "DescribeKeyPairs", params, ts)) for _ in range(count)]

            r = kw_timed_once(kw, wrk, work, f"scale-{n}-p{page}", make_lines, dur, warm, rate_hint)
            r.update({"key_pairs": n, "region": region, "page": page, "items": items, "body_bytes": len(body)})
            runs.append(r)
        if n == SCALE_LARGE:
            out["rss_kib"] = kw.rss_kib()
            log(f"Keyward RSS after the {n} key pair runs: {out['rss_kib']} KiB")
    out["runs"] = runs
    return out


# ------------------------------------------------------------------------------------------ PostgreSQL
class ScratchPostgres:
    """scripts/scratch-postgres.sh: a throw-away cluster in a fresh directory directly under /tmp (as root the cluster
    belongs to `postgres`, which cannot enter the driver's 0700 scratch dir). The directory is recorded in
    WORK/postgres-dirs, so that run.sh's trap stops the cluster even if this driver dies before its finally blocks."""

    def __init__(self, work: Path):
        self.work = work
        self.dir = Path(tempfile.mkdtemp(prefix="keyward-bench-pg.", dir="/tmp"))
        with open(work / "postgres-dirs", "a") as f:
            f.write(f"{self.dir}\n")
        self.url: str | None = None

    def _run(self, command: str, timeout: float) -> str:
        r = subprocess.run(["bash", str(SCRATCH_POSTGRES), command, str(self.dir)], capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise BenchError(f"scripts/scratch-postgres.sh {command} failed ({r.returncode}): "
                             f"{(r.stderr.strip() or r.stdout.strip())[-2000:]}")
        return r.stdout

    def start(self) -> str:
        """Starts the cluster (the script apt-get installs postgresql first if it is missing and we are root)."""
        urls = [ln for ln in self._run("start", timeout=900).splitlines() if ln.startswith("postgres://")]
        if len(urls) != 1:
            raise BenchError(f"scripts/scratch-postgres.sh start printed {len(urls)} postgres:// URLs")
        self.url = urls[0]
        return self.url

    def stop(self) -> None:
        """Stops the cluster and removes its directory (its server log is kept in the scratch dir first)."""
        if not self.dir.exists():
            return
        try:
            shutil.copyfile(self.dir / "server.log", self.work / "postgres-server.log")
        except OSError:
            pass
        if (self.dir / "data" / "postmaster.pid").exists():
            self._run("stop", timeout=120)
            log(f"scratch PostgreSQL in {self.dir} stopped and removed")
        else:                      # never started (the script would try to install PostgreSQL again to stop nothing)
            shutil.rmtree(self.dir, ignore_errors=True)


def postgres_version() -> str | None:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda b: [int(x) for x in re.findall(r"\d+", b.parts[-3])])
    if not bins:
        return None
    try:
        text = subprocess.run([str(bins[-1]), "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\(PostgreSQL\) (\S+)", text)
    return f"PostgreSQL {m.group(1)}" if m else text or None


def with_schema(url: str, schema: str) -> str:
    """The URL with `search_path=SCHEMA`: Keyward keeps its tables in that schema (created if missing)."""
    return url + ("&" if "?" in url else "?") + f"search_path={schema}"


def postgres_decision() -> dict:
    """BENCH_POSTGRES: 1 runs the PostgreSQL phases and fails the run if PostgreSQL cannot be started, 0 skips them;
    unset, they run when this is root (scratch-postgres.sh can then install postgresql and start it as `postgres`) and
    are skipped, with the reason printed, if that fails."""
    v = CONF["postgres"].strip()
    if v == "0":
        return {"run": False, "required": False, "reason": "BENCH_POSTGRES=0"}
    if v:
        return {"run": True, "required": True, "reason": f"BENCH_POSTGRES={v}"}
    if os.geteuid() == 0:
        return {"run": True, "required": False,
                "reason": "BENCH_POSTGRES unset: default 1 (running as root, so PostgreSQL can be installed and started)"}
    return {"run": False, "required": False,
            "reason": "BENCH_POSTGRES unset: default 0 (not root; BENCH_POSTGRES=1 tries with an installed PostgreSQL)"}


def allocate_regions(room: dict[str, int], n: int) -> list[str]:
    """`n` regions for n imports, round-robin over the regions with room left under the quota (room is updated)."""
    out: list[str] = []
    while len(out) < n:
        avail = [r for r in KW_SCALE_OUT_IMPORT_REGIONS if room[r] > 0]
        if not avail:
            raise BenchError(f"no quota room left for {n - len(out)} more imports")
        for r in avail:
            if len(out) == n:
                break
            out.append(r)
            room[r] -= 1
    return out


def check_postgres_counts() -> None:
    """Every PostgreSQL import stays under the quota of 500 per region, across all the servers."""
    if CONF["pg_imports"] < 1 or CONF["pg_imports"] > KW_QUOTA * len(KW_IMPORT_REGIONS):
        raise BenchError(f"BENCH_PG_IMPORTS={CONF['pg_imports']} must be 1..{KW_QUOTA * len(KW_IMPORT_REGIONS)} "
                         f"(the quota of {KW_QUOTA} over {len(KW_IMPORT_REGIONS)} regions)")
    if not CONF["pg_servers"] or min(CONF["pg_servers"]) < 1:
        raise BenchError(f"BENCH_PG_SERVERS must list server counts of at least 1, got {CONF['pg_servers']}")
    room = KW_QUOTA * len(KW_SCALE_OUT_IMPORT_REGIONS) - CONF["pg_imports"]
    need = CONF["pg_scale_imports"] * len(CONF["pg_servers"])
    if need > room:
        raise BenchError(f"BENCH_PG_SCALE_IMPORTS={CONF['pg_scale_imports']} × {len(CONF['pg_servers'])} steps = {need} "
                         f"imports, but the quota leaves room for {room} in the regions other than {KW_DESCRIBE_REGION} "
                         "after BENCH_PG_IMPORTS")


def scale_out_connections(n_servers: int) -> int:
    per = CONF["pg_connections_per_server"]
    return per if per > 0 else max(1, CONF["wrk_connections"] // n_servers)


def phase_postgres(procs: Procs, binary: str, wrk: Wrk, work: Path, results: dict, decision: dict) -> dict:
    """(a) and (b) again with one Keyward on a scratch PostgreSQL, then 1, 2 and 4 servers on that database."""
    out: dict = {"ran": False, "decision": decision["reason"], "version": postgres_version()}
    pg = ScratchPostgres(work)
    servers: list[KeywardServer] = []
    try:
        try:
            url = pg.start()
        except (BenchError, subprocess.SubprocessError, OSError) as e:
            if decision["required"]:
                raise BenchError(f"{decision['reason']} but PostgreSQL could not be started: {e}") from e
            out["status"] = f"off ({decision['reason']}, but PostgreSQL could not be installed/started: {e})"
            log(f"PostgreSQL phases skipped: {out['status']}")
            return out
        out["version"] = postgres_version()
        db = with_schema(url, PG_SCHEMA)
        key_file = work / "pg-server.key"
        if key_file.exists():
            raise BenchError(f"{key_file} exists before the first server of the deployment started")
        nmax = max(CONF["pg_servers"])
        first = KeywardServer(procs, binary, work / "pg-data-1", database=db, server_key_file=key_file,
                              log_path=work / "pg-keyward-1.log")
        servers = [first] + [KeywardServer(procs, binary, work / f"pg-data-{i}", ak=first.ak, secret=first.secret,
                                           database=db, server_key_file=key_file, log_path=work / f"pg-keyward-{i}.log")
                             for i in range(2, nmax + 1)]
        log(f"scratch PostgreSQL at {url} ({out['version']}); Keyward's tables in schema {PG_SCHEMA}")
        first.start()
        # the first server of an empty database makes the deployment's server key file; every other one reads it
        if not key_file.is_file() or key_file.stat().st_size != 32:
            raise BenchError(f"the first server did not make a 32-byte server key file at {key_file}")
        log(f"keyward (PostgreSQL) listening on {first.url}; it made the server key file {key_file} (32 bytes)")
        out.update({"ran": True, "status": f"on ({decision['reason']})", "url": db, "schema": PG_SCHEMA})

        counts = {KW_DESCRIBE_REGION: CONF["describe_keys"]}
        seed_keyward(first, CONF["describe_keys"], comment="pg")
        log(f"seeded {CONF['describe_keys']} key pairs in {KW_DESCRIBE_REGION} on PostgreSQL")
        out["describe"] = kw_describe_wrk(first, wrk, work, "pg")
        n = CONF["pg_imports"]
        out["import"] = kw_import_wrk(first, wrk, work, "pg", n, secrets.token_hex(3))
        nreg = len(KW_IMPORT_REGIONS)
        for r, region in enumerate(KW_IMPORT_REGIONS):
            if n // nreg + (1 if r < n % nreg else 0):
                counts[region] = n // nreg + (1 if r < n % nreg else 0)
        check_region_counts(first, counts, "after the PostgreSQL import run")
        out["rss_kib"] = first.rss_kib()
        log("PostgreSQL import counts verified")

        # scale-out: N servers on the one database, one wrk per server at the same time
        room = {r: KW_QUOTA - counts.get(r, 0) for r in KW_SCALE_OUT_IMPORT_REGIONS}
        steps = []
        for nsrv in CONF["pg_servers"]:
            group = servers[:nsrv]
            for srv in servers[nsrv:]:
                srv.stop()
            for srv in group:
                if srv.proc is None:
                    srv.start()
                    log(f"keyward (PostgreSQL) #{servers.index(srv) + 1} listening on {srv.url}")
                    # the same database: everything imported so far, through this server
                    check_region_counts(srv, counts, "through a newly started server")
            conns = scale_out_connections(nsrv)
            rate_hint = out["describe"]["rps"] / nsrv
            specs = [{"kw": srv, "label": f"pg-{nsrv}srv-{k + 1}-describe", "threads": conns, "rate_hint": rate_hint,
                      "make_lines": (lambda count, srv=srv: kw_describe_lines(srv, count))}
                     for k, srv in enumerate(group)]
            log(f"scale-out: DescribeKeyPairs on {nsrv} server(s), {conns} connection(s) each")
            runs = kw_timed_group(specs, wrk, work, CONF["scale_seconds"], CONF["warmup_seconds"])
            step = {"servers": nsrv, "connections_per_server": conns, "ports": [srv.port for srv in group],
                    "describe": group_summary(runs)}
            m = CONF["pg_scale_imports"]
            if m:
                run_id = secrets.token_hex(3)
                regions = allocate_regions(room, m)
                handles = []
                for k, srv in enumerate(group):
                    mine = [(regions[i], f"so{nsrv}-s{k + 1}-{run_id}-{i:05d}") for i in range(k, m, nsrv)]
                    if not mine:
                        continue
                    prefix = work / f"pool-pg-{nsrv}srv-{k + 1}-import"
                    threads = min(conns, len(mine))
                    write_pool(prefix, kw_import_lines(srv, mine), threads, KW_SENTINEL)
                    handles.append(wrk.start(f"pg-{nsrv}srv-{k + 1}-import", srv.url, prefix, "once", threads,
                                             expected=len(mine), cap=CONF["bounded_cap_seconds"]))
                log(f"scale-out: ImportKeyPair on {nsrv} server(s), {m} in all")
                runs = [require_clean(r) for r in wrk.finish(handles)]
                step["import"] = group_summary(runs)
                step["import"]["imports"] = m
                for region in regions:
                    counts[region] = counts.get(region, 0) + 1
                check_region_counts(group[-1], counts, f"after the {nsrv}-server import run")
            steps.append(step)
        out["scale_out"] = {"steps": steps, "connections": (
            f"{CONF['pg_connections_per_server']} per server (BENCH_PG_CONNECTIONS_PER_SERVER)"
            if CONF["pg_connections_per_server"] > 0 else
            f"BENCH_WRK_CONNECTIONS ({CONF['wrk_connections']}) split over the servers")}
        out["key_pairs_per_region"] = counts
        out["rss_kib_at_end"] = [srv.rss_kib() for srv in servers]
        return out
    finally:
        for srv in servers:
            srv.stop()
        try:
            pg.stop()
        except (BenchError, subprocess.SubprocessError, OSError) as e:
            log(f"could not stop the scratch PostgreSQL in {pg.dir}: {e}")


def group_summary(runs: list[dict]) -> dict:
    """wrk runs made at the same time, one per server: the summed and per-server rates, and the rate of all their
    responses over the span from the first request to the last response of any of them."""
    firsts = [r["t_first"] for r in runs if r["t_first"] is not None]
    lasts = [r["t_last"] for r in runs if r["t_last"] is not None]
    span = (max(lasts) - min(firsts)) if firsts and lasts else 0.0
    total = sum(r["responses"] for r in runs)
    return {"runs": runs, "per_server_rps": [r["rps"] for r in runs], "sum_rps": round(sum(r["rps"] for r in runs), 1),
            "responses": total, "span_s": round(span, 3), "aggregate_rps": round(total / span, 1) if span > 0 else 0.0,
            "p50_ms_max": max(r["latency_ms"]["p50"] for r in runs), "p99_ms_max": max(r["latency_ms"]["p99"] for r in runs)}


# ------------------------------------------------------------------------------------------ report
def machine_info(wrk_exe: str) -> dict:
    info = {"nproc": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    try:
        info["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()
        info["mem_gib"] = round(int(mem[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        info["wrk"] = subprocess.run([wrk_exe, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        pass
    try:
        from importlib.metadata import version
        info["moto"] = version("moto")
        info["boto3"] = version("boto3")
        info["aliyun-python-sdk-core"] = version("aliyun-python-sdk-core")
    except Exception:  # noqa: BLE001
        pass
    return info


def build_rows(r: dict) -> list[dict]:
    rows = []

    def thr(name, k, m):
        rows.append({"operation": name, "unit": "req/s", "keyward": k, "moto": m, "ratio_kind": "Keyward/moto",
                     "ratio": round(k / m, 2) if m else None})

    def lat(name, k, m):
        rows.append({"operation": name, "unit": "ms", "keyward": k, "moto": m, "ratio_kind": "moto/Keyward",
                     "ratio": round(m / k, 2) if k else None})

    a, b, c, d = r["describe_wrk"], r["import_wrk"], r["sdk_describe"], r["create_latency"]
    thr(f"DescribeKeyPairs, wrk {CONF['wrk_connections']} conns ({CONF['describe_keys']} pairs)",
        a["keyward"]["rps"], a["moto"]["rps"])
    thr(f"ImportKeyPair, wrk {CONF['wrk_connections']} conns ({CONF['imports']} imports)",
        b["keyward"]["rps"], b["moto"]["rps"])
    thr("DescribeKeyPairs via SDK, sequential", c["keyward"]["rps"], c["moto"]["rps"])
    # The CVM dialect on the same records, against the same moto figures (EC2 has the same operations).
    thr(f"CVM DescribeKeyPairs (TC3), wrk {CONF['wrk_connections']} conns", r["tc3_describe_wrk"]["rps"], a["moto"]["rps"])
    thr(f"CVM ImportKeyPair (TC3), wrk ({r['tc3_import_wrk']['imports']} imports)", r["tc3_import_wrk"]["rps"], b["moto"]["rps"])
    for kind, label in (("rsa", "RSA-2048"), ("ed25519", "Ed25519")):
        k, m = d[kind]["keyward"], d[kind]["moto"]
        lat(f"CreateKeyPair {label} p50 (n={k['count']}/{m['count']})", k["p50_ms"], m["p50_ms"])
        lat(f"CreateKeyPair {label} p99 (n={k['count']}/{m['count']})", k["p99_ms"], m["p99_ms"])
    return rows


def ratio_row(name: str, k: float, ceiling: float, target: float) -> dict:
    ratio = round(k / ceiling, 3) if ceiling else None
    return {"operation": name, "unit": "req/s", "keyward": k, "ceiling": ceiling, "ratio": ratio,
            "target": target, "met": ratio is not None and ratio >= target}


def build_ceiling_rows(r: dict) -> list[dict]:
    """Keyward's req/s as a fraction of the bare route's, on the same machine in the same run (the TC3 rows against the
    same ceilings: the bare route answering the Alibaba dialect's bodies)."""
    c = r["ceiling"]
    rows = []

    def row(name, k, ceiling, kind):
        rows.append(ratio_row(name, k, ceiling, CEILING_TARGETS[kind]))

    row("DescribeKeyPairs ÷ bare Hummingbird route", r["describe_wrk"]["keyward"]["rps"], c["describe"]["rps"], "describe")
    row("ImportKeyPair ÷ bare Hummingbird route", r["import_wrk"]["keyward"]["rps"], c["import"]["rps"], "import")
    row("CVM DescribeKeyPairs (TC3) ÷ bare Hummingbird route", r["tc3_describe_wrk"]["rps"], c["describe"]["rps"], "describe")
    row("CVM ImportKeyPair (TC3) ÷ bare Hummingbird route", r["tc3_import_wrk"]["rps"], c["import"]["rps"], "import")
    return rows


def build_postgres_rows(r: dict) -> list[dict]:
    """(a) and (b) with Keyward on PostgreSQL, against the ceilings measured earlier in the same run."""
    pg, c = r["postgres"], r["ceiling"]
    return [ratio_row("PostgreSQL DescribeKeyPairs ÷ bare Hummingbird route", pg["describe"]["rps"], c["describe"]["rps"],
                      PG_CEILING_TARGETS["describe"]),
            ratio_row("PostgreSQL ImportKeyPair ÷ bare Hummingbird route", pg["import"]["rps"], c["import"]["rps"],
                      PG_CEILING_TARGETS["import"])]


def build_scale_out_rows(r: dict) -> list[dict]:
    rows = []
    for st in r["postgres"]["scale_out"]["steps"]:
        for op, key in (("DescribeKeyPairs", "describe"), ("ImportKeyPair", "import")):
            if key in st:
                g = st[key]
                rows.append({"servers": st["servers"], "operation": op, "connections_per_server": st["connections_per_server"],
                             "sum_rps": g["sum_rps"], "per_server_rps": g["per_server_rps"], "aggregate_rps": g["aggregate_rps"],
                             "responses": g["responses"], "p50_ms_max": g["p50_ms_max"], "p99_ms_max": g["p99_ms_max"]})
    return rows


def build_rsa_rows(r: dict) -> list[dict]:
    d = r["create_latency"]["rsa"]
    idle = d["keyward_burst"]["idle_s"]
    return [dict(series=f"Keyward burst, after {idle:g} s idle", **{k: d["keyward_burst"][k] for k in ("count", "p50_ms", "p99_ms", "max_ms")}),
            dict(series="Keyward sustained", **{k: d["keyward"][k] for k in ("count", "p50_ms", "p99_ms", "max_ms")}),
            dict(series="moto sustained", **{k: d["moto"][k] for k in ("count", "p50_ms", "p99_ms", "max_ms")})]


def build_target_rows(r: dict) -> list[dict]:
    """Every target of the run: the ceiling ratios (SQLite and PostgreSQL) and the CreateKeyPair RSA latencies."""
    rows = []

    def add(name, unit, measured, goal, met):
        rows.append({"target": name, "unit": unit, "measured": measured, "goal": goal, "met": met})

    for x in r["table_ceiling"]:
        add(x["operation"], "ratio", x["ratio"], f"≥ {x['target']:g}", x["met"])
    if r.get("table_postgres"):
        for x in r["table_postgres"]:
            add(x["operation"], "ratio", x["ratio"], f"≥ {x['target']:g}", x["met"])
    else:
        for name, kind in (("PostgreSQL DescribeKeyPairs ÷ bare Hummingbird route", "describe"),
                           ("PostgreSQL ImportKeyPair ÷ bare Hummingbird route", "import")):
            add(name, "ratio", None, f"≥ {PG_CEILING_TARGETS[kind]:g}", None)
    d = r["create_latency"]["rsa"]
    b, k, m = d["keyward_burst"], d["keyward"], d["moto"]
    add(f"CreateKeyPair RSA-2048 burst p50 (n={b['count']}, after {b['idle_s']:g} s idle)", "ms", b["p50_ms"],
        f"< {RSA_BURST_TARGET_MS:g}", b["p50_ms"] < RSA_BURST_TARGET_MS)
    add(f"CreateKeyPair RSA-2048 sustained p50 (n={k['count']}) vs moto", "ms", k["p50_ms"],
        f"≤ {m['p50_ms']:.1f} (moto)", k["p50_ms"] <= m["p50_ms"])
    return rows


def build_scale_rows(r: dict) -> list[dict]:
    return [{"key_pairs": x["key_pairs"], "page": x["page"], "items": x["items"], "body_bytes": x["body_bytes"],
             "rps": x["rps"], "p50_ms": x["latency_ms"]["p50"], "p99_ms": x["latency_ms"]["p99"]}
            for x in r["scale"]["runs"]]


def print_ceiling_table(rows: list[dict], r: dict) -> None:
    c = r["ceiling"]
    print_ratio_table(rows, f"Against the ceiling — keyward-bench-ceiling answering the same bytes ({c['describe']['body_bytes']} / "
                      f"{c['import']['body_bytes']} bytes), wrk {CONF['wrk_connections']} conns, "
                      f"{CONF['warmup_seconds']:g} s warm-up + {CONF['describe_seconds']:g} s")


def print_postgres_tables(r: dict) -> None:
    pg = r["postgres"]
    if not pg.get("ran"):
        print(f"PostgreSQL phases: {pg['status']}")
        print()
        return
    print_ratio_table(r["table_postgres"], f"On PostgreSQL — one Keyward on a scratch {pg.get('version') or 'PostgreSQL'} "
                      f"(schema {pg['schema']}; {pg['status']}); runs (a) and (b) ({pg['import']['imports']} imports), "
                      "against the ceilings above", trailer=False)
    a, b = r["describe_wrk"]["keyward"], r["import_wrk"]["keyward"]
    print(f"the same runs on SQLite: DescribeKeyPairs {a['rps']:.1f} req/s, ImportKeyPair {b['rps']:.1f} req/s "
          f"({CONF['imports']} imports)")
    print()
    rows = r["table_scale_out"]
    so = pg["scale_out"]
    print(f"Keyward servers on one PostgreSQL — same schema, server key file and root AccessKey, own data dirs and ports; "
          f"one wrk per server at the same time, connections: {so['connections']}; DescribeKeyPairs "
          f"{CONF['warmup_seconds']:g} s warm-up + {CONF['scale_seconds']:g} s; ImportKeyPair {CONF['pg_scale_imports']} "
          "per step in all, distinct names, under the quota in every region")
    print(f"{'servers':>7}  {'operation':<18}{'conns/server':>13}{'summed req/s':>14}{'all req/s':>11}  "
          f"{'per server req/s':<30}{'worst p50':>11}{'worst p99':>11}")
    print("-" * (7 + 2 + 18 + 13 + 14 + 11 + 2 + 30 + 22))
    for x in rows:
        per = " / ".join(f"{v:.0f}" for v in x["per_server_rps"])
        print(f"{x['servers']:>7}  {x['operation']:<18}{x['connections_per_server']:>13}{x['sum_rps']:>14.1f}"
              f"{x['aggregate_rps']:>11.1f}  {per:<30}{x['p50_ms_max']:>11.3f}{x['p99_ms_max']:>11.3f}")
    print("summed = Σ per-server req/s; all = every server's responses ÷ (last response − first request of any server); "
          "worst = the highest p50/p99 of the servers' wrk runs (ms)")
    print()


def print_rsa_table(rows: list[dict]) -> None:
    print("CreateKeyPair RSA-2048 through the SDK, sequential — burst (Keyward's pool of pre-generated keys) vs sustained")
    print(f"{'series':<34}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    print("-" * 70)
    for x in rows:
        print(f"{x['series']:<34}{x['count']:>6}{x['p50_ms']:>10.3f}{x['p99_ms']:>10.3f}{x['max_ms']:>10.3f}")
    print()


def print_target_table(rows: list[dict]) -> None:
    w = max(len(x["target"]) for x in rows) + 2
    print("Targets")
    print(f"{'target':<{w}}{'unit':>6}{'measured':>12}{'goal':>18}  met")
    print("-" * (w + 6 + 12 + 18 + 6))
    for x in rows:
        m = x["measured"]
        measured = "n/a" if m is None else (f"{m:.3f}" if x["unit"] == "ratio" else f"{m:.1f}")
        met = "n/a" if x["met"] is None else ("yes" if x["met"] else "no")
        print(f"{x['target']:<{w}}{x['unit']:>6}{measured:>12}{x['goal']:>18}  {met}")
    print()


def print_ratio_table(rows: list[dict], title: str, trailer: bool = True) -> None:
    w = max(len(x["operation"]) for x in rows) + 2
    print(title)
    print(f"{'operation':<{w}}{'unit':>6}{'Keyward':>12}{'ceiling':>12}{'ratio':>9}{'target':>9}  met")
    print("-" * (w + 6 + 12 + 12 + 9 + 9 + 6))
    for x in rows:
        ratio = f"{x['ratio']:.3f}" if x["ratio"] is not None else "n/a"
        print(f"{x['operation']:<{w}}{x['unit']:>6}{x['keyward']:>12.1f}{x['ceiling']:>12.1f}{ratio:>9}"
              f"{'≥ ' + format(x['target'], 'g'):>9}  {'yes' if x['met'] else 'no'}")
    if trailer:
        print()


def print_scale_table(rows: list[dict], r: dict) -> None:
    s = r["scale"]
    print(f"DescribeKeyPairs by key pairs in the region — PageSize {SCALE_PAGE_SIZE}, wrk {CONF['wrk_connections']} conns, "
          f"{CONF['warmup_seconds']:g} s warm-up + {CONF['scale_seconds']:g} s each; the {SCALE_LARGE} were "
          f"{s['seed']['through_api']} made through the API + {s['seed']['inserted']} inserted in the database")
    print(f"{'key pairs':>10}{'page':>6}{'items':>7}{'bytes':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print("-" * 61)
    for x in rows:
        print(f"{x['key_pairs']:>10}{x['page']:>6}{x['items']:>7}{x['body_bytes']:>8}{x['rps']:>10.1f}"
              f"{x['p50_ms']:>10.3f}{x['p99_ms']:>10.3f}")
    rss = s.get("rss_kib")
    print(f"Keyward RSS after the {SCALE_LARGE} key pair runs: " + (f"{rss / 1024:.1f} MiB ({rss} KiB)" if rss else "n/a"))
    print()


def print_table(rows: list[dict], info: dict) -> None:
    w = max(len(x["operation"]) for x in rows) + 2
    print()
    print(f"Keyward vs moto_server {info.get('moto', '?')} — same machine, same run; "
          f"nproc={info.get('nproc')}, cpu={info.get('cpu', '?')}")
    print("ratio: throughput rows = Keyward/moto, latency rows = moto/Keyward; > 1 means Keyward is better")
    print(f"{'operation':<{w}}{'unit':>6}{'Keyward':>12}{'moto':>12}{'ratio':>9}  ratio is")
    print("-" * (w + 6 + 12 + 12 + 9 + 15))
    for x in rows:
        ratio = f"{x['ratio']:.2f}" if x["ratio"] is not None else "n/a"
        print(f"{x['operation']:<{w}}{x['unit']:>6}{x['keyward']:>12.1f}{x['moto']:>12.1f}{ratio:>9}  "
              f"{x['ratio_kind']}")
    print()


# ------------------------------------------------------------------------------------------ main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keyward-bin", required=True)
    ap.add_argument("--work-dir", required=True, type=Path, help="scratch dir (data dirs, pools, logs)")
    ap.add_argument("--results", required=True, type=Path, help="where to write the JSON results")
    ap.add_argument("--wrk", default="wrk")
    ap.add_argument("--ceiling-bin", required=True, help="keyward-bench-ceiling (bench/ceiling/main.swift), release build")
    ap.add_argument("--build-info", default="", help="free text about the Keyward build, stored in the JSON")
    args = ap.parse_args()

    scrub_proxy_env()
    if not (os.path.isfile(args.ceiling_bin) and os.access(args.ceiling_bin, os.X_OK)):
        raise BenchError(f"--ceiling-bin {args.ceiling_bin} is not an executable file")
    n_alibaba = len(KW_IMPORT_REGIONS)
    if CONF["imports"] > KW_QUOTA * n_alibaba:
        raise BenchError(f"BENCH_IMPORTS={CONF['imports']} exceeds Keyward's quota over {n_alibaba} regions ({KW_QUOTA * n_alibaba})")
    check_create_counts()
    pg_decision = postgres_decision()
    if pg_decision["run"]:
        check_postgres_counts()
    work: Path = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).resolve().parent
    procs = Procs(work / "pids")

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    venv_bin = Path(sys.executable).parent
    kw = KeywardServer(procs, args.keyward_bin, work / "keyward-data")
    moto = MotoServer(procs, venv_bin, work)
    wrk = Wrk(procs, args.wrk, here / "wrk_pool.lua", work)
    info = machine_info(args.wrk)
    log(f"machine: {json.dumps(info)}")
    log(f"config: {json.dumps(CONF)}")
    log(f"PostgreSQL phases: {'on' if pg_decision['run'] else 'off'} ({pg_decision['reason']})")
    t_all = time.monotonic()
    results: dict = {"config": CONF, "machine": info, "keyward_build": args.build_info}
    try:
        kw.start()
        log(f"keyward listening on {kw.url} (data {kw.data_dir})")
        moto.start()
        log(f"moto_server listening on {moto.url}")
        seed(kw, moto, CONF["describe_keys"])
        results["describe_wrk"] = phase_describe_wrk(kw, moto, wrk, work)
        results["ceiling"] = {"describe": phase_ceiling_describe(kw, procs, args.ceiling_bin, wrk, work)}
        results["sdk_describe"] = phase_sdk_describe(kw, moto)
        results["import_wrk"] = phase_import_wrk(kw, moto, wrk, work)
        results["ceiling"]["import"] = phase_ceiling_import(kw, procs, args.ceiling_bin, wrk, work)
        results["tc3_describe_wrk"] = phase_tc3_describe_wrk(kw, wrk, work)
        results["tc3_import_wrk"] = phase_tc3_import_wrk(kw, wrk, work)
        results["create_latency"] = phase_create_latency(kw, moto)
        results["rss_kib_at_end"] = {"keyward": kw.rss_kib(), "moto": moto.rss_kib()}
        # after every compared figure, so that none of them sees the large account or the restart
        if CONF["scale"]:
            moto.stop()
            results["scale"] = phase_scale(kw, wrk, work, results)
        else:
            log("scale phase skipped (BENCH_SCALE=0)")
            results["scale"] = None
        # the SQLite phases are over: Keyward on PostgreSQL next, alone on the machine with its database
        kw.stop()
        moto.stop()
        if pg_decision["run"]:
            results["postgres"] = phase_postgres(procs, args.keyward_bin, wrk, work, results, pg_decision)
        else:
            results["postgres"] = {"ran": False, "decision": pg_decision["reason"], "status": f"off ({pg_decision['reason']})"}
            log(f"PostgreSQL phases skipped: {pg_decision['reason']}")
    finally:
        kw.stop()
        moto.stop()
        procs.stop_all()
    results["elapsed_s"] = round(time.monotonic() - t_all, 1)
    results["date_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows = build_rows(results)
    results["table"] = rows
    results["table_ceiling"] = build_ceiling_rows(results)
    results["table_scale"] = build_scale_rows(results) if results["scale"] else None
    results["table_rsa"] = build_rsa_rows(results)
    pg_ran = results["postgres"].get("ran")
    results["table_postgres"] = build_postgres_rows(results) if pg_ran else None
    results["table_scale_out"] = build_scale_out_rows(results) if pg_ran else None
    results["table_targets"] = build_target_rows(results)
    print_table(rows, info)
    print_ceiling_table(results["table_ceiling"], results)
    print_rsa_table(results["table_rsa"])
    if results["table_scale"]:
        print_scale_table(results["table_scale"], results)
    print_postgres_tables(results)
    print_target_table(results["table_targets"])
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    log(f"results written to {args.results} (benchmark phases took {results['elapsed_s']} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        log(f"FAILED: {e}")
        sys.exit(1)
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        sys.exit(130)
