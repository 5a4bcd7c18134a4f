"""Hand-signed raw requests (v1 HMAC-SHA1 and v3 ACS3-HMAC-SHA256): the happy path, then one thing
altered at a time. None of the altered requests may change state."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

import kwhelpers as kw
from kwhelpers import REGION_MAIN


class Raw:
    def __init__(self, server: kw.KeywardServer):
        self.server = server
        self.session = requests.Session()
        self.session.trust_env = False

    def v1(self, action, params=None, **k) -> kw.RawRequest:
        s = self.server
        return kw.build_v1(s.base_url, action, dict(params or {}), k.pop("ak", s.ak), k.pop("secret", s.secret), **k)

    def v3(self, action, query=None, **k) -> kw.RawRequest:
        s = self.server
        q = dict(query or {})
        return kw.build_v3(s.base_url, s.endpoint, action, q, k.pop("ak", s.ak), k.pop("secret", s.secret), **k)

    def send(self, req: kw.RawRequest) -> requests.Response:
        return req.send(self.session)

    def names(self, name, region=REGION_MAIN):
        r = self.send(self.v3("DescribeKeyPairs", {"RegionId": region, "KeyPairName": name}))
        assert r.status_code == 200, r.text
        return [k["KeyPairName"] for k in r.json()["KeyPairs"]["KeyPair"]]


@pytest.fixture
def raw(live_server):
    return Raw(live_server)


def assert_error(resp: requests.Response, code: str, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert "json" in resp.headers.get("Content-Type", "").lower(), resp.headers
    body = resp.json()
    assert body.get("Code") == code, body
    for f in ("Code", "Message", "RequestId", "HostId", "Recommend"):
        assert body.get(f), (f, body)
    return body


def assert_ok(resp: requests.Response) -> dict:
    assert resp.status_code == 200, (resp.status_code, resp.text)
    assert "json" in resp.headers.get("Content-Type", "").lower(), resp.headers
    body = resp.json()
    assert body.get("RequestId"), body
    return body


def import_params(name, region=REGION_MAIN):
    return {"RegionId": region, "KeyPairName": name, "PublicKeyBody": kw.gen_ed25519_openssh()}


# ---------------------------------------------------------------------------------------------

def test_raw_v1_and_v3_accepted(raw):
    assert_ok(raw.send(raw.v1("DescribeRegions")))
    assert_ok(raw.send(raw.v3("DescribeRegions")))
    name = kw.uniq("rawok")
    p = import_params(name)
    body = assert_ok(raw.send(raw.v1("ImportKeyPair", p, region=None)))
    assert body["KeyPairName"] == name
    assert body["KeyPairFingerPrint"] == kw.openssh_line_fingerprint(p["PublicKeyBody"])
    name3 = kw.uniq("rawok3")
    body = assert_ok(raw.send(raw.v3("ImportKeyPair", import_params(name3))))
    assert body["KeyPairName"] == name3
    assert raw.names(name) == [name] and raw.names(name3) == [name3]


def test_raw_v1_encoding_of_special_characters(raw):
    """Tag values with space, '*', '~', '/', '+', '%', '&', '=' and UTF-8 survive v1 and v3 signing."""
    value = "a b*c~/d+e%f&g=h é 密"
    n1, n3 = kw.uniq("enc"), kw.uniq("enc3")
    assert_ok(raw.send(raw.v1("ImportKeyPair", {**import_params(n1), "Tag.1.Key": "k", "Tag.1.Value": value}, region=None)))
    assert_ok(raw.send(raw.v3("ImportKeyPair", {**import_params(n3), "Tag.1.Key": "k", "Tag.1.Value": value})))
    for n in (n1, n3):
        r = assert_ok(raw.send(raw.v3("DescribeKeyPairs", {"RegionId": REGION_MAIN, "KeyPairName": n})))
        (kp,) = r["KeyPairs"]["KeyPair"]
        assert kw.tags_of(kp) == {"k": value}


def test_v1_wrong_secret_reports_string_to_sign(raw):
    name = kw.uniq("v1ws")
    req = raw.v1("ImportKeyPair", import_params(name), region=None, sign_secret=raw.server.secret + "!")
    body = assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert req.string_to_sign in body["Message"], (req.string_to_sign, body["Message"])
    assert raw.names(name) == []


def test_v3_wrong_secret(raw):
    name = kw.uniq("v3ws")
    req = raw.v3("ImportKeyPair", import_params(name), secret=raw.server.secret + "!")
    assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert raw.names(name) == []


@pytest.mark.parametrize("scheme", ["v1", "v3"])
def test_unknown_access_key_id(raw, scheme):
    name = kw.uniq("uak")
    build = raw.v1 if scheme == "v1" else raw.v3
    kwargs = {"region": None} if scheme == "v1" else {}
    req = build("ImportKeyPair", import_params(name), ak=kw.random_access_key_id(), **kwargs)
    assert_error(raw.send(req), "InvalidAccessKeyId.NotFound", 404)
    assert raw.names(name) == []


@pytest.mark.parametrize("scheme", ["v1", "v3"])
@pytest.mark.parametrize("offset_min,ok", [(-16, False), (16, False), (-60 * 24, False), (-10, True), (10, True)])
def test_timestamp_window(raw, scheme, offset_min, ok):
    name = kw.uniq("ts")
    ts = kw.utc_now_str(offset_min * 60)
    if scheme == "v1":
        req = raw.v1("ImportKeyPair", import_params(name), region=None, timestamp=ts)
    else:
        req = raw.v3("ImportKeyPair", import_params(name), date=ts)
    resp = raw.send(req)
    if ok:
        assert_ok(resp)
        assert raw.names(name) == [name]
    else:
        assert_error(resp, "InvalidTimeStamp.Expired", 400)
        assert raw.names(name) == []


@pytest.mark.parametrize("scheme", ["v1", "v3"])
def test_nonce_reuse_refused(raw, scheme):
    nonce = uuid.uuid4().hex
    build = (lambda a, p, **k: raw.v1(a, p, region=None, **k)) if scheme == "v1" else raw.v3
    first = build("DescribeKeyPairs", {"RegionId": REGION_MAIN}, nonce=nonce)
    assert_ok(raw.send(first))
    # exact replay
    assert_error(raw.send(first), "SignatureNonceUsed", 400)
    # same nonce, different (freshly signed) request
    name = kw.uniq("nonce")
    second = build("ImportKeyPair", import_params(name), nonce=nonce)
    assert_error(raw.send(second), "SignatureNonceUsed", 400)
    assert raw.names(name) == []


@pytest.mark.parametrize("scheme", ["v1", "v3"])
def test_replayed_write_is_refused_and_does_not_recreate(raw, scheme):
    name = kw.uniq("replay")
    build = (lambda a, p, **k: raw.v1(a, p, region=None, **k)) if scheme == "v1" else raw.v3
    create = build("ImportKeyPair", import_params(name))
    assert_ok(raw.send(create))
    # the replay is refused for the nonce, before the name check
    assert_error(raw.send(create), "SignatureNonceUsed", 400)
    assert_ok(raw.send(build("DeleteKeyPairs", {"RegionId": REGION_MAIN, "KeyPairNames": json.dumps([name])})))
    assert raw.names(name) == []
    assert_error(raw.send(create), "SignatureNonceUsed", 400)
    assert raw.names(name) == []


def test_nonce_remembered_across_restart(raw):
    server = raw.server
    r1 = raw.v1("DescribeRegions")
    r3 = raw.v3("DescribeRegions")
    n1, n3 = kw.uniq("rst"), kw.uniq("rst3")
    w1 = raw.v1("ImportKeyPair", import_params(n1), region=None)
    w3 = raw.v3("ImportKeyPair", import_params(n3))
    for r in (r1, r3, w1, w3):
        assert_ok(raw.send(r))
    delete = raw.v3("DeleteKeyPairs", {"RegionId": REGION_MAIN, "KeyPairNames": json.dumps([n1, n3])})
    assert_ok(raw.send(delete))
    code = server.restart()
    assert code == 0, f"graceful stop exit code {code}"
    raw.session = requests.Session()
    raw.session.trust_env = False
    for r in (r1, r3, w1, w3, delete):
        assert_error(raw.send(r), "SignatureNonceUsed", 400)
    assert raw.names(n1) == [] and raw.names(n3) == []


# ---------------------------------------------------------------------------------------------
# Tampering
# ---------------------------------------------------------------------------------------------

def test_v1_tampered_parameter(raw):
    a, b = kw.uniq("tpa"), kw.uniq("tpb")
    req = raw.v1("ImportKeyPair", import_params(a), region=None, override_after_sign={"KeyPairName": b})
    assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert raw.names(a) == [] and raw.names(b) == []


def test_v1_added_unsigned_parameter(raw):
    a = kw.uniq("tpc")
    req = raw.v1("ImportKeyPair", import_params(a), region=None, extra_after_sign={"Tag.1.Key": "x", "Tag.1.Value": "y"})
    assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert raw.names(a) == []


def test_v1_removed_signed_parameter(raw):
    a = kw.uniq("tpd")
    p = {**import_params(a), "Tag.1.Key": "x", "Tag.1.Value": "y"}
    req = raw.v1("ImportKeyPair", p, region=None)
    req.url = req.url.replace("&Tag.1.Key=x&Tag.1.Value=y", "")
    assert "Tag.1" not in req.url
    assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert raw.names(a) == []


def test_v1_tampered_action(raw):
    """Action is signed: re-targeting a signed DescribeKeyPairs as DeleteKeyPairs must fail."""
    victim = kw.uniq("victim")
    assert_ok(raw.send(raw.v3("ImportKeyPair", import_params(victim))))
    req = raw.v1("DescribeKeyPairs", {"KeyPairNames": json.dumps([victim])}, region=REGION_MAIN,
                 override_after_sign={"Action": "DeleteKeyPairs"})
    req.headers["x-acs-action"] = "DeleteKeyPairs"
    assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert raw.names(victim) == [victim]


def test_v3_tampered_query(raw):
    a, b = kw.uniq("t3a"), kw.uniq("t3b")
    req = raw.v3("ImportKeyPair", import_params(a))
    req.url = req.url.replace(f"KeyPairName={a}", f"KeyPairName={b}")
    assert b in req.url
    assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert raw.names(a) == [] and raw.names(b) == []


def test_v3_added_query_parameter(raw):
    a = kw.uniq("t3c")
    req = raw.v3("ImportKeyPair", import_params(a))
    req.url += "&Tag.1.Key=x&Tag.1.Value=y"
    assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert raw.names(a) == []


@pytest.mark.parametrize("header,new", [
    ("x-acs-date", None),                 # one second later (still inside the window)
    ("user-agent", "tampered-agent/1.0"),
    ("x-acs-content-sha256", "0" * 64),
    ("host", "localhost:{port}"),
    ("x-acs-version", "2014-05-27"),
])
def test_v3_tampered_signed_header(raw, header, new):
    a = kw.uniq("t3h")
    req = raw.v3("ImportKeyPair", import_params(a))
    if header == "x-acs-date":
        import datetime as dt
        t = dt.datetime.strptime(req.headers[header], "%Y-%m-%dT%H:%M:%SZ") + dt.timedelta(seconds=1)
        new = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    req.headers[header] = new.format(port=raw.server.port)
    resp = raw.send(req)
    if header == "x-acs-version":
        code = resp.json().get("Code") or ""
        assert resp.status_code == 400 and (code == "SignatureDoesNotMatch" or "Invalid" in code), resp.text
    else:
        assert_error(resp, "SignatureDoesNotMatch", 400)
    assert raw.names(a) == []


@pytest.mark.parametrize("header", ["x-acs-action", "user-agent", "x-acs-signature-nonce"])
def test_v3_authorization_drops_a_header_from_signed_list(raw, header):
    """Removing a header from SignedHeaders (after signing) must be refused: either the signature no
    longer matches, or the server insists that this header be signed (IncompleteSignature)."""
    a = kw.uniq("t3s")
    req = raw.v3("ImportKeyPair", import_params(a))
    auth = req.headers["Authorization"]
    assert f";{header};" in auth
    req.headers["Authorization"] = auth.replace(f";{header};", ";")
    resp = raw.send(req)
    code = resp.json().get("Code")
    if header == "user-agent":
        assert_error(resp, "SignatureDoesNotMatch", 400)
    else:
        assert code in ("SignatureDoesNotMatch", "IncompleteSignature"), resp.text
        assert_error(resp, code, 400)
    assert raw.names(a) == []


def test_unsigned_request_refused(raw):
    a = kw.uniq("unsigned")
    s = raw.server
    url = (f"{s.base_url}/?Action=ImportKeyPair&Version=2014-05-26&Format=JSON&RegionId={REGION_MAIN}"
           f"&KeyPairName={a}&PublicKeyBody=" + kw.pct(kw.gen_ed25519_openssh()) + f"&AccessKeyId={s.ak}")
    resp = raw.session.post(url, timeout=30)
    assert 400 <= resp.status_code < 500, resp.text
    assert resp.json().get("Code"), resp.text
    assert raw.names(a) == []


def test_error_and_success_shapes(raw):
    """Every response carries RequestId; errors carry Code, Message, RequestId, HostId, Recommend; JSON."""
    name = kw.uniq("shape")
    body = assert_ok(raw.send(raw.v1("ImportKeyPair", import_params(name), region=None)))
    body = assert_error(raw.send(raw.v1("ImportKeyPair", import_params(name), region=None)),
                        "KeyPair.AlreadyExist", 400)
    assert body["RequestId"] != assert_ok(raw.send(raw.v3("DescribeRegions")))["RequestId"]


def test_raw_boolean_spellings(raw):
    """Both SDKs send booleans as Python's str(True) == 'True'; hand-written clients send 'true'."""
    name = kw.uniq("bool")
    p = import_params(name)
    assert_ok(raw.send(raw.v3("ImportKeyPair", p)))
    for spelling in ("true", "True"):
        body = assert_ok(raw.send(raw.v3("DescribeKeyPairs", {"RegionId": REGION_MAIN, "KeyPairName": name,
                                                              "IncludePublicKey": spelling})))
        (kp,) = body["KeyPairs"]["KeyPair"]
        assert kw.openssh_blob(kp["PublicKey"]) == kw.openssh_blob(p["PublicKeyBody"]), spelling
    for spelling in ("false", "False"):
        body = assert_ok(raw.send(raw.v3("DescribeKeyPairs", {"RegionId": REGION_MAIN, "KeyPairName": name,
                                                              "IncludePublicKey": spelling})))
        (kp,) = body["KeyPairs"]["KeyPair"]
        assert not kp.get("PublicKey"), spelling


