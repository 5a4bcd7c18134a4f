"""kill -9 rounds under a concurrent write load (reliability/test_kill9.py).

A round: 4-8 threads, each with its own legacy AcsClient (aliyunsdkcore, auto_retry=False: one call = one request),
send ImportKeyPair (unique names, spread over REGIONS) and DeleteKeyPairs (of names whose import was acknowledged);
0.2-1.5 s in, the server gets SIGKILL; the threads stop; the database is checked while the server is down; the
server is started again on the same data (same port) and a few acknowledged requests are sent again, byte for byte,
which must be refused as replays.

Every call ends in one of:
  ack       HTTP 200 with the expected body: the write is durable, whatever happens next.
  refused   an error response with a code (kept: status, code).
  unknown   the connection broke after the request may have been sent (the server died mid-call): either outcome.
  not_sent  the connection was refused: the server never saw the request.

* Ledger      - what was asked, what came back, and from that what must (not) exist: expectation(name).
* Ledger.check(observed) - compares a listing {(region, name): md5 fingerprint} with the expectations.
* SQLiteView / PostgresView - the database read while the server is down (a copy of the SQLite files; psql): integrity,
  quota_usage against key_pairs, the listing against the ledger, the nonces and the audit events of the calls.
* run_rounds(...) - the whole experiment; returns a summary dict (also appended to SUMMARIES for the terminal).
"""
from __future__ import annotations

import glob
import importlib
import json
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qsl, urlsplit

import requests

import kwhelpers as kw
import scale_helpers as sh

# The Alibaba-named regions of the standard catalogue: 10 x 500 key pairs of quota.
REGIONS = ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou",
           "cn-hongkong", "ap-southeast-1", "us-west-1", "eu-central-1")
# Key pairs that may exist in a region at any time (acknowledged, in flight or of unknown fate): under the quota, so
# that no import is refused for quota and a QuotaExceed would mean the usage counter drifted.
REGION_BUDGET = kw.QUOTA - 60

JOIN_TIMEOUT = 60.0        # a load thread's last call ends when the server dies; bounded anyway
REPLAY_LAST = 3            # per round: the acknowledged calls that ended last before the kill ...
REPLAY_RANDOM = 2          # ... and a few older ones

SUMMARIES: List[str] = []  # printed by conftest's terminal summary

for _name in ("aliyunsdkcore", "aliyunsdkcore.client", "aliyunsdkcore.http.http_response"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# --------------------------------------------------------------------------------------------
# One request as it went on the wire, and the SDK that keeps it
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    method: str
    url: str
    headers: Dict[str, str]
    body: Optional[bytes]

    @property
    def params(self) -> Dict[str, str]:
        p = dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))
        if self.body and "form-urlencoded" in self.headers.get("Content-Type", ""):
            p.update(parse_qsl(self.body.decode(), keep_blank_values=True))
        return p

    @property
    def nonce(self) -> str:
        return self.params["SignatureNonce"]

    def replay(self, session: requests.Session) -> requests.Response:
        return session.request(self.method, self.url, headers=self.headers, data=self.body, timeout=30,
                               allow_redirects=False)


class CapturingSdk(kw.LegacySdk):
    """kwhelpers.LegacySdk (AcsClient with auto_retry=False) that keeps the last request it put on the wire."""

    def __init__(self, server: kw.KeywardServer):
        super().__init__(server.host, server.port, server.ak, server.secret)
        assert not self.client.is_auto_retry(), "each call must be exactly one request"
        self.sent: Optional[Sent] = None
        self.requests_sent = 0
        send = self.client.session.send

        def capture(prepared, **kwargs):
            body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
            self.sent = Sent(prepared.method, prepared.url, dict(prepared.headers), body)
            self.requests_sent += 1
            return send(prepared, **kwargs)

        self.client.session.send = capture


# --------------------------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------------------------

