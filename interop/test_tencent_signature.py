"""Tencent Cloud API 3.0 transport on Keyward's port: TC3-HMAC-SHA256 and legacy v1 signatures checked byte for
byte, the ±5-minute window, replays, the Host header tccli sends, Tencent-shaped errors (always HTTP 200 with
`Content-Type: application/json` exactly), RAM users' AccessKeys as SecretIds, DescribeRegions / DescribeZones.

Raw requests are signed with tencent_helpers.build_tc3 / build_v1, whose canonical request is the one of
shared/reference/recipes/tencent_tc3_oracle.py; the first tests prove them against the captured SDK requests.
Reference: tencent-aws-openstack-peers.md §1, tencent-cvm-api.md §1, §2, §5, §8.
"""
from __future__ import annotations

import json
import secrets
import time
import uuid

import pytest
import requests

import access_helpers as ah
import kwhelpers as kw
import tencent_helpers as th
from tencent_helpers import REGION, expect_error

EXPIRE = "AuthFailure.SignatureExpire"
SIGFAIL = "AuthFailure.SignatureFailure"
# Keyward's choice for a replayed request (same timestamp and signature, or a v1 Nonce seen before): the docs name
# no code for it, so it is answered as a signature that cannot be accepted.
REPLAY = SIGFAIL


@pytest.fixture
def srv(live_server):
    return live_server


def ok(req):
    return th.assert_wire_ok(req.send())


# ---------------------------------------------------------------------------------------------
# The signers reproduce the captured SDK requests (no server needed)
# ---------------------------------------------------------------------------------------------

def test_tc3_signer_reproduces_captured_sdk_request():
    body = (b'{"KeyName": "my_key_1", "ProjectId": 0, "TagSpecification": [{"ResourceType": "keypair", '
            b'"Tags": [{"Key": "env", "Value": "test"}]}]}')
    creq = th.tc3_canonical_request("POST", "/", "", "application/json", "127.0.0.1:18765", body)
    assert creq.endswith("5dca30e92749a816b8f935d1a9740974a2a306391678151112d75d5cb2d63ab9")
    date = th.utc_date(1795312480)
    assert date == "2026-11-22"
    sig = th.tc3_signature("secretlocal", date, th.tc3_string_to_sign(1795312480, date, creq))
    assert sig == "a4c4466780878e33510011a0cc6da455ec46f038e94658beedcc0e082ad809ec"
    q = "Filters.0.Name=key-name&Filters.0.Values.0=my_key_1&Offset=0&Limit=20"
    creq = th.tc3_canonical_request("GET", "/", q, "application/x-www-form-urlencoded", "127.0.0.1:18765", b"")
    sig = th.tc3_signature("secretlocal", date, th.tc3_string_to_sign(1795312480, date, creq))
    assert sig == "bec1e7adcecef16c2cd7f38f276ea1fcf1c71ab233695fb9b1e1206b61d0f606"


def test_v1_signer_reproduces_captured_sdk_request():
    body = ("Filters.0.Name=key-name&Filters.0.Values.0=my_key_1&Offset=0&Limit=20&Action=DescribeKeyPairs&"
            "RequestClient=SDK_PYTHON_3.1.178&Nonce=9117558242251732734&Timestamp=1795312480&Version=2017-03-12&"
            "Region=ap-guangzhou&SecretId=AKIDtestlocal&SignatureMethod=HmacSHA256&Language=zh-CN")
    params = dict(kv.split("=", 1) for kv in body.split("&"))
    sts = th.v1_string_to_sign("POST", "127.0.0.1:18765", params)
    assert th.v1_signature("secretlocal", sts, "HmacSHA256") == "FDupXzjsZX8mbg8GoXZUS9eApFjDnyYt8U2Z2fJkUiI="


# ---------------------------------------------------------------------------------------------
# TC3
# ---------------------------------------------------------------------------------------------

def test_raw_tc3_post_and_get_are_accepted(srv):
    body = ok(th.build_tc3(srv, "DescribeKeyPairs", {"Limit": 1}))
    assert "TotalCount" in body and isinstance(body.get("KeyPairSet"), list), body
    body = ok(th.build_tc3(srv, "DescribeKeyPairs", {"Offset": "0", "Limit": "1"}, method="GET"))
    assert "TotalCount" in body, body


