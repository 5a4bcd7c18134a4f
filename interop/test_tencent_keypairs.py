"""Tencent Cloud CVM key pairs (CreateKeyPair, ImportKeyPair, DescribeKeyPairs, ModifyKeyPairAttribute,
DeleteKeyPairs) through tencentcloud-sdk-python with each signature (TC3-HMAC-SHA256, HmacSHA256, HmacSHA1), and
through tccli; the same records seen through Alibaba's ECS API in ap-guangzhou.

Simulated-driver server (the session `server`). Every failed call is checked to have changed nothing.
Reference: shared/reference/tencent-cvm-api.md §3, §6, §8.
"""
from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

import instance_helpers as ih
import kwhelpers as kw
import tencent_helpers as th
from tencent_helpers import REGION, expect_error


@pytest.fixture(params=th.SIGN_METHODS)
def cvm(request, live_server):
    return th.Cvm(live_server, sign_method=request.param)


@pytest.fixture
def tc3(live_server):
    return th.Cvm(live_server)


@pytest.fixture
def tccli(live_server, tmp_path):
    return th.Tccli(live_server, tmp_path / "home")


def rsa_line(bits: int = 2048) -> str:
    k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return k.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def import_key(cvm, name=None, line=None, tags=None):
    name = name or th.tname()
    line = line or kw.gen_ed25519_openssh()
    r = cvm.ImportKeyPair(KeyName=name, ProjectId=0, PublicKey=line, TagSpecification=th.tag_spec(tags) if tags else None)
    assert th.SKEY_RE.match(r["KeyId"]), r
    return r["KeyId"], name, line


def write_private(tmp_path, name, pem):
    return ih.write_private_key(tmp_path / "keys", name, pem)


# ---------------------------------------------------------------------------------------------
# CreateKeyPair
# ---------------------------------------------------------------------------------------------

def test_create_key_pair_returns_private_key_once(cvm, tmp_path):
    name = th.tname("cr")
    r = cvm.CreateKeyPair(KeyName=name, ProjectId=0)
    kp = r["KeyPair"]
    assert th.SKEY_RE.match(kp["KeyId"]), kp
    assert kp["KeyName"] == name and int(kp["ProjectId"]) == 0, kp
    assert th.ISO_UTC_RE.match(kp["CreatedTime"]), kp
    assert not kp.get("AssociatedInstanceIds"), kp
    pem = kp["PrivateKey"]
    assert pem and "PRIVATE KEY-----" in pem, kp
    # ssh-keygen reads the private key; its public half is the PublicKey returned; RSA 2048.
    path = write_private(tmp_path, name, pem)
    derived = kw.run(["ssh-keygen", "-y", "-f", str(path)]).strip()
    assert th.openssh_blob_of(derived) == th.openssh_blob_of(kp["PublicKey"])
    assert th.openssh_blob_of(derived)[0] == "ssh-rsa"
    assert kw.run(["ssh-keygen", "-l", "-f", str(path)]).split()[0] == "2048"

    # Described afterwards: the same key, never the private half again.
    d = th.describe_key(cvm, kp["KeyId"])
    assert d is not None and d["KeyName"] == name and int(d["ProjectId"]) == 0, d
    assert th.openssh_blob_of(d["PublicKey"]) == th.openssh_blob_of(derived)
    assert not d.get("PrivateKey"), "the private key was returned a second time"
    assert (d.get("Description") or "") == ""
    assert d["CreatedTime"] == kp["CreatedTime"]


def test_create_key_pair_with_tags(cvm):
    name, tag = th.tname("crt"), "kwt" + kw.token()
    kp = cvm.CreateKeyPair(KeyName=name, ProjectId=0, TagSpecification=th.tag_spec([(tag, "v1")]))["KeyPair"]
    assert th.tags_of(th.describe_key(cvm, kp["KeyId"])) == {tag: "v1"}


# ---------------------------------------------------------------------------------------------
# ImportKeyPair
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["ed25519", "rsa2048", "rsa4096"])
def test_import_key_pair(cvm, kind):
    line = kw.gen_ed25519_openssh() if kind == "ed25519" else rsa_line(int(kind[3:]))
    before = th.key_total(cvm)
    key_id, name, _ = import_key(cvm, line=line)
    d = th.describe_key(cvm, key_id)
    assert d["KeyName"] == name and d["KeyId"] == key_id, d
    assert th.openssh_blob_of(d["PublicKey"]) == th.openssh_blob_of(line)
    assert not d.get("PrivateKey")
    assert th.key_total(cvm) == before + 1


