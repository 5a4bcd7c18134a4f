"""Several Keyward servers on one PostgreSQL: what one server does, the other sees (key pairs through both dialects,
used signature nonces, the per-region quota and unique names, one-time agent tokens, console sessions); PostgreSQL
restarted or stopped under load (503 ServiceUnavailable, then back without restarting Keyward); a server without
the deployment's server key refuses to start.

Each module run has its own schema (`search_path=`) in the run's PostgreSQL (KEYWARD_TEST_POSTGRES_URL, from
test.sh) or in a cluster of its own (scripts/scratch-postgres.sh). The outage test always uses a private cluster.
"""
from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

import access_helpers as ah
import kwhelpers as kw
import scale_helpers as sh
import tencent_helpers as th
from kwhelpers import ApiError, QUOTA, REGION_MAIN, REGION_QUOTA
from operator_helpers import clean_env, ecs_call, one_error_line, run_to_exit
from scale_helpers import assert_rpc_error, assert_rpc_ok

ROOT_PASSWORD = "Kw-Scale-" + kw.token(10)


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def postgres_url():
    url = sh.shared_postgres_url()
    if url:
        yield url
        return
    pg = sh.ScratchPostgres()
    try:
        yield pg.start()
    finally:
        pg.stop()


@pytest.fixture(scope="module")
def deployment(postgres_url, tmp_path_factory):
    """Servers A and B on one schema, one server key file, one root AccessKey; A takes the URL from --database,
    B from KEYWARD_DATABASE."""
    base = tmp_path_factory.mktemp("scale-out")
    url = sh.with_schema(postgres_url, sh.fresh_schema("scale"))
    key_file = base / "keys" / "server.key"
    key_file.parent.mkdir()
    ak, secret = kw.random_access_key_id(), kw.random_secret()
    env = {"KEYWARD_ROOT_PASSWORD": ROOT_PASSWORD}
    a = sh.ScaleServer(base / "a", ak, secret, url, key_file, host_id="scale-a", env=env)
    b = sh.ScaleServer(base / "b", ak, secret, url, key_file, host_id="scale-b", via_env=True, env=env)
    started = []
    try:
        for server in (a, b):          # A first: it creates the key file and the schema
            server.start()
            started.append(server)
        yield SimpleNamespace(a=a, b=b, url=url, key_file=key_file, ak=ak, secret=secret, base=base)
    finally:
        for server in started:
            if server.running:
                server.stop()


@pytest.fixture
def servers(deployment):
    for server in (deployment.a, deployment.b):
        if not server.running:
            server.start()
    return deployment


def names(sdk, name, region=REGION_MAIN):
    return kw.names_of(sdk.describe_key_pairs(region=region, name=name))


def count(sdk, region):
    return int(sdk.describe_key_pairs(region=region, page_size=1)["TotalCount"])


# ---------------------------------------------------------------------------------------------
# 1. One store: what A writes, B reads
# ---------------------------------------------------------------------------------------------

def test_the_two_servers_share_one_store(servers):
    a, b = servers.a, servers.b
    assert a.port != b.port and a.data_dir != b.data_dir
    for server in (a, b):
        assert not (server.data_dir / "keyward.sqlite3").exists(), f"{server.data_dir} has a SQLite database"
        assert not (server.data_dir / "server.key").exists()


