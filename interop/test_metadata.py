"""The instance metadata service, from inside the instances' network namespaces: Alibaba Cloud's paths, the
hardened (token) mode, per-instance isolation, and cloud-init's real AliYun datasource (Debian 12's cloud-init
22.4.2, unpacked from its .deb) reading the bound key pair.

Two instances serve the module: `a` (HttpTokens optional, user data, key pair ka) and `b` (HttpTokens required,
key pair kb)."""
import json

import pytest

import instance_helpers as ih
import kwhelpers as kw

pytest_plugins = ["instance_fixtures"]

USER_DATA = "#cloud-config\nruncmd:\n  - [echo, keyward-interop]\n"
TTL = "X-aliyun-ecs-metadata-token-ttl-seconds"
TOKEN = "X-aliyun-ecs-metadata-token"


@pytest.fixture(scope="module")
def md(module_fleet):
    f = module_fleet
    ka, kb = f.key(), f.key()
    host_a, host_b = "kwmd-a-" + kw.token(), "kwmd-b-" + kw.token()
    a = f.run_one(key_pair_name=ka.name, host_name=host_a, user_data=ih.b64(USER_DATA))
    b = f.run_one(sdk=f.sdk("tea-v3"), key_pair_name=kb.name, host_name=host_b, http_tokens="required")
    return {"fleet": f, "ka": ka, "kb": kb, "a": a, "b": b}


def _blob(line: str):
    return tuple(line.split()[:2])


def test_metadata_items_from_inside_the_instance(md):
    a, ka = md["a"], md["ka"]
    iid = a["InstanceId"]
    listing = ih.metadata_get(iid, "/latest/meta-data/")
    assert listing["status"] == 200, listing
    names = listing["body"].split("\n")
    for item in ("instance-id", "hostname", "region-id", "zone-id", "image-id", "private-ipv4", "public-keys/",
                 "instance/"):
        assert item in names, f"{item} missing from the meta-data/ listing: {names}"

    expected = {
        "/latest/meta-data/instance-id": iid,
        "/latest/meta-data/hostname": a["HostName"],
        "/latest/meta-data/region-id": a["RegionId"],
        "/latest/meta-data/zone-id": a["ZoneId"],
        "/latest/meta-data/image-id": ih.LINUX_IMAGE,
        "/latest/meta-data/instance/instance-type": ih.INSTANCE_TYPE,
        "/latest/meta-data/private-ipv4": ih.private_ip(a),
        "/2016-01-01/meta-data/instance-id": iid,
        "/2016-01-01/meta-data/hostname": a["HostName"],
        "/latest/user-data": USER_DATA,
        "/2016-01-01/user-data": USER_DATA,
    }
    paths = list(expected)
    got = ih.metadata_requests(iid, [{"path": p} for p in paths])
    for p, r in zip(paths, got):
        assert r["status"] == 200, (p, r)
        want = expected[p]
        assert (r["body"] if p.endswith("user-data") else r["body"].strip()) == want, (p, r["body"], want)

    keys = ih.metadata_get(iid, "/latest/meta-data/public-keys/")
    assert keys["status"] == 200, keys
    lines = [l for l in keys["body"].split("\n") if l]
    assert ka.key_pair_id, "CreateKeyPair returned no KeyPairId"
    assert lines == [ka.key_pair_id + "/"], lines
    ssh = ih.metadata_get(iid, f"/latest/meta-data/public-keys/{ka.key_pair_id}/openssh-key")
    assert ssh["status"] == 200 and _blob(ssh["body"]) == _blob(ka.public_line), ssh

    everything = ih.metadata_get(iid, "/latest/meta-data/all")
    assert everything["status"] == 200, everything
    tree = json.loads(everything["body"])
    assert tree.get("instance-id") == iid and tree.get("hostname") == a["HostName"], tree

    doc = ih.metadata_get(iid, "/latest/dynamic/instance-identity/document")
    assert doc["status"] == 200, doc
    values = json.loads(doc["body"]).values()
    assert iid in values and a["RegionId"] in values and ih.LINUX_IMAGE in values, doc["body"]