def test_tampered_body_is_signature_failure(srv):
    cvm = th.Cvm(srv)
    name = th.tname("tamp")
    signed = json.dumps({"KeyName": name, "ProjectId": 0, "PublicKey": kw.gen_ed25519_openssh()}).encode()
    sent = signed.replace(name.encode(), (name[:-1] + "z").encode())
    before = th.key_total(cvm)
    th.assert_wire_error(th.build_tc3(srv, "ImportKeyPair", body=signed, send_body=sent).send(), SIGFAIL)
    assert th.key_total(cvm) == before
    assert th.key_by_name(cvm, name) is None and th.key_by_name(cvm, name[:-1] + "z") is None


@pytest.mark.parametrize("how", ["wrong-secret", "host", "content-type", "service", "signature-case", "query"])
def test_other_signature_failures(srv, how):
    if how == "wrong-secret":
        req = th.build_tc3(srv, "DescribeKeyPairs", {}, secret_key=srv.secret + "x")
    elif how == "host":
        req = th.build_tc3(srv, "DescribeKeyPairs", {}, host="127.0.0.1:1", send_host=f"127.0.0.1:{srv.port}")
    elif how == "content-type":
        req = th.build_tc3(srv, "DescribeKeyPairs", {})
        req.headers["Content-Type"] = "application/json; charset=utf-8"
    elif how == "service":
        req = th.build_tc3(srv, "DescribeKeyPairs", {}, service="cvm2")
    elif how == "signature-case":
        req = th.build_tc3(srv, "DescribeKeyPairs", {})
        head, _, sig = req.headers["Authorization"].rpartition("Signature=")
        req.headers["Authorization"] = head + "Signature=" + sig.upper()
    else:
        req = th.build_tc3(srv, "DescribeKeyPairs", {"Limit": "1"}, method="GET")
        req.url = req.url.replace("Limit=1", "Limit=2")
    th.assert_wire_error(req.send(), SIGFAIL)


def test_unknown_secret_id(srv):
    th.assert_wire_error(th.build_tc3(srv, "DescribeKeyPairs", {}, secret_id="AKID" + kw.token(24)).send(),
                         "AuthFailure.SecretIdNotFound")
    expect_error(th.Cvm(srv, secret_id="AKID" + kw.token(24)).DescribeKeyPairs, "AuthFailure.SecretIdNotFound")


@pytest.mark.parametrize("offset,accepted", [(-360, False), (360, False), (-240, True), (240, True)])
def test_timestamp_window_is_five_minutes(srv, offset, accepted):
    req = th.build_tc3(srv, "DescribeKeyPairs", {"Limit": 1}, timestamp=int(time.time()) + offset)
    if accepted:
        ok(req)
    else:
        th.assert_wire_error(req.send(), EXPIRE)


def test_expired_request_changes_nothing(srv):
    cvm = th.Cvm(srv)
    name = th.tname("exp")
    req = th.build_tc3(srv, "ImportKeyPair", {"KeyName": name, "ProjectId": 0, "PublicKey": kw.gen_ed25519_openssh()},
                       timestamp=int(time.time()) - 400)
    th.assert_wire_error(req.send(), EXPIRE)
    assert th.key_by_name(cvm, name) is None


def test_replayed_request_is_refused(srv):
    """A request sent again byte for byte (same timestamp, signature and X-TC-TraceId) is refused.

    TC3 has no nonce: the SDK sends identical signed requests within one second when it polls (only its unsigned
    X-TC-TraceId, a fresh uuid4 per call, differs), so those must pass - see the next test."""
    cvm = th.Cvm(srv)
    # A read: the second identical request is refused.
    req = th.build_tc3(srv, "DescribeKeyPairs", {"Limit": 1})
    ok(req)
    th.assert_wire_error(req.send(), REPLAY)
    th.assert_wire_error(req.send(requests.Session()), REPLAY)
    # A write: refused as a replay, not executed again (no Duplicate error: the door refuses it first).
    tag = "kwr" + kw.token()
    params = {"KeyName": th.tname("rep"), "ProjectId": 0, "PublicKey": kw.gen_ed25519_openssh(),
              "TagSpecification": th.tag_spec([(tag, "x")])}
    req = th.build_tc3(srv, "ImportKeyPair", params)
    first = ok(req)
    assert th.SKEY_RE.match(first["KeyId"]), first
    th.assert_wire_error(req.send(), REPLAY)
    r = cvm.DescribeKeyPairs(Filters=[{"Name": "tag-key", "Values": [tag]}])
    assert th.key_ids_of(r) == [first["KeyId"]]
    # The same call signed again (new signature) is an ordinary duplicate.
    th.assert_wire_error(th.build_tc3(srv, "ImportKeyPair", params, timestamp=int(time.time()) + 1).send(),
                         "InvalidKeyPairName.Duplicate")