@pytest.mark.parametrize("kind_a,kind_b", [("legacy", "tea-v3"), ("tea-v3", "tea-v2"), ("tea-v2", "legacy")])
def test_key_pair_imported_through_a_is_listed_and_deleted_through_b(servers, kind_a, kind_b):
    sdk_a, sdk_b = kw.make_sdk(kind_a, servers.a), kw.make_sdk(kind_b, servers.b)
    name = kw.uniq("scale")
    line = kw.gen_ed25519_openssh()
    tag = "kws" + kw.token()
    made = sdk_a.import_key_pair(name, line, region=REGION_MAIN, tags=[(tag, "a")])
    assert made["KeyPairName"] == name
    (kp,) = kw.key_pairs(sdk_b.describe_key_pairs(region=REGION_MAIN, name=name))
    assert kp["KeyPairName"] == name
    assert kp["KeyPairFingerPrint"] == made["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(line)
    assert kw.tags_of(kp) == {tag: "a"}
    # The name is taken on B as well.
    with pytest.raises(ApiError) as ei:
        sdk_b.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    assert (ei.value.status, ei.value.code) == (400, "KeyPair.AlreadyExist"), str(ei.value)

    sdk_b.delete_key_pairs(json.dumps([name]), region=REGION_MAIN)
    assert names(sdk_a, name) == []
    assert names(sdk_b, name) == []
    # ... and A may take the name again.
    sdk_a.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    assert names(sdk_b, name) == [name]
    sdk_a.delete_key_pairs(json.dumps([name]), region=REGION_MAIN)
    assert names(sdk_b, name) == []


def test_key_pair_made_through_alibaba_on_a_is_seen_through_tencent_on_b(servers):
    ali_a = kw.make_sdk("tea-v3", servers.a)
    cvm_b = th.Cvm(servers.b)
    name = th.tname("scale")
    line = kw.gen_ed25519_openssh()
    ali_a.import_key_pair(name, line, region=th.REGION)
    d = th.key_by_name(cvm_b, name)
    assert d is not None, f"Tencent DescribeKeyPairs on B in {th.REGION} does not list {name}, imported through A"
    assert th.SKEY_RE.match(d["KeyId"]), d
    assert th.openssh_blob_of(d["PublicKey"]) == kw.openssh_blob(line)
    # Deleted through Tencent on B: gone for Alibaba on A.
    cvm_b.DeleteKeyPairs(KeyIds=[d["KeyId"]])
    assert th.alibaba_key(ali_a, name) is None
    assert th.key_by_name(th.Cvm(servers.a), name) is None


# ---------------------------------------------------------------------------------------------
# 2. A signature nonce used on A is used on B
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["v1", "v3"])
def test_request_replayed_on_the_other_server_is_refused(servers, scheme):
    a, b = servers.a, servers.b
    raw = sh.RawClient(a)
    name = kw.uniq("xreplay")
    params = {"RegionId": REGION_MAIN, "KeyPairName": name, "PublicKeyBody": kw.gen_ed25519_openssh()}
    nonce = uuid.uuid4().hex
    create = raw.v1("ImportKeyPair", params, nonce=nonce) if scheme == "v1" else raw.v3("ImportKeyPair", params, nonce=nonce)
    body = assert_rpc_ok(raw.send(create))
    assert body["KeyPairName"] == name
    sdk_a, sdk_b = kw.make_sdk("tea-v3", a), kw.make_sdk("legacy", b)
    (before,) = kw.key_pairs(sdk_b.describe_key_pairs(region=REGION_MAIN, name=name))

    # The exact same bytes on B: the nonce is spent (before the name check).
    assert_rpc_error(raw.send(create, to=b), "SignatureNonceUsed", 400)
    (after,) = kw.key_pairs(sdk_b.describe_key_pairs(region=REGION_MAIN, name=name))
    assert after == before
    assert names(sdk_a, name) == [name]

    # Deleted through B; the replay on either server does not bring it back.
    sdk_b.delete_key_pairs(json.dumps([name]), region=REGION_MAIN)
    assert_rpc_error(raw.send(create, to=b), "SignatureNonceUsed", 400)
    assert_rpc_error(raw.send(create), "SignatureNonceUsed", 400)
    assert names(sdk_a, name) == [] and names(sdk_b, name) == []


@pytest.mark.parametrize("scheme", ["v1", "v3"])
def test_nonce_first_used_on_b_is_refused_on_a(servers, scheme):
    a, b = servers.a, servers.b
    raw = sh.RawClient(a)
    nonce = uuid.uuid4().hex
    build = raw.v1 if scheme == "v1" else raw.v3
    read = build("DescribeKeyPairs", {"RegionId": REGION_MAIN}, nonce=nonce)
    assert_rpc_ok(raw.send(read, to=b))
    assert_rpc_error(raw.send(read), "SignatureNonceUsed", 400)
    # The same nonce in another, freshly signed request: refused on both.
    name = kw.uniq("xnonce")
    write = build("ImportKeyPair", {"RegionId": REGION_MAIN, "KeyPairName": name, "PublicKeyBody": kw.gen_ed25519_openssh()},
                  nonce=nonce)
    assert_rpc_error(raw.send(write), "SignatureNonceUsed", 400)
    assert_rpc_error(raw.send(write, to=b), "SignatureNonceUsed", 400)
    assert names(kw.make_sdk("tea-v3", a), name) == []