def _malformed_keys():
    ed = kw.gen_ed25519_openssh().split()[1]
    line = rsa_line()
    import base64
    raw = base64.b64decode(line.split()[1])
    priv = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()).decode()
    return {
        "garbage": "hello world",
        "type-only": "ssh-rsa",
        "not-base64": "ssh-rsa !!!!notbase64!!!!",
        "type-mismatch": f"ssh-rsa {ed}",
        "truncated": "ssh-rsa " + base64.b64encode(raw[: len(raw) // 2]).decode(),
        "private-key": priv,
    }


MALFORMED = _malformed_keys()


@pytest.mark.parametrize("label", sorted(MALFORMED))
def test_import_malformed_public_key(cvm, label):
    name = th.tname("bad")
    before = th.key_total(cvm)
    expect_error(cvm.ImportKeyPair, "InvalidPublicKey.Malformed", KeyName=name, ProjectId=0, PublicKey=MALFORMED[label])
    assert th.key_total(cvm) == before
    assert th.key_by_name(cvm, name) is None


def test_import_without_public_key_is_missing_parameter(tc3):
    before = th.key_total(tc3)
    expect_error(tc3.ImportKeyPair, "MissingParameter", KeyName=th.tname(), ProjectId=0)
    assert th.key_total(tc3) == before


# ---------------------------------------------------------------------------------------------
# Name rules: digits, letters, '_', at most 25; unique per account and region
# ---------------------------------------------------------------------------------------------

BAD_NAMES = {
    "a" * 26: "InvalidKeyPairNameTooLong",
    "kw-dash": "InvalidKeyPairNameIncludeIllegalChar",
    "kw.dot": "InvalidKeyPairNameIncludeIllegalChar",
    "kw space": "InvalidKeyPairNameIncludeIllegalChar",
    "kw:colon": "InvalidKeyPairNameIncludeIllegalChar",
    "kw\u00e9": "InvalidKeyPairNameIncludeIllegalChar",
    "": "InvalidKeyPairNameEmpty",
}


@pytest.mark.parametrize("action", ["CreateKeyPair", "ImportKeyPair"])
@pytest.mark.parametrize("bad", sorted(BAD_NAMES), ids=lambda s: repr(s[:10]))
def test_bad_key_names(cvm, action, bad):
    before = th.key_total(cvm)
    params = dict(KeyName=bad, ProjectId=0)
    if action == "ImportKeyPair":
        params["PublicKey"] = kw.gen_ed25519_openssh()
    expect_error(getattr(cvm, action), BAD_NAMES[bad], **params)
    assert th.key_total(cvm) == before


def test_longest_and_odd_but_legal_names(cvm):
    for name in ("k" + kw.token(24)[:24], "9_" + kw.token(8), "_" + kw.token(8), "KW_" + kw.token(8).upper()):
        assert len(name) <= 25
        key_id, _, _ = import_key(cvm, name=name)
        assert th.describe_key(cvm, key_id)["KeyName"] == name


def test_duplicate_name(cvm):
    key_id, name, line = import_key(cvm)
    before = th.key_total(cvm)
    expect_error(cvm.ImportKeyPair, "InvalidKeyPairName.Duplicate", KeyName=name, ProjectId=0,
                 PublicKey=kw.gen_ed25519_openssh())
    expect_error(cvm.CreateKeyPair, "InvalidKeyPairName.Duplicate", KeyName=name, ProjectId=0)
    assert th.key_total(cvm) == before
    assert th.openssh_blob_of(th.describe_key(cvm, key_id)["PublicKey"]) == th.openssh_blob_of(line)


def test_names_and_keys_are_per_region(tc3, live_server):
    key_id, name, _ = import_key(tc3)
    other = th.Cvm(live_server, region=th.OTHER_REGION)
    assert th.describe_key(other, key_id) is None
    assert th.key_by_name(other, name) is None
    # The same name is free in another region.
    key_id2, _, _ = import_key(other, name=name)
    assert key_id2 != key_id
    assert th.describe_key(tc3, key_id2) is None
    other.DeleteKeyPairs(KeyIds=[key_id2])


# ---------------------------------------------------------------------------------------------
# DescribeKeyPairs: KeyIds, Filters, paging
# ---------------------------------------------------------------------------------------------

def test_describe_by_key_ids(cvm):
    a, _, _ = import_key(cvm)
    b, _, _ = import_key(cvm)
    r = cvm.DescribeKeyPairs(KeyIds=[a, b])
    assert int(r["TotalCount"]) == 2 and sorted(th.key_ids_of(r)) == sorted([a, b])
    r = cvm.DescribeKeyPairs(KeyIds=[a, th.missing_key_id()])
    assert th.key_ids_of(r) == [a], "a well-formed unknown id just matches nothing"


def test_describe_filters(cvm):
    tag = "kwf" + kw.token()
    a, na, _ = import_key(cvm, tags=[(tag, "blue")])
    b, nb, _ = import_key(cvm, tags=[(tag, "red")])
    c, nc, _ = import_key(cvm)

    def ids(*filters, **kwargs):
        r = cvm.DescribeKeyPairs(Filters=[{"Name": n, "Values": v} for n, v in filters], Limit=100, **kwargs)
        return sorted(th.key_ids_of(r))

    assert ids(("key-name", [na])) == [a]
    assert ids(("key-name", [na, nc])) == sorted([a, c]), "values of one filter are ORed"
    assert ids(("tag-key", [tag])) == sorted([a, b])
    assert ids((f"tag:{tag}", ["blue"])) == [a]
    assert ids((f"tag:{tag}", ["blue", "red"])) == sorted([a, b])
    assert ids(("tag-key", [tag]), ("key-name", [nb])) == [b], "filters are ANDed"
    assert ids(("tag-key", [tag]), ("key-name", [nc])) == []
    assert ids(("project-id", ["0"]), ("key-name", [nc])) == [c]
    assert ids(("project-id", ["0"]), ("tag-key", [tag])) == sorted([a, b])


def test_describe_paging(cvm):
    tag = "kwp" + kw.token()
    made = sorted(import_key(cvm, tags=[(tag, "x")])[0] for _ in range(5))
    flt = [{"Name": "tag-key", "Values": [tag]}]
    seen = []
    for offset, want in ((0, 2), (2, 2), (4, 1), (6, 0)):
        r = cvm.DescribeKeyPairs(Filters=flt, Offset=offset, Limit=2)
        assert int(r["TotalCount"]) == 5, r
        assert len(th.key_set(r)) == want, (offset, r)
        seen += th.key_ids_of(r)
    assert sorted(seen) == made, "pages overlap or miss keys"
    # Default Limit is 20; Limit 100 is the maximum.
    assert len(th.key_set(cvm.DescribeKeyPairs(Filters=flt))) == 5
    assert len(th.key_set(cvm.DescribeKeyPairs(Filters=flt, Limit=100))) == 5


def test_describe_errors(cvm):
    a, na, _ = import_key(cvm)
    expect_error(cvm.DescribeKeyPairs, "InvalidParameterValueLimit", Limit=101)
    expect_error(cvm.DescribeKeyPairs, "InvalidParameter", KeyIds=[a],
                 Filters=[{"Name": "key-name", "Values": [na]}])
    expect_error(cvm.DescribeKeyPairs, "InvalidFilter", Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    expect_error(cvm.DescribeKeyPairs, "InvalidKeyPairId.Malformed", KeyIds=["skey-1122"])


# ---------------------------------------------------------------------------------------------
# ModifyKeyPairAttribute
# ---------------------------------------------------------------------------------------------

def test_modify_name_and_description(cvm):
    key_id, name, line = import_key(cvm)
    new = th.tname("ren")
    cvm.ModifyKeyPairAttribute(KeyId=key_id, KeyName=new)
    d = th.describe_key(cvm, key_id)
    assert d["KeyName"] == new and th.openssh_blob_of(d["PublicKey"]) == th.openssh_blob_of(line)
    assert th.key_by_name(cvm, name) is None
    cvm.ModifyKeyPairAttribute(KeyId=key_id, Description="for the interop suite")
    d = th.describe_key(cvm, key_id)
    assert d["KeyName"] == new and d["Description"] == "for the interop suite", d
    both = th.tname("both")
    cvm.ModifyKeyPairAttribute(KeyId=key_id, KeyName=both, Description="d" * 60)
    d = th.describe_key(cvm, key_id)
    assert (d["KeyName"], d["Description"]) == (both, "d" * 60)
    # The old name is free again.
    import_key(cvm, name=name)


def test_modify_errors_change_nothing(cvm):
    key_id, name, _ = import_key(cvm)
    _, taken, _ = import_key(cvm)
    cvm.ModifyKeyPairAttribute(KeyId=key_id, Description="before")

    def unchanged():
        d = th.describe_key(cvm, key_id)
        assert (d["KeyName"], d["Description"]) == (name, "before"), d

    expect_error(cvm.ModifyKeyPairAttribute, "MissingParameter", KeyId=key_id)
    unchanged()
    expect_error(cvm.ModifyKeyPairAttribute, "InvalidKeyPairName.Duplicate", KeyId=key_id, KeyName=taken,
                 Description="after")
    unchanged()
    expect_error(cvm.ModifyKeyPairAttribute, "InvalidParameterValue", KeyId=key_id, Description="d" * 61)
    unchanged()
    expect_error(cvm.ModifyKeyPairAttribute, "InvalidKeyPairId.NotFound", KeyId=th.missing_key_id(),
                 KeyName=th.tname())
    expect_error(cvm.ModifyKeyPairAttribute, "InvalidKeyPairId.Malformed", KeyId="skey-1122", KeyName=th.tname())
    unchanged()


# ---------------------------------------------------------------------------------------------
# DeleteKeyPairs
# ---------------------------------------------------------------------------------------------

def test_delete_key_pairs(cvm):
    a, na, _ = import_key(cvm)
    b, _, _ = import_key(cvm)
    before = th.key_total(cvm)
    cvm.DeleteKeyPairs(KeyIds=[a, b])
    assert th.describe_key(cvm, a) is None and th.describe_key(cvm, b) is None
    assert th.key_total(cvm) == before - 2
    expect_error(cvm.DeleteKeyPairs, "InvalidKeyPairId.NotFound", KeyIds=[a])
    import_key(cvm, name=na)   # the name is free again


def test_delete_batch_with_unknown_id_deletes_nothing(cvm):
    a, _, _ = import_key(cvm)
    b, _, _ = import_key(cvm)
    before = th.key_total(cvm)
    expect_error(cvm.DeleteKeyPairs, "InvalidKeyPairId.NotFound", KeyIds=[a, th.missing_key_id(), b])
    assert th.describe_key(cvm, a) is not None and th.describe_key(cvm, b) is not None
    assert th.key_total(cvm) == before
    expect_error(cvm.DeleteKeyPairs, "InvalidKeyPairId.Malformed", KeyIds=[a, "skey-1122"])
    expect_error(cvm.DeleteKeyPairs, "InvalidKeyPairId.Malformed", KeyIds=["not-a-key-id"])
    assert th.describe_key(cvm, a) is not None
    expect_error(cvm.DeleteKeyPairs, "MissingParameter")
    assert th.key_total(cvm) == before


# ---------------------------------------------------------------------------------------------
# GET requests (TC3 with the query string; legacy v1 in the query)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sign_method", th.SIGN_METHODS)
def test_get_requests(live_server, sign_method):
    cvm = th.Cvm(live_server, sign_method=sign_method, req_method="GET")
    tag = "kwg" + kw.token()
    key_id, name, line = import_key(cvm, tags=[(tag, "g v")])
    r = cvm.DescribeKeyPairs(Filters=[{"Name": "key-name", "Values": [name]}, {"Name": f"tag:{tag}", "Values": ["g v"]}])
    assert th.key_ids_of(r) == [key_id]
    cvm.ModifyKeyPairAttribute(KeyId=key_id, Description="set by GET & friends")
    assert th.describe_key(cvm, key_id)["Description"] == "set by GET & friends"
    expect_error(cvm.DescribeKeyPairs, "InvalidParameterValueLimit", Limit=101)
    cvm.DeleteKeyPairs(KeyIds=[key_id])
    assert th.describe_key(cvm, key_id) is None


# ---------------------------------------------------------------------------------------------
# One record, two dialects (ap-guangzhou is one catalog region for both)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ali_kind", ["tea-v3", "legacy"])
def test_key_imported_through_tencent_is_listed_by_alibaba(cvm, live_server, ali_kind):
    ali = th.alibaba(live_server, ali_kind)
    line = kw.gen_ed25519_openssh()
    tag = "kwx" + kw.token()
    key_id, name, _ = import_key(cvm, line=line, tags=[(tag, "v")])
    kp = th.alibaba_key(ali, name)
    assert kp is not None, f"Alibaba DescribeKeyPairs in {REGION} does not list {name}"
    assert kp["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(line)
    assert kw.tags_of(kp) == {tag: "v"}
    # Not in another Alibaba region.
    assert th.alibaba_key(ali, name, region=kw.REGION_MAIN) is None

    # A rename through Tencent is the Alibaba record's new name.
    new = th.tname("xren")
    cvm.ModifyKeyPairAttribute(KeyId=key_id, KeyName=new)
    assert th.alibaba_key(ali, name) is None
    assert th.alibaba_key(ali, new)["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(line)

    # Deleted through Alibaba (by name): gone through Tencent.
    ali.delete_key_pairs(json.dumps([new]), region=REGION)
    assert th.describe_key(cvm, key_id) is None


def test_key_created_through_tencent_has_the_alibaba_fingerprint(tc3, live_server, tmp_path):
    ali = th.alibaba(live_server)
    name = th.tname("xcr")
    kp = tc3.CreateKeyPair(KeyName=name, ProjectId=0)["KeyPair"]
    derived = kw.run(["ssh-keygen", "-y", "-f", str(write_private(tmp_path, name, kp["PrivateKey"]))]).strip()
    assert th.alibaba_key(ali, name)["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(derived)


@pytest.mark.parametrize("ali_kind", ["tea-v3", "legacy"])
def test_key_created_through_alibaba_is_listed_and_deleted_through_tencent(cvm, live_server, ali_kind, tmp_path):
    ali = th.alibaba(live_server, ali_kind)
    name = th.tname("ali")
    r = ali.create_key_pair(name, region=REGION)
    path = write_private(tmp_path, name, r["PrivateKeyBody"])
    blob = th.openssh_blob_of(kw.run(["ssh-keygen", "-y", "-f", str(path)]))

    d = th.key_by_name(cvm, name)
    assert d is not None, f"Tencent DescribeKeyPairs in {REGION} does not list {name}"
    assert th.SKEY_RE.match(d["KeyId"]), d
    assert th.openssh_blob_of(d["PublicKey"]) == blob
    assert not d.get("PrivateKey")
    assert th.describe_key(cvm, d["KeyId"])["KeyName"] == name, "the skey- id is stable"
    cvm.DeleteKeyPairs(KeyIds=[d["KeyId"]])
    assert th.alibaba_key(ali, name) is None
    assert th.key_by_name(cvm, name) is None


def test_name_taken_in_one_dialect_is_a_duplicate_in_the_other(tc3, live_server):
    ali = th.alibaba(live_server)
    # Alibaba first (a name legal in both dialects).
    name = th.tname("dupa")
    ali.import_key_pair(name, kw.gen_ed25519_openssh(), region=REGION)
    before = th.key_total(tc3)
    expect_error(tc3.ImportKeyPair, "InvalidKeyPairName.Duplicate", KeyName=name, ProjectId=0,
                 PublicKey=kw.gen_ed25519_openssh())
    expect_error(tc3.CreateKeyPair, "InvalidKeyPairName.Duplicate", KeyName=name, ProjectId=0)
    assert th.key_total(tc3) == before
    # Tencent first.
    _, name2, line = import_key(tc3, name=th.tname("dupt"))
    with pytest.raises(kw.ApiError) as ei:
        ali.create_key_pair(name2, region=REGION)
    assert (ei.value.status, ei.value.code) == (400, "KeyPair.AlreadyExist"), ei.value
    assert th.alibaba_key(ali, name2)["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(line)
    # Renaming onto a name taken through Alibaba.
    key_id, _, _ = import_key(tc3)
    expect_error(tc3.ModifyKeyPairAttribute, "InvalidKeyPairName.Duplicate", KeyId=key_id, KeyName=name)


# ---------------------------------------------------------------------------------------------
# tccli
# ---------------------------------------------------------------------------------------------

def test_tccli_key_pair_flow(tccli, tc3, tmp_path):
    name = th.tname("cli")
    kp = tccli.call("CreateKeyPair", KeyName=name, ProjectId=0)["KeyPair"]
    assert th.SKEY_RE.match(kp["KeyId"]) and kp["KeyName"] == name, kp
    path = write_private(tmp_path, name, kp["PrivateKey"])
    derived = kw.run(["ssh-keygen", "-y", "-f", str(path)]).strip()
    assert th.openssh_blob_of(derived) == th.openssh_blob_of(kp["PublicKey"])

    line = kw.gen_ed25519_openssh()
    name2 = th.tname("cli")
    key2 = tccli.call("ImportKeyPair", KeyName=name2, ProjectId=0, PublicKey=line)["KeyId"]
    assert th.SKEY_RE.match(key2)

    # JSON arguments and --cli-unfold-argument.
    r = tccli.call("DescribeKeyPairs", KeyIds=[kp["KeyId"], key2])
    assert int(r["TotalCount"]) == 2 and sorted(th.key_ids_of(r)) == sorted([kp["KeyId"], key2])
    assert all(not k.get("PrivateKey") for k in th.key_set(r))
    r = tccli.call("DescribeKeyPairs", unfold=True, Filters=[{"Name": "key-name", "Values": [name, name2]}], Limit=1,
                   Offset=0)
    assert int(r["TotalCount"]) == 2 and len(th.key_set(r)) == 1
    r = tccli.call("DescribeKeyPairs", unfold=True, KeyIds=[key2])
    assert th.key_ids_of(r) == [key2]

    tccli.call("ModifyKeyPairAttribute", KeyId=key2, Description="from tccli")
    new = th.tname("clir")
    tccli.call("ModifyKeyPairAttribute", unfold=True, KeyId=key2, KeyName=new)
    d = th.describe_key(tc3, key2)
    assert (d["KeyName"], d["Description"]) == (new, "from tccli")

    tccli.call("DeleteKeyPairs", unfold=True, KeyIds=[kp["KeyId"], key2])
    assert th.describe_key(tc3, kp["KeyId"]) is None and th.describe_key(tc3, key2) is None


def test_tccli_errors(tccli, tc3):
    key_id, name, _ = import_key(tc3)
    before = th.key_total(tc3)
    th.expect_tccli_error(tccli, "ImportKeyPair", "InvalidKeyPairName.Duplicate", KeyName=name, ProjectId=0,
                          PublicKey=kw.gen_ed25519_openssh())
    th.expect_tccli_error(tccli, "CreateKeyPair", "InvalidKeyPairNameIncludeIllegalChar", KeyName="kw-cli", ProjectId=0)
    th.expect_tccli_error(tccli, "ImportKeyPair", "InvalidPublicKey.Malformed", KeyName=th.tname(), ProjectId=0,
                          PublicKey="ssh-rsa AAAA")
    th.expect_tccli_error(tccli, "DeleteKeyPairs", "InvalidKeyPairId.NotFound", KeyIds=[key_id, th.missing_key_id()])
    th.expect_tccli_error(tccli, "DescribeKeyPairs", "InvalidParameterValueLimit", unfold=True, Limit=101)
    assert th.key_total(tc3) == before and th.describe_key(tc3, key_id) is not None


def test_tccli_wrong_secret_is_signature_failure(live_server, tmp_path):
    bad = th.Tccli(live_server, tmp_path / "home", secret_key=live_server.secret + "x")
    th.expect_tccli_error(bad, "DescribeKeyPairs", "AuthFailure.SignatureFailure")
    unknown = th.Tccli(live_server, tmp_path / "home2", secret_id="AKID" + kw.token(20))
    th.expect_tccli_error(unknown, "DescribeKeyPairs", "AuthFailure.SecretIdNotFound")