def test_identical_sdk_calls_within_one_second_are_not_replays(srv):
    """The SDK signs the same bytes for the same call in the same second (polling DescribeInstances, a tccli waiter):
    each carries its own X-TC-TraceId and must be answered."""
    cvm = th.Cvm(srv)
    for _ in range(3):
        t0 = int(time.time())
        results = [cvm.DescribeKeyPairs(Limit=1) for _ in range(5)]
        if int(time.time()) == t0:
            break
    assert len({r["RequestId"] for r in results}) == 5
    req = th.build_tc3(srv, "DescribeKeyPairs", {"Limit": 2})
    ok(req)
    req.headers["X-TC-TraceId"] = str(uuid.uuid4())
    ok(req)


def test_tccli_style_host_header_is_accepted(srv):
    host = f"http://127.0.0.1:{srv.port}"
    body = ok(th.build_tc3(srv, "DescribeKeyPairs", {"Limit": 1}, host=host))
    assert "TotalCount" in body
    # ... signed as received: signing the bare host and sending the URL form fails.
    th.assert_wire_error(th.build_tc3(srv, "DescribeKeyPairs", {}, host=f"127.0.0.1:{srv.port}", send_host=host).send(),
                         SIGFAIL)


def test_malformed_authorization(srv):
    req = th.build_tc3(srv, "DescribeKeyPairs", {}, authorization="TC3-HMAC-SHA256 garbage")
    th.assert_wire_error(req.send(), "AuthFailure.InvalidAuthorization")


def test_unknown_action(srv):
    th.assert_wire_error(th.build_tc3(srv, "DescribeKeyPairz", {}).send(), "InvalidAction")
    expect_error(th.Cvm(srv).call_generic, "InvalidAction", "NoSuchThing", {})
    expect_error(th.Cvm(srv, sign_method="HmacSHA256").call_generic, "InvalidAction", "NoSuchThing", {})


def test_unknown_version(srv):
    th.assert_wire_error(th.build_tc3(srv, "DescribeKeyPairs", {}, version="2099-01-01").send(), "NoSuchVersion")


def test_unknown_region(srv):
    th.assert_wire_error(th.build_tc3(srv, "DescribeKeyPairs", {}, region="ap-nowhere").send(), "UnsupportedRegion")


# ---------------------------------------------------------------------------------------------
# Legacy v1 (HmacSHA1 / HmacSHA256, POST form or GET query)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256"])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_raw_v1(srv, sign_method, method):
    body = ok(th.build_v1(srv, "DescribeKeyPairs", {"Limit": 1}, sign_method=sign_method, method=method))
    assert "TotalCount" in body
    th.assert_wire_error(th.build_v1(srv, "DescribeKeyPairs", {"Limit": 1}, sign_method=sign_method, method=method,
                                     tamper={"Limit": 2}).send(), SIGFAIL)
    th.assert_wire_error(th.build_v1(srv, "DescribeKeyPairs", {}, sign_method=sign_method, method=method,
                                     secret_key=srv.secret + "x").send(), SIGFAIL)
    th.assert_wire_error(th.build_v1(srv, "DescribeKeyPairs", {}, sign_method=sign_method, method=method,
                                     timestamp=int(time.time()) - 360).send(), EXPIRE)
    th.assert_wire_error(th.build_v1(srv, "DescribeKeyPairs", {}, sign_method=sign_method, method=method,
                                     secret_id="AKID" + kw.token(24)).send(), "AuthFailure.SecretIdNotFound")
    th.assert_wire_error(th.build_v1(srv, "NoSuchThing", {}, sign_method=sign_method, method=method).send(),
                         "InvalidAction")


def test_v1_nonce_is_remembered(srv):
    nonce = secrets.randbelow(2 ** 62) + 1
    ok(th.build_v1(srv, "DescribeKeyPairs", {"Limit": 1}, nonce=nonce))
    # Same nonce, even with a new timestamp and a correct signature.
    th.assert_wire_error(th.build_v1(srv, "DescribeKeyPairs", {"Limit": 2}, nonce=nonce,
                                     timestamp=int(time.time()) + 1).send(), REPLAY)


def test_v1_flattened_lists(srv):
    cvm = th.Cvm(srv)
    a = cvm.ImportKeyPair(KeyName=th.tname("v1"), ProjectId=0, PublicKey=kw.gen_ed25519_openssh())["KeyId"]
    body = ok(th.build_v1(srv, "DescribeKeyPairs", {"KeyIds.0": a}))
    assert th.key_ids_of(body) == [a]
    ok(th.build_v1(srv, "DeleteKeyPairs", {"KeyIds.0": a}))
    assert th.describe_key(cvm, a) is None


