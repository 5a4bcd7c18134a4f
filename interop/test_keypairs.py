"""Functional key-pair behaviour through the official SDKs (legacy v1, Tea v3, Tea v2 mode)."""
from __future__ import annotations

import json
import os
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import kwhelpers as kw
from kwhelpers import REGION_MAIN, REGION_OTHER

IMPORT_LABELS = [
    "rsa2048", "rsa3072", "dsa", "ecdsa256", "ecdsa384", "ecdsa521", "ed25519",
    "rsa2048-cert", "dsa-cert", "ecdsa256-cert", "ecdsa521-cert", "ed25519-cert",
    "rsa2048-rfc4716", "ecdsa384-rfc4716", "ed25519-rfc4716", "dsa-rfc4716",
    "rsa2048-pkcs8", "ecdsa256-pkcs8", "ecdsa521-pkcs8",
]


def total(sdk, region=REGION_MAIN, **kw_):
    return int(sdk.describe_key_pairs(region=region, page_size=1, **kw_)["TotalCount"])


def check_private_key(pem: str, workdir):
    """PKCS#8 PEM RSA private key -> (path, ssh-keygen -y line, ssh-keygen md5 fingerprint)."""
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n"), pem[:60]
    assert pem.rstrip().endswith("-----END PRIVATE KEY-----"), pem[-60:]
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size >= 2048
    path = workdir / f"priv-{kw.token()}"
    path.write_text(pem if pem.endswith("\n") else pem + "\n")
    os.chmod(path, 0o600)
    pub_line = kw.run(["ssh-keygen", "-y", "-f", str(path)]).strip()
    assert pub_line.startswith("ssh-rsa ")
    return path, pub_line, kw.ssh_md5_fingerprint(path)


# ---------------------------------------------------------------------------------------------

def test_describe_regions(sdk):
    r = sdk.describe_regions()
    assert r.get("RequestId")
    ids = [x["RegionId"] for x in r["Regions"]["Region"]]
    for reg in kw.KNOWN_REGIONS:
        assert reg in ids, ids
    assert len(ids) == len(set(ids))


def test_create_rsa_key_pair(sdk, workdir):
    name = kw.uniq("create")
    r = sdk.create_key_pair(name, region=REGION_MAIN)
    assert r["KeyPairName"] == name
    assert r.get("RequestId")
    assert r.get("KeyPairId"), r
    assert re.fullmatch(r"([0-9a-f]{2}:){15}[0-9a-f]{2}", r["KeyPairFingerPrint"]), r["KeyPairFingerPrint"]
    path, pub_line, fp = check_private_key(r["PrivateKeyBody"], workdir)
    assert r["KeyPairFingerPrint"] == fp

    d = sdk.describe_key_pairs(region=REGION_MAIN, name=name, include_public_key=True)
    assert int(d["TotalCount"]) == 1
    (kp,) = kw.key_pairs(d)
    assert kp["KeyPairName"] == name
    assert kp["KeyPairFingerPrint"] == fp
    assert kp.get("CreationTime")
    assert kw.openssh_blob(kp["PublicKey"]) == kw.openssh_blob(pub_line)
    assert "PRIVATE KEY" not in json.dumps(d)

    # without IncludePublicKey the public key is not returned
    d = sdk.describe_key_pairs(region=REGION_MAIN, name=name)
    (kp,) = kw.key_pairs(d)
    assert not kp.get("PublicKey")
    assert "PrivateKeyBody" not in kp


def test_key_pair_ids_are_distinct(legacy):
    a = legacy.create_key_pair(kw.uniq("ida"), region=REGION_MAIN)
    b = legacy.create_key_pair(kw.uniq("idb"), region=REGION_MAIN)
    assert a["KeyPairId"] != b["KeyPairId"]
    assert a["KeyPairFingerPrint"] != b["KeyPairFingerPrint"]
    assert a["PrivateKeyBody"] != b["PrivateKeyBody"]