@dataclass
class Call:
    round: int
    thread: int
    action: str                  # ImportKeyPair | DeleteKeyPairs
    region: str
    names: Tuple[str, ...]
    started: float
    ended: float = 0.0
    outcome: str = "inflight"    # ack | refused | unknown | not_sent
    status: Optional[int] = None
    code: Optional[str] = None
    detail: str = ""
    fingerprint: Optional[str] = None   # import: md5 of the key sent; on ack also checked against the response
    request_id: Optional[str] = None
    sent: Optional[Sent] = None
    requests: int = 0            # requests the SDK put on the wire for this call (must be 1)

    def describe(self, kill_at: Optional[float] = None, t0: Optional[float] = None) -> str:
        rel = ""
        if t0 is not None:
            rel = f" t={self.started - t0:.3f}..{self.ended - t0:.3f}s"
            if kill_at is not None:
                rel += f" (kill at {kill_at - t0:.3f}s)"
        nonce = self.sent.nonce if self.sent else None
        return (f"{self.action} {self.region} {list(self.names)} round {self.round} thread {self.thread}{rel}: "
                f"{self.outcome} status={self.status} code={self.code} RequestId={self.request_id} "
                f"SignatureNonce={nonce} {self.detail}").strip()


@dataclass
class RoundInfo:
    number: int
    t0: float
    kill_delay: float
    kill_at: float = 0.0
    exit_code: Optional[int] = None
    calls: List[Call] = field(default_factory=list)
    replays: int = 0
    postgres_crashed: bool = False
    restart_seconds: float = 0.0


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls: List[Call] = []
        self.imports: Dict[str, Call] = {}                 # name -> its import
        self.deletes: Dict[str, List[Call]] = {}           # name -> the deletes that named it
        self.pool: Dict[str, List[str]] = {r: [] for r in REGIONS}   # acknowledged imports no delete has taken
        self.possible: Dict[str, int] = {r: 0 for r in REGIONS}      # may exist now, per region
        self.seq = 0
        self.anomalies: List[str] = []

    # -- choosing the next call (under the lock) ------------------------------------------
    def next_call(self, round_no: int, thread: int, rng: random.Random) -> Optional[Call]:
        with self.lock:
            fill = sum(self.possible.values()) / (REGION_BUDGET * len(REGIONS))
            p_delete = min(0.9, 0.25 + 0.7 * fill)
            with_pool = [r for r in REGIONS if self.pool[r]]
            room = [r for r in REGIONS if self.possible[r] < REGION_BUDGET]
            if with_pool and (not room or rng.random() < p_delete):
                region = rng.choices(with_pool, weights=[len(self.pool[r]) for r in with_pool])[0]
                pool = self.pool[region]
                names = []
                for _ in range(min(len(pool), rng.randint(1, 3))):
                    i = rng.randrange(len(pool))
                    pool[i], pool[-1] = pool[-1], pool[i]
                    names.append(pool.pop())
                call = Call(round_no, thread, "DeleteKeyPairs", region, tuple(names), time.monotonic())
            elif room:
                region = rng.choice(room)
                self.possible[region] += 1
                self.seq += 1
                name = f"kr{round_no}t{thread}n{self.seq}-{kw.token(5)}"
                call = Call(round_no, thread, "ImportKeyPair", region, (name,), time.monotonic())
                self.imports[name] = call
            else:
                return None
            if call.action == "DeleteKeyPairs":
                for n in call.names:
                    self.deletes.setdefault(n, []).append(call)
            self.calls.append(call)
            return call

    def settle(self, call: Call) -> None:
        with self.lock:
            if call.requests != 1:
                self.anomalies.append(f"{call.requests} requests on the wire for one call: {call.describe()}")
            if call.action == "ImportKeyPair":
                if call.outcome == "ack":
                    self.pool[call.region].append(call.names[0])
                elif call.outcome in ("refused", "not_sent"):
                    self.possible[call.region] -= 1
            else:
                if call.outcome == "ack":
                    self.possible[call.region] -= len(call.names)
                elif call.outcome in ("refused", "not_sent"):
                    self.pool[call.region].extend(call.names)   # still there; a later delete may take them

    # -- what must be true ----------------------------------------------------------------
    def expectation(self, name: str) -> str:
        """present | absent | either, for a name this ledger imported."""
        imp = self.imports[name]
        if imp.outcome in ("refused", "not_sent"):
            return "absent"
        if imp.outcome == "unknown":
            return "either"
        assert imp.outcome == "ack", imp.describe()
        deletes = self.deletes.get(name, [])
        if any(d.outcome == "ack" for d in deletes):
            return "absent"
        if any(d.outcome == "unknown" for d in deletes):
            return "either"
        return "present"

    def check(self, observed: Dict[Tuple[str, str], str], where: str) -> List[str]:
        """Problems between a listing {(region, name): fingerprint} and the expectations."""
        problems = []
        for name, imp in self.imports.items():
            expect = self.expectation(name)
            key = (imp.region, name)
            if expect == "present" and key not in observed:
                why = "acknowledged import missing"
                problems.append(f"{where}: {why}: {imp.describe()}; deletes: {[d.describe() for d in self.deletes.get(name, [])]}")
            elif expect == "absent" and key in observed:
                if imp.outcome != "ack":
                    why = f"import that was {imp.outcome} is present"
                else:
                    why = "key pair present after an acknowledged delete"
                problems.append(f"{where}: {why}: {imp.describe()}; deletes: {[d.describe() for d in self.deletes.get(name, [])]}")
            elif key in observed and imp.fingerprint and observed[key] != imp.fingerprint:
                problems.append(f"{where}: fingerprint {observed[key]} != {imp.fingerprint}: {imp.describe()}")
        for d in self.calls:
            if d.action == "DeleteKeyPairs" and d.outcome == "unknown":
                there = [n for n in d.names if (d.region, n) in observed]
                if there and len(there) != len(d.names):
                    problems.append(f"{where}: a delete of unknown fate took effect in part (still there: {there}): "
                                    f"{d.describe()}")
        for region, name in observed:
            imp = self.imports.get(name)
            if imp is None or imp.region != region:
                problems.append(f"{where}: key pair {name!r} in {region} that this run never imported there")
        return problems

    def acked(self) -> List[Call]:
        return [c for c in self.calls if c.outcome == "ack"]