# ---------------------------------------------------------------------------------------------
# Every error is HTTP 200 + Content-Type exactly application/json (what the Python SDK needs)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["signature", "expired", "unknown-id", "action", "limit", "missing", "not-found"])
def test_every_error_is_http_200_with_exact_content_type(srv, case):
    sid = "AKID" + kw.token(24)
    req, code = {
        "signature": (th.build_tc3(srv, "DescribeKeyPairs", {}, secret_key="nope"), SIGFAIL),
        "expired": (th.build_tc3(srv, "DescribeKeyPairs", {}, timestamp=int(time.time()) - 3600), EXPIRE),
        "unknown-id": (th.build_tc3(srv, "DescribeKeyPairs", {}, secret_id=sid), "AuthFailure.SecretIdNotFound"),
        "action": (th.build_tc3(srv, "NoSuchThing", {}), "InvalidAction"),
        "limit": (th.build_tc3(srv, "DescribeKeyPairs", {"Limit": 101}), "InvalidParameterValueLimit"),
        "missing": (th.build_tc3(srv, "DeleteKeyPairs", {}), "MissingParameter"),
        "not-found": (th.build_tc3(srv, "DeleteKeyPairs", {"KeyIds": [th.missing_key_id()]}), "InvalidKeyPairId.NotFound"),
    }[case]
    body = th.assert_wire_error(req.send(), code)
    assert set(body) == {"Error", "RequestId"}, body
    assert set(body["Error"]) >= {"Code", "Message"}, body


def test_sdk_sees_every_error(srv):
    """The SDK only reads errors with the exact content type: an error it did not raise would look like success."""
    expect_error(th.Cvm(srv, secret_key="nope").DescribeKeyPairs, SIGFAIL)
    expect_error(th.Cvm(srv, secret_key="nope", sign_method="HmacSHA1").DescribeKeyPairs, SIGFAIL)
    expect_error(th.Cvm(srv, secret_key="nope", sign_method="HmacSHA256", req_method="GET").DescribeKeyPairs, SIGFAIL)
    expect_error(th.Cvm(srv).DeleteKeyPairs, "InvalidKeyPairId.NotFound", KeyIds=[th.missing_key_id()])


# ---------------------------------------------------------------------------------------------
# RAM users' AccessKeys as SecretIds; their policies apply with the ECS action names
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sign_method", th.SIGN_METHODS)
def test_ram_user_without_policy_is_unauthorized(srv, sign_method, tmp_path):
    _, ak, secret = ah.new_ram_user(srv)
    cvm = th.Cvm(srv, secret_id=ak, secret_key=secret, sign_method=sign_method)
    root = th.Cvm(srv)
    before = th.key_total(root)
    name = th.tname("ram")
    expect_error(cvm.DescribeKeyPairs, "AuthFailure.UnauthorizedOperation")
    expect_error(cvm.ImportKeyPair, "AuthFailure.UnauthorizedOperation", KeyName=name, ProjectId=0,
                 PublicKey=kw.gen_ed25519_openssh())
    expect_error(cvm.CreateKeyPair, "AuthFailure.UnauthorizedOperation", KeyName=name, ProjectId=0)
    assert th.key_total(root) == before and th.key_by_name(root, name) is None
    th.assert_wire_error(th.build_tc3(srv, "DescribeKeyPairs", {}, secret_id=ak, secret_key=secret).send(),
                         "AuthFailure.UnauthorizedOperation")
    th.expect_tccli_error(th.Tccli(srv, tmp_path / "home", ak, secret), "DescribeKeyPairs",
                          "AuthFailure.UnauthorizedOperation")


def test_ram_user_policy_applies_with_ecs_action_names(srv):
    policy = ah.policy_doc(ah.allow(["ecs:DescribeKeyPairs", "ecs:ImportKeyPair"]))
    _, ak, secret = ah.new_ram_user(srv, [policy])
    cvm = th.Cvm(srv, secret_id=ak, secret_key=secret)
    root = th.Cvm(srv)
    key_id = cvm.ImportKeyPair(KeyName=th.tname("ramok"), ProjectId=0, PublicKey=kw.gen_ed25519_openssh())["KeyId"]
    assert th.key_ids_of(cvm.DescribeKeyPairs(KeyIds=[key_id])) == [key_id]
    name = th.tname("ramno")
    expect_error(cvm.CreateKeyPair, "AuthFailure.UnauthorizedOperation", KeyName=name, ProjectId=0)
    expect_error(cvm.DeleteKeyPairs, "AuthFailure.UnauthorizedOperation", KeyIds=[key_id])
    expect_error(cvm.ModifyKeyPairAttribute, "AuthFailure.UnauthorizedOperation", KeyId=key_id, Description="x")
    assert th.key_by_name(root, name) is None
    d = th.describe_key(root, key_id)
    assert d is not None and (d.get("Description") or "") == ""