def test_tea_models_map_fields(tea, workdir):
    """Read results through the Tea SDK's typed models (snake_case attributes), not to_map()."""
    from alibabacloud_ecs20140526 import models as m
    name = kw.uniq("model")
    resp = tea.client.create_key_pair(m.CreateKeyPairRequest(region_id=REGION_MAIN, key_pair_name=name))
    assert resp.status_code == 200
    body = resp.body
    assert isinstance(body, m.CreateKeyPairResponseBody)
    assert body.key_pair_name == name and body.request_id and body.key_pair_id
    _, pub_line, fp = check_private_key(body.private_key_body, workdir)
    assert body.key_pair_finger_print == fp
    resp = tea.client.describe_key_pairs(m.DescribeKeyPairsRequest(
        region_id=REGION_MAIN, key_pair_name=name, include_public_key=True))
    b = resp.body
    assert b.total_count == 1 and b.page_number == 1 and b.page_size == 10
    kp = b.key_pairs.key_pair[0]
    assert kp.key_pair_name == name and kp.key_pair_finger_print == fp
    assert kw.openssh_blob(kp.public_key) == kw.openssh_blob(pub_line)
    ct = resp.headers.get("content-type", "")
    assert "json" in ct.lower(), ct


def test_legacy_json_types(legacy):
    """Integers are JSON numbers; lists are wrapped twice (KeyPairs.KeyPair[])."""
    name = kw.uniq("types")
    legacy.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    d = legacy.describe_key_pairs(region=REGION_MAIN, name=name)
    for f in ("TotalCount", "PageNumber", "PageSize"):
        assert isinstance(d[f], int) and not isinstance(d[f], bool), (f, d[f])
    assert isinstance(d["KeyPairs"], dict) and isinstance(d["KeyPairs"]["KeyPair"], list)
    assert d["RequestId"]


@pytest.mark.parametrize("label", IMPORT_LABELS)
def test_import_every_key_type(sdk, ssh_key, label, workdir):
    text, fp, line = ssh_key(label)
    name = kw.uniq("imp")
    r = sdk.import_key_pair(name, text, region=REGION_MAIN)
    assert r["KeyPairName"] == name
    assert r.get("RequestId")
    assert r["KeyPairFingerPrint"] == fp, (label, r)

    d = sdk.describe_key_pairs(region=REGION_MAIN, name=name, include_public_key=True)
    (kp,) = kw.key_pairs(d)
    assert kp["KeyPairFingerPrint"] == fp
    assert kp.get("PublicKey"), kp
    assert kw.public_text_fingerprint(kp["PublicKey"], workdir) == fp
    if "-" not in label:
        # a plain OpenSSH line comes back with the same type and key blob
        assert kw.openssh_blob(kp["PublicKey"]) == kw.openssh_blob(line)

    # the fingerprint filter finds it
    d = sdk.describe_key_pairs(region=REGION_MAIN, fingerprint=fp)
    assert kw.names_of(d) == [name]


def test_import_trailing_newline_and_comment(sdk):
    line = kw.gen_ed25519_openssh()
    name = kw.uniq("nl")
    r = sdk.import_key_pair(name, line + " some comment with spaces\n", region=REGION_MAIN)
    assert r["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(line)


@pytest.mark.parametrize("prefix", ["imp.dotted.", "密钥", "kКлюч"])
def test_import_name_characters(sdk, prefix):
    """ImportKeyPair names may contain '.' and Unicode letters, and may start with a Chinese character."""
    name = f"{prefix}{kw.token()}"
    r = sdk.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    assert r["KeyPairName"] == name
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=name)) == [name]


def test_name_length_and_charset_edges(sdk):
    tok = kw.token(8)
    names = [
        "Z" + tok[:1],                                  # 2 characters
        ("L" + tok + "x" * 128)[:128],                  # 128 characters
        f"a:{tok}_b-c",                                 # ':' '_' '-'
    ]
    created = []
    try:
        for n in names:
            r = sdk.create_key_pair(n, region=REGION_MAIN)
            created.append(n)
            assert r["KeyPairName"] == n
            assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=n)) == [n]
    finally:
        if created:
            sdk.delete_key_pairs(json.dumps(created), region=REGION_MAIN)
    for n in names:
        assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=n)) == []