def test_concurrent_replays_on_both_servers_succeed_once(servers):
    """One signed write sent at the same moment to A and B, 8 copies each: exactly one goes through."""
    a, b = servers.a, servers.b
    raw = sh.RawClient(a)
    for _ in range(5):
        name = kw.uniq("xrace")
        req = raw.v3("ImportKeyPair", {"RegionId": REGION_MAIN, "KeyPairName": name, "PublicKeyBody": kw.gen_ed25519_openssh()})
        targets = [a, b] * 8
        barrier = threading.Barrier(len(targets))

        def send(target):
            client = sh.RawClient(a)
            barrier.wait(timeout=30)
            return client.send(req, to=target)

        with ThreadPoolExecutor(len(targets)) as ex:
            responses = list(ex.map(send, targets))
        ok = [r for r in responses if r.status_code == 200]
        refused = [r for r in responses if r.status_code != 200]
        assert len(ok) == 1, [(r.status_code, r.text[:200]) for r in responses]
        for r in refused:
            assert_rpc_error(r, "SignatureNonceUsed", 400)
        assert names(kw.make_sdk("legacy", b), name) == [name]
        kw.make_sdk("legacy", b).delete_key_pairs(json.dumps([name]), region=REGION_MAIN)


# ---------------------------------------------------------------------------------------------
# 3. The quota and unique names hold across servers
# ---------------------------------------------------------------------------------------------

def fill(servers, region, pool_names, workers=8):
    """One distinct ed25519 key per name, in parallel, alternately through A and B."""
    lines = [kw.gen_ed25519_openssh() for _ in pool_names]
    local = threading.local()

    def one(i):
        if not hasattr(local, "sdks"):
            local.sdks = (kw.make_sdk("tea-v3", servers.a), kw.make_sdk("legacy", servers.b))
        r = local.sdks[i % 2].import_key_pair(pool_names[i], lines[i], region=region)
        assert r["KeyPairName"] == pool_names[i]

    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(one, range(len(pool_names))))