def test_cloud_init_aliyun_datasource_reads_the_bound_key(md, tmp_path):
    a, ka = md["a"], md["ka"]
    out = ih.run_cloudinit_aliyun(a["InstanceId"], tmp_path)
    assert out["get_data"] is True, out
    assert out["instance_id"] == a["InstanceId"]
    assert out["hostname"] == a["HostName"]
    assert [_blob(k) for k in out["ssh_keys"]] == [_blob(ka.public_line)], out["ssh_keys"]
    assert out["userdata_raw"] == USER_DATA


def test_token_mode(md):
    iid = md["a"]["InstanceId"]
    r = ih.metadata_requests(iid, [
        {"path": "/latest/api/token", "method": "PUT", "headers": {TTL: "60"}},
        {"path": "/latest/api/token", "method": "PUT", "headers": {TTL: "21600"}},
        {"path": "/latest/api/token", "method": "PUT", "headers": {TTL: "0"}},
        {"path": "/latest/api/token", "method": "PUT", "headers": {TTL: "21601"}},
        {"path": "/latest/api/token", "method": "PUT", "headers": {TTL: "ten"}},
        {"path": "/latest/api/token", "method": "PUT", "headers": {}},
        {"path": "/latest/api/token", "method": "PUT", "headers": {TTL: "60", "X-Forwarded-For": "10.1.2.3"}},
    ])
    assert [x["status"] for x in r] == [200, 200, 400, 400, 400, 400, 403], r
    token, long_token = r[0]["body"].strip(), r[1]["body"].strip()
    assert token and long_token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    g = ih.metadata_requests(iid, [
        {"path": "/latest/meta-data/instance-id", "headers": {TOKEN: token}},
        {"path": "/latest/meta-data/instance-id", "headers": {TOKEN: long_token}},
        {"path": "/latest/meta-data/instance-id", "headers": {TOKEN: tampered}},
        {"path": "/latest/meta-data/instance-id", "headers": {TOKEN: "not-a-token"}},
        {"path": "/latest/meta-data/instance-id"},    # HttpTokens=optional: token-less still served
        {"path": "/latest/user-data", "headers": {TOKEN: token}},
    ])
    assert [x["status"] for x in g] == [200, 200, 401, 401, 200, 200], g
    assert g[0]["body"].strip() == iid and g[1]["body"].strip() == iid and g[4]["body"].strip() == iid
    assert g[5]["body"] == USER_DATA


def test_http_tokens_required(md):
    b, kb = md["b"], md["kb"]
    iid = b["InstanceId"]
    d = ih.describe_one(md["fleet"].legacy, iid)
    assert d["MetadataOptions"]["HttpTokens"] == "required", d["MetadataOptions"]
    assert ih.describe_one(md["fleet"].legacy, md["a"]["InstanceId"])["MetadataOptions"]["HttpTokens"] == "optional"
    r = ih.metadata_requests(iid, [
        {"path": "/latest/meta-data/instance-id"},
        {"path": "/latest/meta-data/public-keys/"},
        {"path": "/latest/meta-data/"},
    ])
    assert [x["status"] for x in r] == [401, 401, 401], r
    token = ih.metadata_token(iid, ttl=120)
    g = ih.metadata_requests(iid, [
        {"path": "/latest/meta-data/instance-id", "headers": {TOKEN: token}},
        {"path": "/latest/meta-data/public-keys/", "headers": {TOKEN: token}},
        {"path": f"/latest/meta-data/public-keys/{kb.key_pair_id}/openssh-key", "headers": {TOKEN: token}},
    ])
    assert [x["status"] for x in g] == [200, 200, 200], g
    assert g[0]["body"].strip() == iid
    assert [l for l in g[1]["body"].split("\n") if l] == [kb.key_pair_id + "/"]
    assert _blob(g[2]["body"]) == _blob(kb.public_line)