# ---------------------------------------------------------------------------------------------
# DescribeKeyPairs: paging, wildcards, fingerprint filter
# ---------------------------------------------------------------------------------------------

def test_describe_paging(sdk):
    tok = kw.token()
    names = [f"pg{tok}-{i:02d}" for i in range(25)]
    for i, n in enumerate(names):
        if i < 3:
            sdk.create_key_pair(n, region=REGION_MAIN)
        else:
            sdk.import_key_pair(n, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    pattern = f"pg{tok}-*"
    seen = []
    for page, expect in ((1, 10), (2, 10), (3, 5), (4, 0)):
        d = sdk.describe_key_pairs(region=REGION_MAIN, name=pattern, page_number=page, page_size=10)
        assert int(d["TotalCount"]) == 25
        assert int(d["PageNumber"]) == page
        assert int(d["PageSize"]) == 10
        got = kw.names_of(d)
        assert len(got) == expect, (page, got)
        seen += got
    assert sorted(seen) == sorted(names)
    assert len(seen) == len(set(seen))

    d = sdk.describe_key_pairs(region=REGION_MAIN, name=pattern)            # defaults
    assert int(d["PageNumber"]) == 1 and int(d["PageSize"]) == 10
    assert len(kw.names_of(d)) == 10 and int(d["TotalCount"]) == 25

    d = sdk.describe_key_pairs(region=REGION_MAIN, name=pattern, page_size=50)
    assert sorted(kw.names_of(d)) == sorted(names)
    assert int(d["PageSize"]) == 50


def test_describe_wildcards(sdk):
    u = kw.token()
    A = f"abc{u}one"
    B = f"abc{u}mid{u}xyz{u}"
    C = f"kk{u}xyz{u}"
    D = f"kk{u}mid{u}tail"
    E = f"zz{u}plain"
    for n in (A, B, C, D, E):
        sdk.import_key_pair(n, kw.gen_ed25519_openssh(), region=REGION_MAIN)

    def q(pattern):
        d = sdk.describe_key_pairs(region=REGION_MAIN, name=pattern, page_size=50)
        got = set(kw.names_of(d))
        assert int(d["TotalCount"]) == len(got)
        return got

    assert q(f"abc{u}*") == {A, B}
    assert q(f"*xyz{u}") == {B, C}
    assert q(f"*mid{u}*") == {B, D}
    assert q(E) == {E}                      # plain = exact match
    assert q(f"zz{u}") == set()             # ... not a prefix match
    assert q(f"zz{u}plai") == set()
    assert q(f"*{u}*") == {A, B, C, D, E}
    assert q(f"*abc{u}one") == {A}          # '*' also matches the empty string
    assert q(f"abc{u}one*") == {A}
    assert q(f"*mid{u}") == set()


def test_describe_wildcard_literals(sdk):
    """'_' and '.' in a pattern are literal characters (no SQL LIKE / regex leakage)."""
    u = kw.token()
    under, under_x = f"us{u}_x", f"us{u}Ax"
    dot, dot_x = f"dt{u}.x", f"dt{u}Bx"
    sdk.create_key_pair(under, region=REGION_MAIN)          # CreateKeyPair names allow '_' ...
    for n in (under_x, dot, dot_x):                           # ... ImportKeyPair names also '.'
        sdk.import_key_pair(n, kw.gen_ed25519_openssh(), region=REGION_MAIN)

    def q(pattern):
        return set(kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=pattern, page_size=50)))

    assert q(under) == {under}
    assert q(f"us{u}_*") == {under}
    assert q(f"*{u}_x") == {under}
    assert q(dot) == {dot}
    assert q(f"dt{u}.*") == {dot}
    ends = q("*.x")
    assert dot in ends and dot_x not in ends