def test_v1_form_body_parameters(raw):
    """Legacy CommonRequest.add_body_params sends a form body that is part of the v1 signature."""
    name = kw.uniq("form")
    line = kw.gen_ed25519_openssh()
    req = raw.v1("ImportKeyPair", {"RegionId": REGION_MAIN}, region=None,
                 body_params={"KeyPairName": name, "PublicKeyBody": line})
    body = assert_ok(raw.send(req))
    assert body["KeyPairName"] == name
    assert raw.names(name) == [name]
    # tampering with the body is caught
    other = kw.uniq("form")
    req = raw.v1("ImportKeyPair", {"RegionId": REGION_MAIN}, region=None,
                 body_params={"KeyPairName": other, "PublicKeyBody": line})
    req.body = req.body.replace(other.encode(), (other + "x").encode())
    assert_error(raw.send(req), "SignatureDoesNotMatch", 400)
    assert raw.names(other) == [] and raw.names(other + "x") == []


def test_suite_signers_match_reference_vectors():
    """Self-check of this suite's hand-made signers against the published vectors, so that a
    failure above cannot be blamed on them."""
    sts = ("GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
           "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
           "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26")
    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
              "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
    sig, got = kw.v1_sign("GET", params, "testsecret")
    assert got == sts and sig == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    headers = {"host": "127.0.0.1:18080", "x-acs-action": "CreateKeyPair", "x-acs-version": "2014-05-26",
               "x-acs-date": "2024-01-01T00:00:00Z", "x-acs-signature-nonce": "0123456789abcdef0123456789abcdef",
               "accept": "application/json",
               "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
    sig, signed, creq = kw.v3_sign("POST", "/", {"RegionId": "cn-hangzhou", "KeyPairName": "my key*~",
                                                 "Tag.1.Key": "env"}, headers, "testSecret")
    assert "\nKeyPairName=my%20key%2A~&RegionId=cn-hangzhou&Tag.1.Key=env\n" in creq
    assert sig == "cd1c23f1687eaa2bafeaff1c1c4c6abe3fc4db95d64b1ca20c502629eca81d26"