# --------------------------------------------------------------------------------------------
# The load
# --------------------------------------------------------------------------------------------

def _one_call(sdk: CapturingSdk, call: Call) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ClientException
    sdk.sent = None
    before = sdk.requests_sent
    try:
        if call.action == "ImportKeyPair":
            line = kw.gen_ed25519_openssh()
            call.fingerprint = kw.openssh_line_fingerprint(line)
            r = sdk.import_key_pair(call.names[0], line, region=call.region)
            call.request_id = r.get("RequestId")
            if r.get("KeyPairName") != call.names[0] or r.get("KeyPairFingerPrint") != call.fingerprint:
                call.detail = f"unexpected body {json.dumps(r)[:300]}"
        else:
            r = sdk.delete_key_pairs(json.dumps(list(call.names)), region=call.region)
            call.request_id = r.get("RequestId")
        call.outcome = "ack" if call.request_id else "unknown"
        if not call.request_id:
            call.detail = f"200 without RequestId: {json.dumps(r)[:300]}"
    except kw.ApiError as e:
        call.outcome, call.status, call.code, call.request_id = "refused", e.status, e.code, e.request_id
        call.detail = (e.message or "")[:200]
    except ClientException as e:
        message = str(e)
        if e.get_error_code() == "SDK.HttpError" and ("Connection refused" in message or "NewConnectionError" in message):
            call.outcome = "not_sent"
        else:
            call.outcome = "unknown"
        call.code = e.get_error_code()
        call.detail = message[:300]
    except Exception as e:  # noqa: BLE001 - recorded, then reported as an anomaly
        call.outcome = "unknown"
        call.code = "python:" + type(e).__name__
        call.detail = repr(e)[:300]
    finally:
        call.ended = time.monotonic()
        call.sent = sdk.sent
        call.requests = sdk.requests_sent - before