def test_each_instance_sees_only_its_own_data(md):
    a, b, ka, kb = md["a"], md["b"], md["ka"], md["kb"]
    ia, ib = a["InstanceId"], b["InstanceId"]
    token_a, token_b = ih.metadata_token(ia), ih.metadata_token(ib)
    ra = ih.metadata_requests(ia, [
        {"path": "/latest/meta-data/instance-id"},
        {"path": "/latest/meta-data/hostname"},
        {"path": f"/latest/meta-data/public-keys/{kb.key_pair_id}/openssh-key"},
        {"path": "/latest/meta-data/instance-id", "headers": {TOKEN: token_b}},   # b's token from a
        {"path": "/latest/meta-data/all"},
    ])
    assert ra[0]["status"] == 200 and ra[0]["body"].strip() == ia, ra[0]
    assert ra[1]["body"].strip() == a["HostName"]
    assert ra[2]["status"] == 404, f"a read b's key: {ra[2]}"
    assert ra[3]["status"] == 401, f"b's token worked from a: {ra[3]}"
    assert ib not in ra[4]["body"] and b["HostName"] not in ra[4]["body"] and kb.key_pair_id not in ra[4]["body"]

    rb = ih.metadata_requests(ib, [
        {"path": "/latest/meta-data/instance-id", "headers": {TOKEN: token_b}},
        {"path": "/latest/meta-data/instance-id", "headers": {TOKEN: token_a}},   # a's token from b
        {"path": "/latest/user-data", "headers": {TOKEN: token_b}},
        {"path": f"/latest/meta-data/public-keys/{ka.key_pair_id}/openssh-key", "headers": {TOKEN: token_b}},
    ])
    assert rb[0]["status"] == 200 and rb[0]["body"].strip() == ib, rb[0]
    assert rb[1]["status"] == 401, f"a's token worked from b: {rb[1]}"
    assert rb[2]["status"] in (200, 404) and USER_DATA not in rb[2]["body"], rb[2]
    assert rb[3]["status"] == 404, rb[3]

    # Naming another instance in the path (the loopback sandboxes' form) is not honoured from an instance.
    named = ih.metadata_requests(ia, [{"path": f"/{ib}/latest/meta-data/instance-id"},
                                      {"path": f"/{ib}/latest/meta-data/public-keys/"}])
    for r in named:
        assert r["status"] != 200 and ib not in r["body"] and kb.key_pair_id not in r["body"], named

    # From the host (not an instance's address) nothing is served, bare or naming an instance.
    host = ih.metadata_requests(None, [{"path": "/latest/meta-data/instance-id"}, {"path": "/latest/meta-data/"},
                                       {"path": f"/{ia}/latest/meta-data/instance-id"}])
    assert [x["status"] for x in host] == [403, 403, 403], host


def test_host_processes_cannot_name_an_instance(md):
    """Beyond the written contract (a leak found while writing this suite): with network namespaces every instance
    has its own address, so the `/<instance-id>/...` form, meant for loopback sandboxes that share 127.0.0.1, must
    not be honoured. Otherwise any host process, root or not, that binds 127.0.0.1 as its source address gets a
    token for any instance and reads its user data."""
    ia = md["a"]["InstanceId"]
    ib = md["b"]["InstanceId"]
    token = ih.metadata_from_host_loopback("PUT", f"/{ib}/latest/api/token", {TTL: "60"})
    assert token["status"] != 200, f"a host process got a metadata token for {ib}: {token}"
    for path in (f"/{ia}/latest/user-data", f"/{ia}/latest/meta-data/instance-id", f"/{ia}/latest/meta-data/all"):
        r = ih.metadata_from_host_loopback("GET", path)
        assert r["status"] != 200 and USER_DATA not in r["body"] and ia not in r["body"], \
            f"GET {path} from 127.0.0.1 on the host: {r}"


def test_http_endpoint_disabled(fleet):
    """HttpEndpoint=disabled turns the service off for that instance (token or not); DescribeInstances says so."""
    key = fleet.key()
    inst = fleet.run_one(key_pair_name=key.name, http_endpoint="disabled")
    iid = inst["InstanceId"]
    assert inst["MetadataOptions"]["HttpEndpoint"] == "disabled", inst["MetadataOptions"]
    r = ih.metadata_requests(iid, [
        {"path": "/latest/meta-data/instance-id"},
        {"path": "/latest/meta-data/public-keys/"},
        {"path": "/latest/api/token", "method": "PUT", "headers": {TTL: "60"}},
    ])
    for x in r:
        assert x["status"] is not None and 400 <= x["status"] < 500, r
        assert iid not in x["body"] and key.key_pair_id not in x["body"], r
    ih.assert_key_login(ih.private_ip(inst), key.path)
