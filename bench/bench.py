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

All traffic goes to 127.0.0.1 only; every loop is bounded in count and in time.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import os
import platform
import secrets
import signal
import socket
import string
import subprocess
import sys
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
# moto regions (no quota; the same layout so that every server holds the same number of key pairs per region)
MOTO_DESCRIBE_REGION = "us-east-1"
MOTO_IMPORT_REGIONS = ["us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1",
                       "ap-southeast-1", "ap-northeast-1"]
MOTO_CREATE_REGION = "ca-central-1"
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
    def __init__(self, procs: Procs, binary: str, data_dir: Path):
        self.procs, self.binary, self.data_dir = procs, binary, data_dir
        self.port = free_port()
        self.ak = "LTAI" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20))
        self.secret = secrets.token_urlsafe(24)
        self.log_path = data_dir.parent / "keyward.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
        env["KEYWARD_ROOT_ACCESS_KEY_ID"] = self.ak
        env["KEYWARD_ROOT_ACCESS_KEY_SECRET"] = self.secret
        logf = open(self.log_path, "ab")
        try:
            self.proc = self.procs.add(subprocess.Popen(
                [self.binary, "serve", "--listen", f"{HOST}:{self.port}", "--data", str(self.data_dir),
                 "--driver", "simulated", "--metadata-listen", "off"],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=env))
        finally:
            logf.close()
        marker = f"listening on http://{HOST}:{self.port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            if marker in text:
                return
            if self.proc.poll() is not None:
                raise BenchError(f"keyward exited with {self.proc.returncode}; log:\n{text[-3000:]}")
            time.sleep(0.05)
        raise BenchError(f"keyward did not print {marker!r} within {timeout}s")

    def stop(self) -> None:
        if self.proc is not None:
            code = self.procs.stop(self.proc)
            log(f"keyward stopped (exit code {code})")
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
        bounded = expected is not None
        d = cap if bounded else duration
        cmd = [self.exe, "-t", str(threads), "-c", str(threads), "-d", f"{int(math.ceil(d))}s", "--timeout", "30s",
               "-s", str(self.lua), url + "/", "--", str(prefix), mode]
        out_path = self.work / f"wrk-{label}.out"
        with open(out_path, "w") as out:
            p = self.procs.add(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT))
            start = time.monotonic()
            sigint_sent = False
            while p.poll() is None:
                elapsed = time.monotonic() - start
                if bounded and not sigint_sent:
                    done = [prefix.parent / f"{prefix.name}.done.{t + 1}" for t in range(threads)]
                    if all(f.exists() for f in done):
                        p.send_signal(signal.SIGINT)
                        sigint_sent = True
                if elapsed > d + 120:  # wrk should have ended by itself long ago
                    p.kill()
                    p.wait()
                    raise BenchError(f"wrk run {label} hung; see {out_path}")
                time.sleep(0.05)
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
            "exhausted_threads": exhausted, "sentinels_sent": overrun,
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
def seed(kw: KeywardServer, moto: MotoServer, n: int) -> None:
    sdk = KeywardSdk(kw, KW_DESCRIBE_REGION)
    ec2 = boto_ec2(moto, MOTO_DESCRIBE_REGION)
    for i in range(n):
        sdk.import_key(KW_DESCRIBE_REGION, f"bench-describe-{i:02d}", ed25519_openssh_public(f"kw-{i}"))
        ec2.import_key_pair(KeyName=f"bench-describe-{i:02d}",
                            PublicKeyMaterial=ed25519_openssh_public(f"moto-{i}").encode())
    kt = sdk.describe(KW_DESCRIBE_REGION)
    if kt.get("TotalCount") != n or len(kt["KeyPairs"]["KeyPair"]) != n:
        raise BenchError(f"Keyward DescribeKeyPairs after seeding: {kt}")
    mk = ec2.describe_key_pairs()["KeyPairs"]
    if len(mk) != n:
        raise BenchError(f"moto describe_key_pairs after seeding returned {len(mk)} pairs")
    # The same number in Tencent's region, through the Alibaba SDK (one record for both dialects), for the TC3 rows.
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

    # Keyward: every request carries its own nonce, so the pool must outlast the run. The warm-up run sizes it.
    kprefix = work / "pool-kw-describe"
    warm_pool = max(T * 200, int(os.environ.get("BENCH_KW_WARMUP_POOL", 60000)))
    write_pool(kprefix, kw_describe_lines(kw, warm_pool), T, KW_SENTINEL)
    w = require_clean(wrk.run("keyward-describe-warmup", kw.url, kprefix, "once", T, duration=warm))
    rate = w["rps"]
    pool = int(os.environ.get("BENCH_KW_DESCRIBE_POOL", 0)) or int(rate * dur * 1.6) + 20000
    for attempt in (1, 2):
        log(f"signing {pool} DescribeKeyPairs requests for Keyward")
        t0 = time.monotonic()
        write_pool(kprefix, kw_describe_lines(kw, pool), T, KW_SENTINEL)
        log(f"  signed in {time.monotonic() - t0:.1f}s")
        r = wrk.run("keyward-describe", kw.url, kprefix, "once", T, duration=dur)
        if r["exhausted_threads"]:
            if attempt == 1:
                log("pool was too small for the run; retrying with a pool three times as large")
                pool *= 3
                continue
            raise BenchError(f"{r['exhausted_threads']} wrk thread(s) ran out of the {pool} precomputed "
                             "DescribeKeyPairs requests; set BENCH_KW_DESCRIBE_POOL higher")
        out["keyward"] = require_clean(r)
        out["keyward"]["pool"] = pool
        break
    return out


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
    signer = V1Signer(kw.ak, kw.secret)
    ts = ali_timestamp()
    lines = []
    for i in range(n):
        params = {"RegionId": KW_IMPORT_REGIONS[i % nreg], "KeyPairName": f"imp-{run_id}-{i:05d}",
                  "PublicKeyBody": ed25519_openssh_public(f"k{i}")}
        lines.append(pool_line("GET", "/?" + signer.query("GET", "ImportKeyPair", params, ts)))
    kprefix = work / "pool-kw-import"
    write_pool(kprefix, lines, T, KW_SENTINEL)
    out["keyward"] = require_clean(wrk.run("keyward-import", kw.url, kprefix, "once", T, expected=n,
                                           cap=CONF["bounded_cap_seconds"]))

    # both servers must now hold exactly the imported key pairs
    sdk = KeywardSdk(kw, KW_IMPORT_REGIONS[0])
    per_region = [n // nreg + (1 if r < n % nreg else 0) for r in range(nreg)]
    for r, region in enumerate(KW_IMPORT_REGIONS):
        total = sdk.describe(region, page_size=1)["TotalCount"]
        if total != per_region[r]:
            raise BenchError(f"Keyward {region} holds {total} key pairs after the import run, "
                             f"expected {per_region[r]}")
    for r, region in enumerate(MOTO_IMPORT_REGIONS):
        total = len(boto_ec2(moto, region).describe_key_pairs()["KeyPairs"])
        if total != per_region[r]:
            raise BenchError(f"moto {region} holds {total} key pairs after the import run, expected {per_region[r]}")
    log("import counts verified on both servers")
    return out


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


def phase_create_latency(kw, moto) -> dict:
    cap = CONF["series_cap_seconds"]
    sdk = KeywardSdk(kw, KW_CREATE_REGION)
    ec2 = boto_ec2(moto, MOTO_CREATE_REGION)
    run_id = secrets.token_hex(3)
    nrsa, ned = CONF["rsa_count"], CONF["ed25519_count"]
    if nrsa + ned + 2 > KW_QUOTA:
        raise BenchError(f"BENCH_RSA_COUNT + BENCH_ED25519_COUNT must stay below {KW_QUOTA - 2} (one region)")

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

    # one untimed call each to warm the clients (names outside the timed range)
    kw_rsa(9999)
    kw_ed(9999)
    moto_rsa(9999)
    moto_ed(9999)
    return {
        "rsa": {"keyward": latency_series("Keyward CreateKeyPair RSA-2048", kw_rsa, nrsa, cap),
                "moto": latency_series("moto CreateKeyPair rsa", moto_rsa, nrsa, cap)},
        "ed25519": {"keyward": latency_series("Keyward CreateKeyPair Ed25519", kw_ed, ned, cap),
                    "moto": latency_series("moto CreateKeyPair ed25519", moto_ed, ned, cap)},
    }


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
    ap.add_argument("--build-info", default="", help="free text about the Keyward build, stored in the JSON")
    args = ap.parse_args()

    scrub_proxy_env()
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
    t_all = time.monotonic()
    results: dict = {"config": CONF, "machine": info, "keyward_build": args.build_info}
    try:
        kw.start()
        log(f"keyward listening on {kw.url} (data {kw.data_dir})")
        moto.start()
        log(f"moto_server listening on {moto.url}")
        seed(kw, moto, CONF["describe_keys"])
        results["describe_wrk"] = phase_describe_wrk(kw, moto, wrk, work)
        results["sdk_describe"] = phase_sdk_describe(kw, moto)
        results["import_wrk"] = phase_import_wrk(kw, moto, wrk, work)
        results["tc3_describe_wrk"] = phase_tc3_describe_wrk(kw, wrk, work)
        results["tc3_import_wrk"] = phase_tc3_import_wrk(kw, wrk, work)
        results["create_latency"] = phase_create_latency(kw, moto)
        results["rss_kib_at_end"] = {"keyward": kw.rss_kib(), "moto": moto.rss_kib()}
    finally:
        kw.stop()
        moto.stop()
        procs.stop_all()
    results["elapsed_s"] = round(time.monotonic() - t_all, 1)
    results["date_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows = build_rows(results)
    results["table"] = rows
    print_table(rows, info)
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