def test_describe_fingerprint_filter(sdk):
    u = kw.token()
    la, lb = kw.gen_ed25519_openssh(), kw.gen_ed25519_openssh()
    a, b = f"fpa{u}", f"fpb{u}"
    fa = sdk.import_key_pair(a, la, region=REGION_MAIN)["KeyPairFingerPrint"]
    fb = sdk.import_key_pair(b, lb, region=REGION_MAIN)["KeyPairFingerPrint"]
    assert fa == kw.openssh_line_fingerprint(la) and fb == kw.openssh_line_fingerprint(lb)
    d = sdk.describe_key_pairs(region=REGION_MAIN, fingerprint=fa)
    assert kw.names_of(d) == [a] and int(d["TotalCount"]) == 1
    d = sdk.describe_key_pairs(region=REGION_MAIN, fingerprint=fb, name=f"fp*{u}")
    assert kw.names_of(d) == [b]
    d = sdk.describe_key_pairs(region=REGION_MAIN, fingerprint=fa, name=b)   # filters are ANDed
    assert kw.names_of(d) == [] and int(d["TotalCount"]) == 0
    d = sdk.describe_key_pairs(region=REGION_MAIN, fingerprint="00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff")
    assert kw.names_of(d) == [] and int(d["TotalCount"]) == 0


def test_describe_unknown_name_is_empty_not_error(sdk):
    d = sdk.describe_key_pairs(region=REGION_MAIN, name=f"nosuch{kw.token()}")
    assert int(d["TotalCount"]) == 0
    assert kw.key_pairs(d) == []
    assert d.get("RequestId")


# ---------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------

def test_region_isolation(sdk):
    name = kw.uniq("reg")
    line = kw.gen_ed25519_openssh()
    sdk.import_key_pair(name, line, region=REGION_OTHER)
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=name)) == []
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_OTHER, name=name)) == [name]
    # the same name is free in another region
    sdk.create_key_pair(name, region=REGION_MAIN)
    sdk.delete_key_pairs(json.dumps([name]), region=REGION_OTHER)
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_OTHER, name=name)) == []
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=name)) == [name]


def test_default_region_is_cn_hangzhou(tea):
    """The Tea SDK sends no RegionId when the model leaves region_id unset."""
    from alibabacloud_ecs20140526 import models as m
    name = kw.uniq("dflt")
    tea.client.import_key_pair(m.ImportKeyPairRequest(key_pair_name=name,
                                                      public_key_body=kw.gen_ed25519_openssh()))
    assert kw.names_of(tea.describe_key_pairs(region="cn-hangzhou", name=name)) == [name]
    assert kw.names_of(tea.describe_key_pairs(region=REGION_OTHER, name=name)) == []
    resp = tea.client.describe_key_pairs(m.DescribeKeyPairsRequest(key_pair_name=name))
    assert [k.key_pair_name for k in resp.body.key_pairs.key_pair] == [name]


# ---------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------

def test_tags_on_create_and_import(sdk):
    u = kw.token()
    env, team = f"env{u}", f"team{u}"
    a, b, c = f"tga{u}", f"tgb{u}", f"tgc{u}"
    sdk.create_key_pair(a, region=REGION_MAIN, tags=[(env, "prod"), (team, "a b*c~ é")])
    sdk.import_key_pair(b, kw.gen_ed25519_openssh(), region=REGION_MAIN, tags=[(env, "prod")])
    sdk.import_key_pair(c, kw.gen_ed25519_openssh(), region=REGION_MAIN, tags=[(env, "dev"), (team, "")])

    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_MAIN, name=a))
    assert kw.tags_of(kp) == {env: "prod", team: "a b*c~ é"}
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_MAIN, name=c))
    assert kw.tags_of(kp) == {env: "dev", team: ""}

    def by_tags(tags):
        return set(kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, tags=tags, page_size=50)))

    assert by_tags([(env, "prod")]) == {a, b}
    assert by_tags([(env, "dev")]) == {c}
    assert by_tags([(env, "prod"), (team, "a b*c~ é")]) == {a}     # several tags: AND
    assert by_tags([(env, "nope")]) == set()

    lt = sdk.list_tag_resources(resource_ids=[a], region=REGION_MAIN)
    got = {(t["ResourceId"], t["ResourceType"], t["TagKey"], t["TagValue"]) for t in kw.tag_resources_of(lt)}
    assert got == {(a, "keypair", env, "prod"), (a, "keypair", team, "a b*c~ é")}