def test_quota_and_unique_names_hold_across_servers(servers):
    a, b = servers.a, servers.b
    region = REGION_QUOTA
    probe_a, probe_b = kw.make_sdk("legacy", a), kw.make_sdk("tea-v3", b)
    assert count(probe_a, region) == 0, f"{region} must be empty at the start of this test"
    u = kw.token()
    base = [f"sb{u}-{i:03d}" for i in range(QUOTA - 20)]
    fill(servers, region, base)
    assert count(probe_a, region) == count(probe_b, region) == QUOTA - 20

    pool = [f"sr{u}-{i:02d}" for i in range(40)]
    n_threads, per_thread = 64, 3
    kinds = ("legacy", "tea-v3", "tea-v2")
    barrier = threading.Barrier(n_threads)
    results = []                               # (thread, name, ok, code, status)
    lock = threading.Lock()
    lines = {(t, k): kw.gen_ed25519_openssh() for t in range(n_threads) for k in range(per_thread)}

    def worker(t):
        server = a if t % 2 == 0 else b
        sdk = kw.make_sdk(kinds[(t // 2) % 3], server)
        out = []
        barrier.wait(timeout=60)
        for k in range(per_thread):
            name = pool[(t * 7 + k * 13) % len(pool)]
            try:
                r = sdk.import_key_pair(name, lines[(t, k)], region=region)
                assert r["KeyPairName"] == name
                out.append((t, name, True, None, 200))
            except ApiError as e:
                out.append((t, name, False, e.code, e.status))
        with lock:
            results.extend(out)

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(n_threads)]
    for th_ in threads:
        th_.start()
    for th_ in threads:
        th_.join(timeout=300)
    assert not any(th_.is_alive() for th_ in threads), "a client hung"
    assert len(results) == n_threads * per_thread

    won = [r for r in results if r[2]]
    lost = [r for r in results if not r[2]]
    bad = [r for r in lost if (r[3], r[4]) not in (("QuotaExceed.KeyPair", 403), ("KeyPair.AlreadyExist", 400))]
    assert not bad, bad[:10]
    won_names = [r[1] for r in won]
    assert len(won_names) == len(set(won_names)), f"a name was imported twice: {sorted(won_names)}"
    assert len(won) == QUOTA - (QUOTA - 20), (len(won), sorted(won_names))
    # Both servers took part in the race and saw both refusals.
    assert {r[0] % 2 for r in results} == {0, 1}

    for probe in (probe_a, probe_b):
        listed = [k["KeyPairName"] for k in kw.describe_all(probe, region)]
        assert len(listed) == QUOTA and len(set(listed)) == QUOTA, (len(listed), len(set(listed)))
        assert set(listed) == set(base) | set(won_names)
        assert count(probe, region) == QUOTA

    # The region is full through either server.
    for sdk in (probe_a, probe_b):
        with pytest.raises(ApiError) as ei:
            sdk.import_key_pair(f"sr{u}-over", kw.gen_ed25519_openssh(), region=region)
        assert (ei.value.code, ei.value.status) == ("QuotaExceed.KeyPair", 403), str(ei.value)

    listed = [k["KeyPairName"] for k in kw.describe_all(probe_a, region)]
    for i in range(0, len(listed), 100):
        (probe_a if i % 200 == 0 else probe_b).delete_key_pairs(json.dumps(listed[i:i + 100]), region=region)
    assert count(probe_a, region) == count(probe_b, region) == 0


# ---------------------------------------------------------------------------------------------
# 4. An agent registration token is spent on every server
# ---------------------------------------------------------------------------------------------

TOKEN_REFUSAL = "The registration token is unknown, used or expired."


def registration_token(server, name=None):
    client = AcsClient(server.ak, server.secret, "cn-hangzhou", port=server.port)
    request = CommonRequest(domain=server.host, version="2026-11-01", action_name="CreateAgentRegistrationToken")
    request.set_method("POST")
    request.set_protocol_type("http")
    if name:
        request.add_query_param("InstanceName", name)
    return json.loads(client.do_action_with_exception(request))["Token"]


def register(server, token, host_name="edge-host"):
    """What `keyward agent --token` sends (Sources/keyward/Agent/AgentCommand.swift): POST /agent/v1/register."""
    return requests.post(server.base_url + "/agent/v1/register", json={"token": token, "hostName": host_name, "address": "127.0.0.1"},
                         timeout=30, allow_redirects=False)


def instances_named(server, name):
    items = ecs_call(server, "DescribeInstances", InstanceName=name, PageSize=100)["Instances"]["Instance"]
    return [i for i in items if i["InstanceName"] == name]


def assert_token_refused(resp):
    assert resp.status_code == 403, (resp.status_code, resp.text[:500])
    assert TOKEN_REFUSAL in resp.text, resp.text[:500]


def test_registration_token_is_single_use_across_servers(servers):
    a, b = servers.a, servers.b
    # Sequential: made on A, used on B, refused on A (and on B).
    name = "edge-" + kw.token()
    token = registration_token(a, name)
    first = register(b, token)
    assert first.status_code == 200, first.text
    joined = first.json()
    assert joined["instanceId"].startswith("i-") and joined["secret"]
    assert_token_refused(register(a, token))
    assert_token_refused(register(b, token))
    for server in (a, b):
        (item,) = instances_named(server, name)
        assert item["InstanceId"] == joined["instanceId"]

    # Concurrent: the same token on A and B at the same moment, several rounds.
    for round_ in range(6):
        name = f"edge-{round_}-" + kw.token()
        token = registration_token(a if round_ % 2 else b, name)
        barrier = threading.Barrier(2)

        def use(server):
            barrier.wait(timeout=30)
            return register(server, token)

        with ThreadPoolExecutor(2) as ex:
            replies = list(ex.map(use, (a, b)))
        ok = [r for r in replies if r.status_code == 200]
        assert len(ok) == 1, [(r.status_code, r.text[:300]) for r in replies]
        assert_token_refused(next(r for r in replies if r.status_code != 200))
        for server in (a, b):
            listed = instances_named(server, name)
            assert [i["InstanceId"] for i in listed] == [ok[0].json()["instanceId"]], listed


# ---------------------------------------------------------------------------------------------
# 5. Console sessions are shared
# ---------------------------------------------------------------------------------------------

def console_sign_in(server, password=ROOT_PASSWORD):
    """The login form as a browser submits it: the page's csrf field with its keyward_login cookie."""
    s = requests.Session()
    s.trust_env = False
    page = s.get(server.base_url + "/console/login", timeout=30)
    assert page.status_code == 200, page.text[:500]
    csrf = re.search(r'<input type="hidden" name="csrf" value="([^"]+)"', page.text).group(1)
    r = s.post(server.base_url + "/console/login", data={"csrf": csrf, "username": "root", "password": password},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"] == "/console/keypairs", (r.status_code, r.headers, r.text[:500])
    session = r.cookies.get("keyward_session")
    assert session, r.headers
    return session


def console_get(server, path, session):
    return requests.get(server.base_url + path, cookies={"keyward_session": session}, allow_redirects=False, timeout=30)


def session_csrf(html):
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the signed-in page carries no csrf field"
    return m.group(1)


def whoami(html):
    m = re.search(r'id="whoami"[^>]*>\s*([^<]+?)\s*<', html)
    return m.group(1) if m else None


def test_console_session_made_on_a_works_on_b_and_logout_on_b_ends_it_on_a(servers):
    a, b = servers.a, servers.b
    session = console_sign_in(a)
    for server in (a, b):
        page = console_get(server, "/console/keypairs", session)
        assert page.status_code == 200, (server.port, page.status_code, page.headers.get("Location"), page.text[:300])
        assert whoami(page.text) == "root", page.text[:2000]
    # A form posted on B with the session's csrf (as rendered by A) is accepted: logging out at B.
    csrf = session_csrf(console_get(a, "/console/keypairs", session).text)
    out = requests.post(b.base_url + "/console/logout", data={"csrf": csrf}, cookies={"keyward_session": session},
                        allow_redirects=False, timeout=30)
    assert out.status_code == 303 and out.headers["Location"] == "/console/login", (out.status_code, out.headers, out.text[:300])
    for server in (b, a):
        gone = console_get(server, "/console/keypairs", session)
        assert gone.status_code == 303 and gone.headers["Location"].startswith("/console/login"), \
            (server.port, gone.status_code, gone.headers.get("Location"), "the session still works after Log Out at B")


# ---------------------------------------------------------------------------------------------
# 6. PostgreSQL restarted and stopped under load (a private cluster each)
# ---------------------------------------------------------------------------------------------

OUTAGE_REQUEST_LIMIT = 10.0     # seconds: no request may hang longer, even while PostgreSQL is away
RECOVERY_LIMIT = 30.0


@pytest.fixture
def private_deployment(tmp_path):
    """A server on a PostgreSQL cluster of its own (never the run's shared one: this test stops it)."""
    pg = sh.ScratchPostgres()
    server = None
    try:
        url = sh.with_schema(pg.start(), sh.fresh_schema("outage"))
        (tmp_path / "keys").mkdir()
        server = sh.ScaleServer(tmp_path / "data", kw.random_access_key_id(), kw.random_secret(), url,
                                tmp_path / "keys" / "server.key", host_id="outage")
        server.start()
        yield SimpleNamespace(pg=pg, server=server)
    finally:
        try:
            if server is not None and server.running:
                server.stop()
        finally:
            pg.stop()


class Load:
    """`clients` threads sending signed DescribeKeyPairs back to back; records (start, end, status, code, detail)."""

    def __init__(self, server, clients=4):
        self.server = server
        self.records = []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]
        self.origin = time.monotonic()

    def _run(self):
        raw = sh.RawClient(self.server, timeout=OUTAGE_REQUEST_LIMIT + 5)
        while not self.stop_flag.is_set():
            req = raw.v3("DescribeKeyPairs", {"RegionId": REGION_MAIN, "PageSize": "10"})
            t0 = time.monotonic()
            try:
                r = raw.send(req)
                record = (t0, time.monotonic(), r.status_code, sh.rpc_code(r), r.text[:300])
            except requests.RequestException as e:
                record = (t0, time.monotonic(), None, None, repr(e)[:300])
            with self.lock:
                self.records.append(record)
            time.sleep(0.02)

    def __enter__(self):
        for t in self.threads:
            t.start()
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=OUTAGE_REQUEST_LIMIT + 10)
        assert not any(t.is_alive() for t in self.threads), "a load thread hung"

    def ok_after(self, t):
        return any(r[0] >= t and r[2] == 200 for r in self.records)

    def timeline(self, since=0.0, marks=()):
        """What did not answer 200 from `since` on (seconds from the start of the load), and the marks: for messages."""
        at = lambda t: round(t - self.origin, 2)          # noqa: E731
        lines = [(t, f"{at(t)}s: -- {what}") for what, t in marks]
        records = sorted(r for r in self.records if r[1] >= since)
        for r in records:
            if r[2] != 200:
                answer = "no answer" if r[2] is None else f"{r[2]} {r[3] or ''}"
                lines.append((r[0], f"{at(r[0])}s -> {at(r[1])}s: {answer} {'' if r[2] == 503 else r[4]}"))
        oks = [r for r in records if r[2] == 200]
        lines.append((float("inf"), f"{len(oks)} requests answered 200 since {at(since)}s"
                                    + (f", the last started at {at(oks[-1][0])}s" if oks else "")))
        return "\n".join(text for _, text in sorted(lines)[-40:])

    def wait_ok_after(self, t, what, marks=()):
        deadline = time.monotonic() + RECOVERY_LIMIT
        while time.monotonic() < deadline:
            if self.ok_after(t):
                return
            time.sleep(0.1)
        time.sleep(1)         # requests in flight since `t` have timed out by now (RECOVERY_LIMIT > their timeout)
        raise AssertionError(f"no DescribeKeyPairs succeeded within {RECOVERY_LIMIT}s {what}; the requests:\n"
                             + self.timeline(t - 5, marks))


def assert_only_ok_or_unavailable(load):
    records = load.records
    bad = [r for r in records if not (r[2] == 200 or (r[2], r[3]) == (503, "ServiceUnavailable"))]
    assert not bad, (f"{len(bad)} of {len(records)} requests were neither 200 nor 503 ServiceUnavailable: "
                     f"{[(round(r[0] - load.origin, 2), round(r[1] - r[0], 1), r[2], r[3], r[4]) for r in bad[:5]]}")
    slow = [r for r in records if r[1] - r[0] > OUTAGE_REQUEST_LIMIT]
    assert not slow, f"requests took longer than {OUTAGE_REQUEST_LIMIT}s: {[(round(r[1] - r[0], 1), r[2], r[3]) for r in slow[:5]]}"


def seed(server):
    sdk = kw.make_sdk("tea-v3", server)
    name = kw.uniq("outage")
    sdk.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    return sdk, name


def assert_recovered(server, sdk, name):
    assert server.running, "Keyward exited while PostgreSQL was away"
    # Reads and writes work again, the data intact, without restarting Keyward.
    assert names(sdk, name) == [name]
    after = kw.uniq("after")
    sdk.import_key_pair(after, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    assert names(kw.make_sdk("legacy", server), after) == [after]


def test_postgres_restarted_under_load(private_deployment):
    """An immediate restart (`scratch-postgres.sh restart`: the server's connections die under running requests)."""
    pg, server = private_deployment.pg, private_deployment.server
    sdk, name = seed(server)
    with Load(server) as load:
        sh.wait_until(lambda: load.ok_after(0), 15, 0.1, "a first DescribeKeyPairs")
        time.sleep(0.5)
        began = time.monotonic()
        pg.restart()
        restarted = time.monotonic()
        load.wait_ok_after(restarted, "after PostgreSQL was restarted (it was back at the second mark)",
                           marks=(("PostgreSQL restart begins", began), ("PostgreSQL is back", restarted)))
        time.sleep(1)
    assert_only_ok_or_unavailable(load)
    assert_recovered(server, sdk, name)


def test_postgres_stopped_under_load(private_deployment):
    """PostgreSQL stopped (immediate shutdown) for longer than one request may wait, then started again."""
    pg, server = private_deployment.pg, private_deployment.server
    sdk, name = seed(server)
    with Load(server) as load:
        sh.wait_until(lambda: load.ok_after(0), 15, 0.1, "a first DescribeKeyPairs")
        time.sleep(0.5)
        pg.stop_keep()
        stopped = time.monotonic()
        time.sleep(OUTAGE_REQUEST_LIMIT + 2)
        resumed_at = time.monotonic()
        during = [r for r in load.records if r[0] >= stopped and r[1] <= resumed_at]
        if not during:
            time.sleep(5)     # the requests in flight time out: they show in the message
            raise AssertionError(f"no request started and answered in the {OUTAGE_REQUEST_LIMIT + 2}s PostgreSQL was stopped:\n"
                                 + load.timeline(stopped - 5, (("PostgreSQL stopped", stopped), ("(still stopped)", resumed_at))))
        assert all((r[2], r[3]) == (503, "ServiceUnavailable") for r in during), \
            load.timeline(stopped - 5, (("PostgreSQL stopped", stopped), ("(still stopped)", resumed_at)))
        # The SDKs see the same code (a write as well as a read).
        with pytest.raises(ApiError) as ei:
            sdk.import_key_pair(kw.uniq("down"), kw.gen_ed25519_openssh(), region=REGION_MAIN)
        assert (ei.value.status, ei.value.code) == (503, "ServiceUnavailable"), str(ei.value)
        with pytest.raises(ApiError) as ei:
            kw.make_sdk("legacy", server).describe_key_pairs(region=REGION_MAIN, name=name)
        assert (ei.value.status, ei.value.code) == (503, "ServiceUnavailable"), str(ei.value)
        pg.restart()
        back = time.monotonic()
        load.wait_ok_after(back, "after PostgreSQL was started again",
                           marks=(("PostgreSQL stopped", stopped), ("PostgreSQL is back", back)))
        time.sleep(1)
    assert_only_ok_or_unavailable(load)
    assert_recovered(server, sdk, name)


# ---------------------------------------------------------------------------------------------
# 7. A server without the deployment's key refuses to start
# ---------------------------------------------------------------------------------------------

def serve_args(servers, data_dir, *extra):
    return ["serve", "--listen", f"127.0.0.1:{kw.free_port()}", "--data", str(data_dir), "--database", servers.url,
            *kw.KeywardServer.DEFAULT_ARGS, *extra]


def root_env(servers, **extra):
    return clean_env(KEYWARD_ROOT_ACCESS_KEY_ID=servers.ak, KEYWARD_ROOT_ACCESS_KEY_SECRET=servers.secret, **extra)


def test_a_server_without_the_deployments_key_refuses_to_start(servers, tmp_path):
    key_before = servers.key_file.read_bytes()
    # No --server-key-file: the default DATA/server.key is missing, and the shared database holds sealed secrets.
    data = tmp_path / "c"
    code, _, err = run_to_exit(serve_args(servers, data, "--host-id", "scale-c"), env=root_env(servers))
    line = one_error_line(err)
    assert code != 0 and f"the server key file {data}/server.key is missing, but the database holds secrets sealed with a server key" in line, (code, line)
    assert not (data / "server.key").exists(), "a refused start made a new server key"

    # A --server-key-file that does not exist: refused, not created.
    missing = tmp_path / "keys" / "server.key"
    missing.parent.mkdir()
    code, _, err = run_to_exit(serve_args(servers, tmp_path / "d", "--server-key-file", str(missing)), env=root_env(servers))
    line = one_error_line(err)
    assert code != 0 and f"the server key file {missing} is missing, but the database holds secrets sealed with a server key" in line, (code, line)
    assert not missing.exists()

    # A wrong key file (32 random bytes, mode 600): refused.
    wrong = tmp_path / "keys" / "wrong.key"
    wrong.write_bytes(os.urandom(32))
    wrong.chmod(0o600)
    code, _, err = run_to_exit(serve_args(servers, tmp_path / "e", "--server-key-file", str(wrong)), env=root_env(servers))
    line = one_error_line(err)
    assert code != 0 and f"the server key file {wrong} does not open the secrets stored in the database" in line, (code, line)

    # A wrong key in KEYWARD_SERVER_KEY (the URL from KEYWARD_DATABASE): refused.
    args = [a for a in serve_args(servers, tmp_path / "f") if a not in ("--database", servers.url)]
    code, _, err = run_to_exit(args, env=root_env(servers, KEYWARD_DATABASE=servers.url,
                                                  KEYWARD_SERVER_KEY=base64.b64encode(os.urandom(32)).decode()))
    line = one_error_line(err)
    assert code != 0 and "the server key in KEYWARD_SERVER_KEY does not open the secrets stored in the database" in line, (code, line)

    # Nothing was re-sealed: the deployment's key is unchanged and A and B still sign with the root AccessKey.
    assert servers.key_file.read_bytes() == key_before
    for server in (servers.a, servers.b):
        assert kw.make_sdk("legacy", server).describe_regions()["Regions"]["Region"]

    # The right key: a third server joins.
    c = sh.ScaleServer(tmp_path / "g", servers.ak, servers.secret, servers.url, servers.key_file, host_id="scale-g")
    c.start()
    try:
        name = kw.uniq("third")
        kw.make_sdk("tea-v3", c).import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
        assert names(kw.make_sdk("legacy", servers.a), name) == [name]
        kw.make_sdk("legacy", servers.b).delete_key_pairs(json.dumps([name]), region=REGION_MAIN)
    finally:
        c.stop()


# ---------------------------------------------------------------------------------------------
# 8. The server key of a shared database is rotated while every server is stopped
# ---------------------------------------------------------------------------------------------

def rotation_deployment(postgres_url, tmp_path, schema):
    """A fresh schema, where its server key file goes, and a root AccessKey: (url, key file, AccessKeyId, secret)."""
    key_file = tmp_path / "keys" / "server.key"
    key_file.parent.mkdir()
    return sh.with_schema(postgres_url, sh.fresh_schema(schema)), key_file, kw.random_access_key_id(), kw.random_secret()


def test_a_server_starting_during_a_rotation_never_runs_with_the_old_key(postgres_url, tmp_path):
    """Each round starts a server and rotates the key at once, a little later each round: either the rotation is refused
    (it saw the server) and the server runs, or the rotation commits and the server runs only if it read the new key."""
    url, key_file, ak, secret = rotation_deployment(postgres_url, tmp_path, "rotrace")
    seed = sh.ScaleServer(tmp_path / "seed", ak, secret, url, key_file, host_id="race-seed")
    seed.start()
    seed.stop()
    rotate = ["admin", "rotate-server-key", "--database", url, "--server-key-file", str(key_file), "--data", str(tmp_path / "seed")]
    outcomes, sealed_by_round = set(), []
    for round_ in range(5):
        server = sh.ScaleServer(tmp_path / f"r{round_}", ak, secret, url, key_file, host_id=f"race-{round_}")
        with ThreadPoolExecutor(2) as pool:
            rotation = pool.submit(run_to_exit, rotate)
            time.sleep(0.08 * round_)
            started = pool.submit(lambda: server.start() or True)
            code, _, err = rotation.result()
            try:
                up = started.result()
            except RuntimeError as refused:
                up = False
                assert "does not open the secrets stored in the database" in str(refused), str(refused)[-600:]
        try:
            if code != 0:
                assert "servers run on this database: race-" in one_error_line(err), err
                assert up, "a refused rotation changed nothing: the server's key is the store's"
            if up:
                # Whatever the order, a running server's key is the store's: a secret it seals now opens with the key file.
                user, key_id, key_secret = ah.new_ram_user(server, policies=["AliyunECSFullAccess"])
                sealed_by_round.append((key_id, key_secret))
            outcomes.add(("rotated" if code == 0 else "refused", "up" if up else "stopped"))
        finally:
            if up:
                server.stop()
    assert outcomes <= {("refused", "up"), ("rotated", "stopped"), ("rotated", "up")}, outcomes
    last = sh.ScaleServer(tmp_path / "last", ak, secret, url, key_file, host_id="race-last")
    last.start()
    try:
        for key_id, key_secret in sealed_by_round:
            assert names(kw.make_sdk("legacy", last, ak=key_id, secret=key_secret), "nothing-by-this-name") == []
    finally:
        last.stop()


def test_the_key_of_a_shared_database_is_rotated_only_with_every_server_stopped(postgres_url, tmp_path):
    url, key_file, ak, secret = rotation_deployment(postgres_url, tmp_path, "rotate")
    server = sh.ScaleServer(tmp_path / "a", ak, secret, url, key_file, host_id="rotate-a")
    server.start()
    rotate = ["admin", "rotate-server-key", "--database", url, "--server-key-file", str(key_file), "--data", str(tmp_path / "a")]
    try:
        name = kw.uniq("before")
        kw.make_sdk("legacy", server).import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
        old_key = key_file.read_bytes()
        # A running server of the deployment holds the old key: refused, nothing changed.
        code, _, err = run_to_exit(rotate)
        line = one_error_line(err)
        assert code != 0 and "servers run on this database: rotate-a (seen " in line and "Stop every server of the deployment" in line, (code, line)
        assert key_file.read_bytes() == old_key
    finally:
        server.stop()
    # Stopped (its heartbeat goes with it): the rotation re-seals every secret and replaces the key file.
    code, out, err = run_to_exit(rotate)
    assert code == 0, err
    assert "Give that key to every server of the deployment" in out
    assert key_file.read_bytes() != old_key and len(key_file.read_bytes()) == 32
    assert key_file.stat().st_mode & 0o777 == 0o600
    # The old key no longer opens the store; the new one does, and the root AccessKey signs as before.
    stale = tmp_path / "keys" / "old.key"
    stale.write_bytes(old_key)
    stale.chmod(0o600)
    code, _, err = run_to_exit(["serve", "--listen", f"127.0.0.1:{kw.free_port()}", "--data", str(tmp_path / "b"), "--database", url,
                                "--server-key-file", str(stale), *kw.KeywardServer.DEFAULT_ARGS],
                               env=clean_env(KEYWARD_ROOT_ACCESS_KEY_ID=ak, KEYWARD_ROOT_ACCESS_KEY_SECRET=secret))
    line = one_error_line(err)
    assert code != 0 and f"the server key file {stale} does not open the secrets stored in the database" in line, (code, line)
    # That refused start recorded its heartbeat before proving its key, and forgot it: the key can be rotated again at once.
    rotated_once = key_file.read_bytes()
    code, _, err = run_to_exit(rotate)
    assert code == 0, err
    assert key_file.read_bytes() not in (old_key, rotated_once)
    again = sh.ScaleServer(tmp_path / "a", ak, secret, url, key_file, host_id="rotate-a")
    again.start()
    try:
        assert names(kw.make_sdk("legacy", again), name) == [name]
    finally:
        again.stop()
