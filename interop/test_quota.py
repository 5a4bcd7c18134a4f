"""Quota (500 key pairs per account per region) and concurrent creators."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import kwhelpers as kw
from kwhelpers import ApiError, QUOTA, REGION_MAIN, REGION_OTHER, REGION_QUOTA


def fill(server, region, names, workers=6):
    """Import one distinct ed25519 key per name, in parallel (one SDK client per worker)."""
    kinds = ["legacy", "tea-v3", "tea-v2"]
    local = threading.local()
    lines = [kw.gen_ed25519_openssh() for _ in names]

    def one(i):
        if not hasattr(local, "sdk"):
            local.sdk = kw.make_sdk(kinds[threading.get_ident() % 3], server)
        r = local.sdk.import_key_pair(names[i], lines[i], region=region)
        assert r["KeyPairName"] == names[i]
        return r["KeyPairFingerPrint"]

    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(one, range(len(names))))


def count(sdk, region):
    return int(sdk.describe_key_pairs(region=region, page_size=1)["TotalCount"])


def test_quota_500_per_region(live_server):
    legacy = kw.make_sdk("legacy", live_server)
    tea = kw.make_sdk("tea-v3", live_server)
    assert count(legacy, REGION_QUOTA) == 0, "cn-shanghai must be reserved for this test"
    u = kw.token()
    names = [f"q{u}-{i:03d}" for i in range(QUOTA)]
    fill(live_server, REGION_QUOTA, names)
    assert count(legacy, REGION_QUOTA) == QUOTA

    before = count(legacy, REGION_QUOTA)
    for sdk in (legacy, tea, kw.make_sdk("tea-v2", live_server)):
        with pytest.raises(ApiError) as ei:
            sdk.import_key_pair(f"q{u}-over-{sdk.name}", kw.gen_ed25519_openssh(), region=REGION_QUOTA)
        assert (ei.value.code, ei.value.status) == ("QuotaExceed.KeyPair", 403), str(ei.value)
        with pytest.raises(ApiError) as ei:
            sdk.create_key_pair(f"q{u}-overc-{sdk.name}", region=REGION_QUOTA)
        assert (ei.value.code, ei.value.status) == ("QuotaExceed.KeyPair", 403), str(ei.value)
    assert count(legacy, REGION_QUOTA) == before == QUOTA
    assert kw.names_of(legacy.describe_key_pairs(region=REGION_QUOTA, name=f"q{u}-over*")) == []

    # the quota is per region
    other = f"q{u}-elsewhere"
    tea.create_key_pair(other, region=REGION_OTHER)
    tea.delete_key_pairs(json.dumps([other]), region=REGION_OTHER)

    # a duplicate name in a full region: either refusal is acceptable, but nothing is added
    with pytest.raises(ApiError) as ei:
        legacy.import_key_pair(names[0], kw.gen_ed25519_openssh(), region=REGION_QUOTA)
    assert ei.value.code in ("QuotaExceed.KeyPair", "KeyPair.AlreadyExist"), str(ei.value)

    # freeing one slot makes room for exactly one more
    legacy.delete_key_pairs(json.dumps([names[0]]), region=REGION_QUOTA)
    assert count(legacy, REGION_QUOTA) == QUOTA - 1
    tea.import_key_pair(f"q{u}-refill", kw.gen_ed25519_openssh(), region=REGION_QUOTA)
    with pytest.raises(ApiError) as ei:
        tea.import_key_pair(f"q{u}-refill2", kw.gen_ed25519_openssh(), region=REGION_QUOTA)
    assert ei.value.code == "QuotaExceed.KeyPair"

    # paging through a full region, 50 at a time, returns every name exactly once
    listed = [k["KeyPairName"] for k in kw.describe_all(legacy, REGION_QUOTA)]
    assert len(listed) == QUOTA and len(set(listed)) == QUOTA
    assert set(listed) == set(names[1:]) | {f"q{u}-refill"}

    # clean up in the largest allowed batches (100 names)
    for i in range(0, len(listed), 100):
        legacy.delete_key_pairs(json.dumps(listed[i:i + 100]), region=REGION_QUOTA)
    assert count(legacy, REGION_QUOTA) == 0


def test_concurrent_creators_race_to_the_quota(fresh_server_factory):
    server = fresh_server_factory()
    region = kw.DEFAULT_REGION
    base = [f"base-{i:03d}" for i in range(480)]
    fill(server, region, base)
    probe = kw.make_sdk("legacy", server)
    assert count(probe, region) == 480

    n_threads = 32
    barrier = threading.Barrier(n_threads)
    results = []          # (name, ok, code, status)
    lock = threading.Lock()
    kinds = ["legacy", "tea-v3", "tea-v2"]
    lines = {t: kw.gen_ed25519_openssh() for t in range(n_threads)}

    def worker(t):
        sdk = kw.make_sdk(kinds[t % 3], server)
        barrier.wait(timeout=60)
        out = []
        for attempt, op in enumerate(("create", "import")):
            name = f"race-{t:02d}-{attempt}"
            try:
                if op == "create":
                    sdk.create_key_pair(name, region=region)
                else:
                    sdk.import_key_pair(name, lines[t], region=region)
                out.append((name, True, None, 200))
            except ApiError as e:
                out.append((name, False, e.code, e.status))
        with lock:
            results.extend(out)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not any(th.is_alive() for th in threads)

    assert len(results) == 2 * n_threads
    won = {r[0] for r in results if r[1]}
    lost = [r for r in results if not r[1]]
    assert len(won) == QUOTA - 480, (len(won), lost[:3])
    assert all((r[2], r[3]) == ("QuotaExceed.KeyPair", 403) for r in lost), lost[:5]
    listed = {k["KeyPairName"] for k in kw.describe_all(probe, region)}
    assert len(listed) == QUOTA
    assert listed == set(base) | won
    assert count(probe, region) == QUOTA


@pytest.mark.parametrize("op", ["create", "import"])
def test_concurrent_creators_of_the_same_name(live_server, op):
    name = kw.uniq("same")
    n_threads = 32
    barrier = threading.Barrier(n_threads)
    kinds = ["legacy", "tea-v3", "tea-v2"]
    lines = [kw.gen_ed25519_openssh() for _ in range(n_threads)]
    results = [None] * n_threads

    def worker(t):
        sdk = kw.make_sdk(kinds[t % 3], live_server)
        barrier.wait(timeout=60)
        try:
            if op == "create":
                r = sdk.create_key_pair(name, region=REGION_MAIN)
            else:
                r = sdk.import_key_pair(name, lines[t], region=REGION_MAIN)
            results[t] = ("ok", r["KeyPairFingerPrint"], 200)
        except ApiError as e:
            results[t] = ("err", e.code, e.status)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    winners = [r for r in results if r and r[0] == "ok"]
    losers = [r for r in results if r and r[0] == "err"]
    assert len(winners) == 1, results
    assert len(losers) == n_threads - 1, results
    assert all((r[1], r[2]) == ("KeyPair.AlreadyExist", 400) for r in losers), losers
    legacy = kw.make_sdk("legacy", live_server)
    d = legacy.describe_key_pairs(region=REGION_MAIN, name=name)
    (kp,) = kw.key_pairs(d)
    assert kp["KeyPairFingerPrint"] == winners[0][1]
    if op == "import":
        t = [i for i, r in enumerate(results) if r[0] == "ok"][0]
        assert winners[0][1] == kw.openssh_line_fingerprint(lines[t])