def _worker(ledger: Ledger, server: kw.KeywardServer, info: RoundInfo, thread: int, stop: threading.Event,
            seed: int) -> None:
    rng = random.Random(seed)
    sdk = CapturingSdk(server)     # a fresh client (and connection pool) every round
    while not stop.is_set():
        call = ledger.next_call(info.number, thread, rng)
        if call is None:
            time.sleep(0.01)
            continue
        _one_call(sdk, call)
        ledger.settle(call)


def load_and_kill(ledger: Ledger, server: kw.KeywardServer, info: RoundInfo, threads: int, rng: random.Random) -> None:
    stop = threading.Event()
    workers = [threading.Thread(target=_worker, args=(ledger, server, info, i, stop, rng.getrandbits(32)),
                                name=f"load-{info.number}-{i}", daemon=True) for i in range(threads)]
    first = len(ledger.calls)
    info.t0 = time.monotonic()
    for w in workers:
        w.start()
    time.sleep(max(0.0, info.t0 + info.kill_delay - time.monotonic()))
    info.kill_at = time.monotonic()
    server.proc.kill()            # SIGKILL
    stop.set()
    info.exit_code = server.proc.wait(timeout=30)
    server.proc = None
    for w in workers:
        w.join(timeout=JOIN_TIMEOUT)
        assert not w.is_alive(), f"load thread {w.name} still running {JOIN_TIMEOUT}s after the kill"
    info.calls = ledger.calls[first:]
    for c in info.calls:
        if c.outcome in ("unknown", "not_sent") and c.ended < info.kill_at:
            ledger.anomalies.append(f"failed before the kill: {c.describe(info.kill_at, info.t0)}")
        if c.outcome == "unknown" and (c.code or "").startswith("python:"):
            ledger.anomalies.append(f"unexpected exception: {c.describe(info.kill_at, info.t0)}")
        if c.outcome == "ack" and c.detail:
            ledger.anomalies.append(f"acknowledged with a wrong body: {c.describe(info.kill_at, info.t0)}")


# --------------------------------------------------------------------------------------------
# The database, read while the server is down
# --------------------------------------------------------------------------------------------

KEY_PAIRS_SQL = "SELECT region_id, name, fingerprint_md5 FROM key_pairs"
QUOTA_SQL = "SELECT account_id, region_id, used FROM quota_usage WHERE resource = 'keypair'"
COUNT_SQL = "SELECT account_id, region_id, COUNT(*) FROM key_pairs GROUP BY account_id, region_id"
NONCES_SQL = "SELECT access_key_id, nonce FROM signature_nonces"
AUDIT_SQL = ("SELECT event_name, request_id, resources, COALESCE(error_code, '') FROM audit_events "
             "WHERE event_name IN ('ImportKeyPair', 'DeleteKeyPairs')")


