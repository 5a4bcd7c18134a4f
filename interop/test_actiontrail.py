"""ActionTrail 2020-07-06 LookupEvents (the Tea alibabacloud-actiontrail20200706 client and the V1 aliyunsdkactiontrail
class): every API call, allowed or refused, is an event with ActionTrail's documented lowerCamel fields (eventName,
eventTime, userIdentity{type,userName,accessKeyId,accountId,principalId}, sourceIpAddress, requestId, errorCode,
resourceName, …); LookupAttribute filters (Key EventName / User / ResourceName / EventAccessKeyId — one per query),
MaxResults + NextToken paging, Direction. Events of credential changes never carry the secret, password or private
key, and no AccessKey or STS secret reaches the data directory."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import List

import pytest

import access_helpers as ah
import instance_helpers as ih
import kwhelpers as kw
from access_helpers import ACCOUNT_ID

TRAIL_KINDS = ("tea-v3", "v1")

# Every secret this module makes on the session server: scanned for in its data dir by the last test.
SESSION_SECRETS: List[str] = []


def window():
    return ah.utc(-300), ah.utc(300)


def lookup(server, kind="tea-v3", attr=None, max_results=None, next_token=None, direction=None, start=None,
           end=None) -> dict:
    s, e = window()
    params = dict(StartTime=start or s, EndTime=end or e, NextToken=next_token, Direction=direction,
                  MaxResults=None if max_results is None else str(max_results))
    attrs = [{"Key": attr[0], "Value": attr[1]}] if attr else None
    if kind == "v1":
        return ah.v1_trail(server).LookupEvents(LookupAttributes=attrs, **params)
    return ah.tea_trail(server).LookupEvents(LookupAttribute=attrs, **params)


def all_events(server, attr=None, kind="tea-v3", page=50, direction=None) -> List[dict]:
    out, token = [], None
    for _ in range(10000):
        r = lookup(server, kind, attr, max_results=page, next_token=token, direction=direction)
        evs = r.get("Events") or []
        assert len(evs) <= page
        out.extend(evs)
        token = r.get("NextToken")
        if not token:
            return out
    raise AssertionError("LookupEvents never stopped")


def wait_event(server, attr, request_id, kind="tea-v3", limit=15.0) -> dict:
    deadline = time.monotonic() + limit
    seen = []
    while time.monotonic() < deadline:
        seen = all_events(server, attr, kind)
        for ev in seen:
            if ev.get("requestId") == request_id:
                return ev
        time.sleep(0.25)
    raise AssertionError(f"no event with requestId {request_id} for {attr} within {limit}s; got "
                         f"{[(e.get('eventName'), e.get('requestId')) for e in seen][:20]}")


def strings_in(obj) -> List[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in [str(k)] + strings_in(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings_in(v)]
    return [str(obj)]


def assert_no_secret(events, secrets):
    dumped = json.dumps(events, ensure_ascii=False)
    texts = strings_in(events)
    for sec in secrets:
        assert sec not in dumped, f"a secret ({sec[:6]}…) is in an event"
        assert not any(sec in t for t in texts), f"a secret ({sec[:6]}…) is in an event"


def pem_fragments(pem: str) -> List[str]:
    """The private key's base64 body, in whole and line by line (lines long enough to be unique).

    Lines that also occur in the public key's own encodings are left out: an RSA private key carries the public
    modulus, so a line of it can match the stored public key byte for byte."""
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    public = key.public_key()
    public_texts = [
        public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode(),
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode().replace("\n", ""),
    ]
    lines = [ln for ln in pem.strip().splitlines() if not ln.startswith("-----")]
    fragments = ["".join(lines)] + [ln for ln in lines if len(ln) >= 40]
    return [f for f in fragments if not any(f in text for text in public_texts)]


# ---------------------------------------------------------------------------------------------
# Events of a RAM user's calls
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", TRAIL_KINDS)
def test_events_of_allowed_and_denied_calls(live_server, kind):
    srv = live_server
    user, ak, secret = ah.new_ram_user(srv, [ah.policy_doc(ah.allow(["ecs:CreateKeyPair", "ecs:DescribeKeyPairs"]))])
    SESSION_SECRETS.append(secret)
    ecs = ah.ecs_client("tea-v3", srv, ak, secret)
    key_name = kw.uniq("trail")
    created = ecs.create_key_pair(key_name)
    SESSION_SECRETS.extend(pem_fragments(created["PrivateKeyBody"]))
    create_rid = created["RequestId"]
    with pytest.raises(kw.ApiError) as ei:
        ecs.delete_key_pairs(json.dumps([key_name]))
    assert ei.value.code == "Forbidden.RAM"
    denied_rid = ei.value.request_id
    attach_rid = ah.tea_ram(srv).AttachPolicyToUser(PolicyType="System", PolicyName="AliyunECSReadOnlyAccess",
                                                    UserName=user)["RequestId"]

    ev = wait_event(srv, ("EventName", "CreateKeyPair"), create_rid, kind)
    assert ev["eventName"] == "CreateKeyPair"
    ident = ev["userIdentity"]
    assert ident["userName"] == user
    assert ident["accessKeyId"] == ak
    assert ident["accountId"] == ACCOUNT_ID
    assert ident["type"] == "ram-user"
    assert ident["principalId"] == ah.tea_ram(srv).GetUser(UserName=user)["User"]["UserId"]
    assert ev["sourceIpAddress"] == "127.0.0.1"
    assert ev["requestId"] == create_rid
    t = ah.parse_utc(ev["eventTime"])
    assert abs(t.timestamp() - time.time()) < 300
    assert key_name in str(ev.get("resourceName", "")), ev
    assert not ev.get("errorCode"), ev
    assert ev.get("serviceName", "Ecs") == "Ecs"
    assert ev.get("eventRW", "Write") == "Write"

    dev = wait_event(srv, ("EventName", "DeleteKeyPairs"), denied_rid, kind)
    assert dev["errorCode"] == "Forbidden.RAM"
    assert dev["userIdentity"]["userName"] == user and dev["sourceIpAddress"] == "127.0.0.1"

    aev = wait_event(srv, ("EventName", "AttachPolicyToUser"), attach_rid, kind)
    assert aev["userIdentity"]["accountId"] == ACCOUNT_ID
    assert aev["userIdentity"].get("accessKeyId") == srv.ak
    assert not aev.get("errorCode")

    # Filter by user: only that user's events, including both key-pair calls.
    by_user = all_events(srv, ("User", user), kind)
    assert by_user and all(e["userIdentity"].get("userName") == user for e in by_user)
    assert {create_rid, denied_rid} <= {e["requestId"] for e in by_user}
    assert attach_rid not in {e["requestId"] for e in by_user}

    # Filter by resource name: the key pair's events.
    by_res = all_events(srv, ("ResourceName", key_name), kind)
    assert create_rid in {e["requestId"] for e in by_res}
    assert all(key_name in str(e.get("resourceName", "")) for e in by_res)

    # Filter by AccessKey id.
    by_key = all_events(srv, ("EventAccessKeyId", ak), kind)
    assert {create_rid, denied_rid} <= {e["requestId"] for e in by_key}
    assert all(e["userIdentity"]["accessKeyId"] == ak for e in by_key)

    # Filter by event name: only that name.
    assert all(e["eventName"] == "DeleteKeyPairs" for e in all_events(srv, ("EventName", "DeleteKeyPairs"), kind))


def test_event_response_shape(live_server):
    r = lookup(live_server, "tea-v3", ("EventName", "CreateUser"), max_results=5)
    assert r["RequestId"] and isinstance(r.get("Events", []), list)
    assert r.get("StartTime") and r.get("EndTime")


def test_events_of_a_role_session(live_server):
    srv = live_server
    creds, role, session = ah.role_session(srv, ["AliyunECSFullAccess"])
    SESSION_SECRETS.append(creds["AccessKeySecret"])
    ecs = ah.ecs_client("tea-v3", srv, creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    rid = ecs.describe_key_pairs()["RequestId"]
    ev = wait_event(srv, ("EventAccessKeyId", creds["AccessKeyId"]), rid)
    assert ev["eventName"] == "DescribeKeyPairs"
    assert ev["userIdentity"]["type"] == "assumed-role"
    assert ev["userIdentity"]["accessKeyId"] == creds["AccessKeyId"]
    assert session in ev["userIdentity"].get("userName", "") or session in ev["userIdentity"].get("principalId", "")
    assert ev.get("eventRW", "Read") == "Read"
    assert_no_secret([ev], [creds["AccessKeySecret"], creds["SecurityToken"]])


@pytest.mark.parametrize("kind", TRAIL_KINDS)
def test_paging_returns_every_event_once(live_server, kind):
    srv = live_server
    user, ak, secret = ah.new_ram_user(srv, ["AliyunECSFullAccess"])
    SESSION_SECRETS.append(secret)
    ecs = ah.ecs_client("tea-v3", srv, ak, secret)
    rids = []
    for i in range(7):
        r = ecs.create_key_pair(kw.uniq("page"))
        SESSION_SECRETS.extend(pem_fragments(r["PrivateKeyBody"]))
        rids.append(r["RequestId"])
    wait_event(srv, ("User", user), rids[-1], kind)
    whole = all_events(srv, ("User", user), kind, page=50)
    paged, token, pages = [], None, 0
    while True:
        r = lookup(srv, kind, ("User", user), max_results=3, next_token=token)
        evs = r.get("Events") or []
        assert len(evs) <= 3
        paged.extend(evs)
        pages += 1
        token = r.get("NextToken")
        if not token:
            break
        assert pages < 100
    assert pages >= 3
    ids = [e.get("eventId") or e["requestId"] for e in paged]
    assert len(ids) == len(set(ids)), "an event came twice"
    assert {e["requestId"] for e in paged} == {e["requestId"] for e in whole}
    assert set(rids) <= {e["requestId"] for e in paged}


def test_direction(live_server):
    srv = live_server
    user, ak, secret = ah.new_ram_user(srv, ["AliyunECSFullAccess"])
    SESSION_SECRETS.append(secret)
    ecs = ah.ecs_client("tea-v3", srv, ak, secret)
    rids = []
    for _ in range(3):
        rids.append(ecs.describe_key_pairs()["RequestId"])
        time.sleep(1.1)
    wait_event(srv, ("User", user), rids[-1])
    backward = all_events(srv, ("User", user))  # the default: newest first
    forward = all_events(srv, ("User", user), direction="FORWARD")
    bt = [ah.parse_utc(e["eventTime"]) for e in backward]
    ft = [ah.parse_utc(e["eventTime"]) for e in forward]
    assert bt == sorted(bt, reverse=True)
    assert ft == sorted(ft)
    order = [e["requestId"] for e in forward if e["requestId"] in rids]
    assert order == rids


def test_time_window(live_server):
    srv = live_server
    user, ak, secret = ah.new_ram_user(srv, ["AliyunECSReadOnlyAccess"])
    SESSION_SECRETS.append(secret)
    rid = ah.ecs_client("tea-v3", srv, ak, secret).describe_key_pairs()["RequestId"]
    wait_event(srv, ("User", user), rid)
    past = lookup(srv, "tea-v3", ("User", user), start=ah.utc(-7200), end=ah.utc(-3600))
    assert rid not in {e["requestId"] for e in past.get("Events") or []}
    with pytest.raises(kw.ApiError) as ei:
        lookup(srv, "tea-v3", ("User", user), start=ah.utc(60), end=ah.utc(-60))
    assert ei.value.status == 400 and ei.value.code == "InvalidParameterCombination", str(ei.value)


# ---------------------------------------------------------------------------------------------
# Credential changes: events carry no secret; the data dir holds none
# ---------------------------------------------------------------------------------------------

CREDENTIAL_EVENTS = ("CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey", "AttachPolicyToUser", "CreateKeyPair",
                     "DeleteKeyPairs", "ImportKeyPair", "AttachKeyPair", "ModifyInstanceAttribute",
                     "CreateLoginProfile", "UpdateLoginProfile", "AssumeRole")


def credential_story(srv):
    """Every kind of credential change, by a RAM user and by root. Returns ({event name: request id}, secrets,
    AccessKey/STS secrets)."""
    ram = ah.tea_ram(srv)
    user, ak, secret = ah.new_ram_user(srv, ["AliyunECSFullAccess", "AliyunRAMFullAccess"])
    me_ram = ah.tea_ram(srv, ak, secret)
    me_ecs = ah.ecs_client("tea-v3", srv, ak, secret)
    rids, secrets, key_secrets = {}, [], [secret]

    k = me_ram.CreateAccessKey()
    rids["CreateAccessKey"] = k["RequestId"]
    key_secrets.append(k["AccessKey"]["AccessKeySecret"])
    rids["UpdateAccessKey"] = ram.UpdateAccessKey(UserName=user, UserAccessKeyId=k["AccessKey"]["AccessKeyId"],
                                                  Status="Inactive")["RequestId"]
    rids["DeleteAccessKey"] = ram.DeleteAccessKey(UserName=user,
                                                  UserAccessKeyId=k["AccessKey"]["AccessKeyId"])["RequestId"]
    rids["AttachPolicyToUser"] = ram.AttachPolicyToUser(PolicyType="System", PolicyName="AliyunSTSAssumeRoleAccess",
                                                        UserName=user)["RequestId"]

    kp = me_ecs.create_key_pair(kw.uniq("cred"))
    rids["CreateKeyPair"] = kp["RequestId"]
    secrets.extend(pem_fragments(kp["PrivateKeyBody"]))
    rids["DeleteKeyPairs"] = me_ecs.delete_key_pairs(json.dumps([kp["KeyPairName"]]))["RequestId"]
    imported = kw.uniq("credimp")
    rids["ImportKeyPair"] = me_ecs.import_key_pair(imported, kw.gen_ed25519_openssh())["RequestId"]
    iid = ah.root_instance(srv)
    rids["AttachKeyPair"] = me_ecs.attach_key_pair(imported, [iid])["RequestId"]
    pw = ih.strong_password()
    secrets.append(pw)
    rids["ModifyInstanceAttribute"] = me_ecs.modify_instance_attribute(iid, password=pw)["RequestId"]

    login_pw = f"Kw-Login-{kw.token(8)}!7B"
    login_pw2 = f"Kw-Login-{kw.token(8)}!8C"
    secrets += [login_pw, login_pw2]
    rids["CreateLoginProfile"] = ram.CreateLoginProfile(UserName=user, Password=login_pw)["RequestId"]
    rids["UpdateLoginProfile"] = ram.UpdateLoginProfile(UserName=user, Password=login_pw2)["RequestId"]

    role, arn = ah.new_role(srv, ["AliyunECSReadOnlyAccess"])
    a = ah.assume_role(srv, ak, secret, arn)
    rids["AssumeRole"] = a["RequestId"]
    key_secrets.append(a["Credentials"]["AccessKeySecret"])
    secrets.append(a["Credentials"]["SecurityToken"])
    ah.ecs_client("tea-v3", srv, a["Credentials"]["AccessKeyId"], a["Credentials"]["AccessKeySecret"],
                  a["Credentials"]["SecurityToken"]).describe_key_pairs()
    return rids, secrets + key_secrets, key_secrets


def test_credential_events_carry_no_secret(live_server):
    srv = live_server
    rids, secrets, key_secrets = credential_story(srv)
    SESSION_SECRETS.extend(key_secrets)
    found = []
    for event_name, rid in rids.items():
        ev = wait_event(srv, ("EventName", event_name), rid)
        assert ev["eventName"] == event_name
        found.append(ev)
        assert_no_secret(all_events(srv, ("EventName", event_name)), secrets)
    assert_no_secret(found, secrets)


def scan_data_dir(srv, secrets: List[str]):
    files = [p for p in Path(srv.data_dir).rglob("*") if p.is_file()]
    assert files and any(p.stat().st_size > 0 for p in files if p != srv.log_path), "no database written?"
    for p in files:
        data = p.read_bytes()
        for sec in secrets:
            raw = sec.encode()
            for form in (raw, base64.b64encode(raw), raw.hex().encode(), raw.hex().upper().encode()):
                assert form not in data, f"a secret ({sec[:6]}…) is in {p}"


def test_no_secret_reaches_the_data_dir(fresh_server_factory):
    srv = fresh_server_factory()
    rids, secrets, key_secrets = credential_story(srv)
    scan_data_dir(srv, key_secrets)       # while running (WAL not yet checkpointed) ...
    assert srv.stop() == 0
    scan_data_dir(srv, key_secrets)       # ... and after a clean stop
    for sec in key_secrets:
        assert sec not in srv.log_text()


def test_zz_session_server_data_dir_holds_no_secret(live_server):
    """Runs last in this module: every AccessKey and STS secret made above is absent from the session server's files."""
    srv = live_server
    key_only = [s for s in SESSION_SECRETS if len(s) < 200 and "\n" not in s]
    assert key_only, "the tests above made no secrets?"
    scan_data_dir(srv, key_only)
    assert srv.stop() == 0
    try:
        scan_data_dir(srv, key_only)
    finally:
        srv.start()