def test_tag_untag_list_resources(sdk):
    u = kw.token()
    k1, k2 = f"ka{u}", f"kb{u}"
    a, b = f"tra{u}", f"trb{u}"
    for n in (a, b):
        sdk.import_key_pair(n, kw.gen_ed25519_openssh(), region=REGION_MAIN)

    def listed(ids=None, tags=None):
        r = sdk.list_tag_resources(resource_ids=ids, tags=tags, region=REGION_MAIN)
        assert r.get("RequestId")
        return {(t["ResourceId"], t["TagKey"], t["TagValue"]) for t in kw.tag_resources_of(r)
                if t.get("ResourceType") == "keypair"}

    assert listed([a, b]) == set()
    r = sdk.tag_resources([a, b], [(k1, "v1"), (k2, "v2")], region=REGION_MAIN)
    assert r.get("RequestId")
    assert listed([a]) == {(a, k1, "v1"), (a, k2, "v2")}
    assert listed([a, b]) == {(a, k1, "v1"), (a, k2, "v2"), (b, k1, "v1"), (b, k2, "v2")}

    sdk.tag_resources([a], [(k1, "v1b")], region=REGION_MAIN)          # overwrite a value
    assert listed([a]) == {(a, k1, "v1b"), (a, k2, "v2")}
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_MAIN, name=a))
    assert kw.tags_of(kp) == {k1: "v1b", k2: "v2"}

    assert {x[0] for x in listed(tags=[(k1, "v1b")])} == {a}           # ListTagResources by tag
    assert {x[0] for x in listed(tags=[(k2, "v2")])} == {a, b}
    assert set(kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, tags=[(k2, "v2")]))) == {a, b}
    assert set(kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, tags=[(k1, "v1")]))) == {b}

    sdk.untag_resources([a], tag_keys=[k1], region=REGION_MAIN)
    assert listed([a]) == {(a, k2, "v2")}
    assert listed([b]) == {(b, k1, "v1"), (b, k2, "v2")}

    sdk.untag_resources([a, b], all_=True, region=REGION_MAIN)
    assert listed([a, b]) == set()
    for n in (a, b):
        (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_MAIN, name=n))
        assert kw.tags_of(kp) == {}


def test_tags_do_not_survive_delete(sdk):
    u = kw.token()
    name, key = f"td{u}", f"tk{u}"
    sdk.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN, tags=[(key, "x")])
    sdk.delete_key_pairs(json.dumps([name]), region=REGION_MAIN)
    assert kw.tag_resources_of(sdk.list_tag_resources(resource_ids=[name], region=REGION_MAIN)) == []
    sdk.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_MAIN, name=name))
    assert kw.tags_of(kp) == {}
    assert set(kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, tags=[(key, "x")]))) == set()


# ---------------------------------------------------------------------------------------------
# Delete
# ---------------------------------------------------------------------------------------------

def test_delete_key_pairs(sdk):
    u = kw.token()
    a, b, c = f"dla{u}", f"dlb{u}", f"dlc{u}"
    sdk.create_key_pair(a, region=REGION_MAIN)
    for n in (b, c):
        sdk.import_key_pair(n, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    before = total(sdk)
    r = sdk.delete_key_pairs(json.dumps([a, b]), region=REGION_MAIN)
    assert r.get("RequestId")
    for n in (a, b):
        d = sdk.describe_key_pairs(region=REGION_MAIN, name=n)
        assert kw.names_of(d) == [] and int(d["TotalCount"]) == 0
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=c)) == [c]
    assert total(sdk) == before - 2
    assert set(kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=f"dl*{u}"))) == {c}

    # the name can be reused, with a different key
    line = kw.gen_ed25519_openssh()
    r = sdk.import_key_pair(a, line, region=REGION_MAIN)
    assert r["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(line)
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_MAIN, name=a))
    assert kp["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(line)


def test_delete_only_in_its_region(sdk):
    name = kw.uniq("dr")
    sdk.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    sdk.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_OTHER)
    sdk.delete_key_pairs(json.dumps([name]), region=REGION_MAIN)
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=name)) == []
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_OTHER, name=name)) == [name]