class StoreView:
    name = "?"

    def query(self, sql: str) -> List[tuple]:
        raise NotImplementedError

    def integrity(self) -> List[str]:
        return []

    def close(self) -> None:
        pass

    def problems(self, ledger: Ledger, ak: str, where: str) -> List[str]:
        problems = [f"{where}: {p}" for p in self.integrity()]
        used = {(a, r): int(u) for a, r, u in self.query(QUOTA_SQL)}
        counted = {(a, r): int(n) for a, r, n in self.query(COUNT_SQL)}
        for key in sorted(set(used) | set(counted)):
            if used.get(key, 0) != counted.get(key, 0):
                problems.append(f"{where}: quota_usage.used {used.get(key, 0)} != {counted.get(key, 0)} key_pairs rows "
                                f"for account {key[0]} region {key[1]}")
        observed = {(r, n): fp for r, n, fp in self.query(KEY_PAIRS_SQL)}
        if len(observed) != sum(counted.values()):
            problems.append(f"{where}: duplicate (region, name) rows in key_pairs")
        problems += ledger.check(observed, where)
        nonces = {n for a, n in self.query(NONCES_SQL) if a == ak}
        for c in ledger.calls:
            if c.sent is None or c.sent.nonce in nonces:
                continue
            if c.outcome == "ack":
                problems.append(f"{where}: the nonce of an acknowledged request is not stored: {c.describe()}")
            elif c.outcome == "unknown" and took_effect(c, observed):
                # the nonce is claimed (and committed) before the operation runs: a write that took effect without
                # it could be replayed
                problems.append(f"{where}: a call of unknown fate took effect but its nonce is not stored: {c.describe()}")
        problems += self.audit_problems(ledger, observed, where)
        return problems

    def audit_problems(self, ledger: Ledger, observed: Dict[Tuple[str, str], str], where: str) -> List[str]:
        """A write records its audit event in its own transaction: every acknowledged call has its event (by
        RequestId, without an error), and a call of unknown fate has one exactly when it took effect."""
        problems = []
        by_request: Dict[str, Tuple[str, str]] = {}
        audited: Set[Tuple[str, str]] = set()       # (action, key pair name) of successful events
        for event, request_id, resources, error in self.query(AUDIT_SQL):
            by_request[request_id] = (event, error)
            if not error:
                for _type, name in json.loads(resources):
                    audited.add((event, name))
        for c in ledger.calls:
            if c.outcome == "ack":
                event = by_request.get(c.request_id)
                if event is None or event != (c.action, ""):
                    problems.append(f"{where}: acknowledged call without its audit event (found {event}): {c.describe()}")
            elif c.outcome == "unknown":
                has_event = all((c.action, n) in audited for n in c.names)
                effect = took_effect(c, observed)
                if has_event != effect:
                    problems.append(f"{where}: call of unknown fate {'took' if effect else 'did not take'} effect but "
                                    f"{'has' if has_event else 'has no'} audit event: {c.describe()}")
        return problems


def took_effect(call: Call, observed: Dict[Tuple[str, str], str]) -> bool:
    if call.action == "ImportKeyPair":
        return (call.region, call.names[0]) in observed
    return all((call.region, n) not in observed for n in call.names)


class SQLiteView(StoreView):
    """A copy of DATA/keyward.sqlite3 and its WAL, opened with Python's sqlite3 (recovery runs on the copy)."""

    name = "sqlite"

    def __init__(self, data_dir: Path, copy: bool = True):
        db = Path(data_dir) / "keyward.sqlite3"
        assert db.exists(), f"no {db}"
        self.tmp = None
        if copy:
            self.tmp = Path(tempfile.mkdtemp(prefix="kw-sqlite-copy."))
            for suffix in ("", "-wal"):
                src = Path(str(db) + suffix)
                if src.exists():
                    shutil.copy2(src, self.tmp / (db.name + suffix))
            db = self.tmp / db.name
        self.conn = sqlite3.connect(str(db))

    def query(self, sql: str) -> List[tuple]:
        return self.conn.execute(sql).fetchall()

    def integrity(self) -> List[str]:
        problems = []
        result = [r[0] for r in self.query("PRAGMA integrity_check")]
        if result != ["ok"]:
            problems.append(f"PRAGMA integrity_check: {result[:20]}")
        fk = self.query("PRAGMA foreign_key_check")
        if fk:
            problems.append(f"PRAGMA foreign_key_check: {fk[:20]}")
        return problems

    def close(self) -> None:
        self.conn.close()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def psql_binary() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), key=lambda p: [int(x) if x.isdigit() else x for x in p.split("/")])
    return found[-1] if found else (shutil.which("psql") or "psql")