def test_a_rename_needs_permission_on_the_new_name_too(srv):
    """A user allowed on dev_* key pairs cannot move one into another team's names, nor one of theirs into its own."""
    t = th.random_suffix(6)
    policy = ah.policy_doc(ah.allow(["ecs:DescribeKeyPairs", "ecs:ModifyKeyPairAttribute", "ecs:DeleteKeyPairs"], "acs:ecs:*:*:keypair/dev_*"))
    _, ak, secret = ah.new_ram_user(srv, [policy])
    cvm = th.Cvm(srv, secret_id=ak, secret_key=secret)
    root = th.Cvm(srv)
    mine = root.ImportKeyPair(KeyName=f"dev_{t}", ProjectId=0, PublicKey=kw.gen_ed25519_openssh())["KeyId"]
    theirs = root.ImportKeyPair(KeyName=f"prod_{t}", ProjectId=0, PublicKey=kw.gen_ed25519_openssh())["KeyId"]
    expect_error(cvm.ModifyKeyPairAttribute, "AuthFailure.UnauthorizedOperation", KeyId=mine, KeyName=f"prod_x{t}")
    expect_error(cvm.ModifyKeyPairAttribute, "AuthFailure.UnauthorizedOperation", KeyId=theirs, KeyName=f"dev_x{t}")
    expect_error(cvm.DeleteKeyPairs, "AuthFailure.UnauthorizedOperation", KeyIds=[mine, theirs])
    assert th.describe_key(root, mine)["KeyName"] == f"dev_{t}"
    assert th.describe_key(root, theirs)["KeyName"] == f"prod_{t}"
    cvm.ModifyKeyPairAttribute(KeyId=mine, KeyName=f"dev_y{t}")
    assert th.describe_key(root, mine)["KeyName"] == f"dev_y{t}"


def test_ram_user_full_access_and_inactive_key(srv):
    user, ak, secret = ah.new_ram_user(srv, ["AliyunECSFullAccess"])
    cvm = th.Cvm(srv, secret_id=ak, secret_key=secret)
    key_id = cvm.CreateKeyPair(KeyName=th.tname("ramf"), ProjectId=0)["KeyPair"]["KeyId"]
    cvm.DeleteKeyPairs(KeyIds=[key_id])
    ah.tea_ram(srv).UpdateAccessKey(UserName=user, UserAccessKeyId=ak, Status="Inactive")
    expect_error(cvm.DescribeKeyPairs, "AuthFailure.SecretIdNotFound")


# ---------------------------------------------------------------------------------------------
# DescribeRegions / DescribeZones
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sign_method", th.SIGN_METHODS)
def test_describe_regions(srv, sign_method):
    r = th.Cvm(srv, sign_method=sign_method).DescribeRegions()
    regions = {x["Region"]: x for x in r["RegionSet"]}
    assert set(th.TENCENT_REGIONS) <= set(regions), regions
    assert int(r["TotalCount"]) == len(r["RegionSet"])
    assert regions[REGION]["RegionState"] == "AVAILABLE" and regions[REGION]["RegionName"], regions[REGION]
    assert not any(k.startswith("cn-") for k in regions), "Alibaba region names leak into Tencent's DescribeRegions"


def test_describe_zones(srv, tmp_path):
    r = th.Cvm(srv).DescribeZones()
    zones = {z["Zone"]: z for z in r["ZoneSet"]}
    assert th.ZONE in zones, zones
    z = zones[th.ZONE]
    assert z["ZoneState"] == "AVAILABLE" and z["ZoneName"] and z["ZoneId"], z
    assert all(k.startswith(REGION + "-") for k in zones), zones
    other = {z["Zone"] for z in th.Cvm(srv, region=th.OTHER_REGION).DescribeZones()["ZoneSet"]}
    assert other and all(k.startswith(th.OTHER_REGION + "-") for k in other), other
    cli = th.Tccli(srv, tmp_path / "home").call("DescribeZones")
    assert th.ZONE in {x["Zone"] for x in cli["ZoneSet"]}