def test_legacy_common_request_with_body_params(legacy):
    """aliyunsdkcore CommonRequest.add_body_params: params travel in a signed form body."""
    from aliyunsdkcore.request import CommonRequest
    name = kw.uniq("body")
    line = kw.gen_ed25519_openssh()
    req = CommonRequest(domain=legacy.host, version=kw.VERSION, action_name="ImportKeyPair")
    req.set_method("POST")
    req.set_protocol_type("http")
    req.add_query_param("RegionId", REGION_MAIN)
    req.add_body_params("KeyPairName", name)
    req.add_body_params("PublicKeyBody", line)
    r = json.loads(legacy.client.do_action_with_exception(req))
    assert r["KeyPairName"] == name
    assert r["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(line)
    assert kw.names_of(legacy.describe_key_pairs(region=REGION_MAIN, name=name)) == [name]


def test_tags_are_per_region(sdk):
    """ResourceId for a key pair is its name, and names are only unique per region: a tag set on
    'name' in one region must not show up on the same-named key pair of another region."""
    name = kw.uniq("tagreg")
    k = f"rk{kw.token()}"
    sdk.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_MAIN, tags=[(k, "main")])
    sdk.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION_OTHER)
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_OTHER, name=name))
    assert kw.tags_of(kp) == {}
    assert kw.tag_resources_of(sdk.list_tag_resources(resource_ids=[name], region=REGION_OTHER)) == []

    sdk.tag_resources([name], [(k, "other")], region=REGION_OTHER)
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_MAIN, name=name))
    assert kw.tags_of(kp) == {k: "main"}
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_OTHER, name=name))
    assert kw.tags_of(kp) == {k: "other"}
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, tags=[(k, "other")])) == []

    sdk.untag_resources([name], tag_keys=[k], region=REGION_OTHER)
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_MAIN, name=name))
    assert kw.tags_of(kp) == {k: "main"}
    sdk.delete_key_pairs(json.dumps([name]), region=REGION_MAIN)
    sdk.tag_resources([name], [(k, "again")], region=REGION_OTHER)
    (kp,) = kw.key_pairs(sdk.describe_key_pairs(region=REGION_OTHER, name=name))
    assert kw.tags_of(kp) == {k: "again"}


def test_delete_ignores_unknown_names(sdk):
    a = kw.uniq("dun")
    sdk.import_key_pair(a, kw.gen_ed25519_openssh(), region=REGION_MAIN)
    r = sdk.delete_key_pairs(json.dumps([a, kw.uniq("never")]), region=REGION_MAIN)
    assert r.get("RequestId")
    assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, name=a)) == []


def test_fingerprint_filter_accepts_bare_and_upper_case_hex(sdk):
    a = kw.uniq("fpf")
    fp = sdk.import_key_pair(a, kw.gen_ed25519_openssh(), region=REGION_MAIN)["KeyPairFingerPrint"]
    for form in (fp, fp.replace(":", ""), fp.upper()):
        assert kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, fingerprint=form)) == [a], form


def test_same_public_key_under_two_names(sdk):
    line = kw.gen_ed25519_openssh()
    a, b = kw.uniq("twin"), kw.uniq("twin")
    fa = sdk.import_key_pair(a, line, region=REGION_MAIN)["KeyPairFingerPrint"]
    fb = sdk.import_key_pair(b, line, region=REGION_MAIN)["KeyPairFingerPrint"]
    assert fa == fb == kw.openssh_line_fingerprint(line)
    assert set(kw.names_of(sdk.describe_key_pairs(region=REGION_MAIN, fingerprint=fa))) == {a, b}