class PostgresView(StoreView):
    """psql on the deployment's schema."""

    name = "postgres"

    def __init__(self, url: str):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.schema = query.get("search_path", "public")
        self.dsn = f"postgresql://{parts.netloc}{parts.path}?sslmode=disable"

    def query(self, sql: str) -> List[tuple]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGOPTIONS"] = f"-c search_path={self.schema}"
        r = subprocess.run([psql_binary(), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-d", self.dsn, "-c", sql], capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL, env=env)
        assert r.returncode == 0, f"psql {sql!r} failed ({r.returncode}): {r.stderr.strip()}"
        return [tuple(line.split("\t")) for line in r.stdout.splitlines() if line]


# --------------------------------------------------------------------------------------------
# Through the API
# --------------------------------------------------------------------------------------------

def listing_through_sdk(server: kw.KeywardServer) -> Dict[Tuple[str, str], str]:
    """Every key pair of every region, DescribeKeyPairs page by page (page size 50)."""
    sdk = kw.LegacySdk(server.host, server.port, server.ak, server.secret)
    observed = {}
    for region in REGIONS:
        total = int(sdk.describe_key_pairs(region=region, page_size=1)["TotalCount"])
        items = kw.describe_all(sdk, region)
        names = [k["KeyPairName"] for k in items]
        assert len(names) == len(set(names)) == total, (region, total, len(names), len(set(names)))
        for k in items:
            observed[(region, k["KeyPairName"])] = k["KeyPairFingerPrint"]
    return observed


def replay_acknowledged(ledger: Ledger, server: kw.KeywardServer, info: RoundInfo, rng: random.Random) -> List[str]:
    """Sends a few acknowledged requests again, byte for byte: each must be refused as a replay (its nonce was stored
    before the response went out, and survived the kill)."""
    acked = [c for c in ledger.acked() if c.sent is not None]
    this_round = sorted((c for c in acked if c.round == info.number), key=lambda c: c.ended)
    chosen = this_round[-REPLAY_LAST:]
    older = [c for c in acked if c not in chosen]
    chosen += rng.sample(older, min(REPLAY_RANDOM, len(older)))
    session = requests.Session()
    session.trust_env = False
    problems = []
    for c in chosen:
        resp = c.sent.replay(session)
        try:
            sh.assert_rpc_error(resp, "SignatureNonceUsed", 400)
        except AssertionError as e:
            problems.append(f"round {info.number}: replay of an acknowledged request not refused as a replay "
                            f"({e}): {c.describe(info.kill_at, info.t0)}")
    info.replays = len(chosen)
    return problems


# --------------------------------------------------------------------------------------------
# The experiment
# --------------------------------------------------------------------------------------------

def run_rounds(server: kw.KeywardServer, view, kills: int, threads: int, seed: int, label: str,
               between=None) -> dict:
    """`view()` -> a StoreView of the stopped server's database; `between(info)` runs while the server is down, before
    the database check, e.g. to crash PostgreSQL too. Raises AssertionError with the evidence on any problem."""
    for module in ("ImportKeyPairRequest", "DeleteKeyPairsRequest", "DescribeKeyPairsRequest"):
        importlib.import_module(f"aliyunsdkecs.request.v20140526.{module}")   # not on the first round's clock
    rng = random.Random(seed)
    ledger = Ledger()
    rounds: List[RoundInfo] = []
    problems: List[str] = []
    started = time.monotonic()
    if not server.running:
        server.start()
    for number in range(1, kills + 1):
        info = RoundInfo(number, 0.0, rng.uniform(0.2, 1.5))
        load_and_kill(ledger, server, info, threads, rng)
        rounds.append(info)
        if between is not None:
            between(info)
        v = view()
        try:
            problems += v.problems(ledger, server.ak, f"round {number} ({v.name}, server down)")
        finally:
            v.close()
        t = time.monotonic()
        server.start()
        info.restart_seconds = time.monotonic() - t
        problems += replay_acknowledged(ledger, server, info, rng)
        if problems:
            break
    final: Optional[Dict[Tuple[str, str], str]] = None
    if not problems:
        final = listing_through_sdk(server)
        problems += ledger.check(final, f"after {kills} kills (DescribeKeyPairs)")
        code = server.stop()
        if code != 0:
            problems.append(f"graceful stop after the last round exited {code}")
        v = view()
        try:
            problems += v.problems(ledger, server.ak, f"after the final graceful stop ({v.name})")
        finally:
            v.close()
    log = server.log_text()
    for needle in ("audit event not recorded", "Fatal error", "fatalError"):
        if needle in log:
            problems.append(f"server log contains {needle!r}: " +
                            " | ".join(l for l in log.splitlines() if needle in l)[:1500])
    summary = summarize(label, ledger, rounds, seed, threads, time.monotonic() - started, final)
    SUMMARIES.append(summary["line"])
    for r in summary["rounds"]:
        SUMMARIES.append("    " + r)
    everything = ledger.anomalies + problems
    if any(c.outcome == "refused" and (c.status or 0) >= 500 for c in ledger.calls):
        everything += [f"5xx refusal: {c.describe()}" for c in ledger.calls if c.outcome == "refused" and (c.status or 0) >= 500]
    assert not everything, (f"{label}: {len(everything)} problem(s) (seed {seed}, data {server.data_dir}):\n  "
                            + "\n  ".join(everything[:60]) + f"\nsummary: {summary['line']}")
    return summary


def summarize(label: str, ledger: Ledger, rounds: List[RoundInfo], seed: int, threads: int, seconds: float,
              final: Optional[Dict[Tuple[str, str], str]]) -> dict:
    def counts(calls):
        out = {}
        for c in calls:
            out[(c.action, c.outcome)] = out.get((c.action, c.outcome), 0) + 1
        return out

    def fmt(cnt):
        parts = []
        for action, short in (("ImportKeyPair", "imp"), ("DeleteKeyPairs", "del")):
            parts.append(f"{short} " + "/".join(f"{o}={cnt.get((action, o), 0)}" for o in ("ack", "refused", "unknown", "not_sent")))
        return " ".join(parts)

    codes = {}
    for c in ledger.calls:
        if c.outcome == "refused":
            codes[f"{c.status} {c.code}"] = codes.get(f"{c.status} {c.code}", 0) + 1
    expectations = {}
    for name in ledger.imports:
        e = ledger.expectation(name)
        expectations[e] = expectations.get(e, 0) + 1
    load_seconds = sum(r.kill_at - r.t0 for r in rounds)
    acks = sum(1 for c in ledger.calls if c.outcome == "ack")
    line = (f"{label}: {len(rounds)} kills, {threads} threads, seed {seed}, {seconds:.1f}s total; "
            f"{len(ledger.calls)} calls, {fmt(counts(ledger.calls))}; "
            f"{acks / load_seconds if load_seconds else 0:.0f} acknowledged calls/s under load; "
            f"refusal codes {codes or '{}'}; final expectations {expectations}; "
            f"replays refused {sum(r.replays for r in rounds)}")
    if final is not None:
        unknown = [c for c in ledger.calls if c.outcome == "unknown"]
        done = sum(1 for c in unknown if took_effect(c, final))
        line += f"; of {len(unknown)} calls of unknown fate {done} took effect, {len(unknown) - done} did not"
    per_round = []
    for r in rounds:
        in_flight = sum(1 for c in r.calls if c.started < r.kill_at < c.ended)
        per_round.append(f"round {r.number}: kill at {r.kill_delay:.2f}s (exit {r.exit_code}), {len(r.calls)} calls, "
                         f"{fmt(counts(r.calls))}, in flight at the kill {in_flight}, restart {r.restart_seconds:.2f}s"
                         + (", PostgreSQL crashed too" if r.postgres_crashed else ""))
    return {"line": line, "rounds": per_round, "codes": codes, "expectations": expectations}
