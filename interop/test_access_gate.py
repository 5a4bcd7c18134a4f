"""The door on ECS: every ECS action of a RAM user is authorised by RAM policies (reference alibaba-ram-sts-rd.md §6,
§7, §10). A refusal is HTTP 403 `Forbidden.RAM` with an AccessDeniedDetail (Tea: the SDK's own
`access_denied_detail`; V1: the error body) and changes nothing. Through the V1 ECS SDK (booleans sent as
`true`/`false`) and the Tea ECS SDK in ACS3 and v2 modes (booleans sent as `True`/`False`)."""
from __future__ import annotations

import json

import pytest

import access_helpers as ah
import instance_helpers as ih
import kwhelpers as kw
from access_helpers import ACCOUNT_ID, expect_error, expect_forbidden

ECS_KINDS = ah.ECS_KINDS  # ("v1", "tea-v3", "tea-v2")


@pytest.fixture(params=ECS_KINDS)
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def pw_image(server):
    """An image with a preset root password (root: RunInstances with Password, StopInstance, CreateImage)."""
    if not server.running:
        server.start()
    return ah.password_image(server)


def root(server):
    return ah.root_ecs(server)


def instance_total(server) -> int:
    return int(root(server).describe_instances(page_size=1)["TotalCount"])


def root_key_pair(server, key_name=None) -> str:
    key_name = key_name or kw.uniq("rootkp")
    root(server).import_key_pair(key_name, kw.gen_ed25519_openssh())
    return key_name


def user_ecs(server, kind, policies):
    _, ak, secret = ah.new_ram_user(server, policies)
    return ah.ecs_client(kind, server, ak, secret)


# ---------------------------------------------------------------------------------------------
# No policy: every ECS action is refused, and nothing changes
# ---------------------------------------------------------------------------------------------

def test_user_without_policy_is_refused_everything(live_server, kind):
    srv = live_server
    ecs = user_ecs(srv, kind, [])
    existing = root_key_pair(srv)
    iid = ah.root_instance(srv)
    new_name = kw.uniq("denied")
    before = instance_total(srv)
    details = {}

    calls = {
        "CreateKeyPair": lambda: ecs.create_key_pair(new_name),
        "ImportKeyPair": lambda: ecs.import_key_pair(new_name, kw.gen_ed25519_openssh()),
        "DescribeKeyPairs": lambda: ecs.describe_key_pairs(),
        "DeleteKeyPairs": lambda: ecs.delete_key_pairs(json.dumps([existing])),
        "RunInstances": lambda: ecs.run_instances(image_id=ah.LINUX_IMAGE, instance_type=ah.INSTANCE_TYPE),
        "CreateInstance": lambda: ecs.create_instance(image_id=ah.LINUX_IMAGE, instance_type=ah.INSTANCE_TYPE),
        "DescribeInstances": lambda: ecs.describe_instances(),
        "StopInstance": lambda: ecs.stop_instance(iid),
        "DeleteInstance": lambda: ecs.delete_instance(iid, force=True if kind != "v1" else "true"),
        "ModifyInstanceAttribute": lambda: ecs.modify_instance_attribute(iid, name="renamed-by-denied"),
        "AttachKeyPair": lambda: ecs.attach_key_pair(existing, [iid]),
    }
    for action, call in calls.items():
        e = expect_forbidden(call, action=f"ecs:{action}", deny_type="ImplicitDeny", principal_type="SubUser",
                             owner=ACCOUNT_ID)
        details[action] = ah.denied_detail(e)

    r = root(srv)
    assert kw.names_of(r.describe_key_pairs(name=new_name)) == []
    assert kw.names_of(r.describe_key_pairs(name=existing)) == [existing]
    assert instance_total(srv) == before
    inst = ih.describe_one(r, iid)
    assert inst["Status"] == "Running" and inst.get("InstanceName") != "renamed-by-denied"
    assert ih.key_pair_instance_ids(kw.key_pairs(r.describe_key_pairs(name=existing))[0]) == []
    cleanup(srv, [iid])


def test_denial_body_shape_tea(live_server):
    """Tea keeps the whole error object: Code, Message, RequestId, Recommend and AccessDeniedDetail."""
    ecs = user_ecs(live_server, "tea-v3", [])
    e = expect_forbidden(ecs.describe_key_pairs, action="ecs:DescribeKeyPairs")
    data = e.data
    for f in ("Code", "Message", "RequestId", "Recommend", "AccessDeniedDetail"):
        assert data.get(f), (f, data)
    assert data["RequestId"] == e.request_id
    assert e.access_denied_detail == data["AccessDeniedDetail"]


# ---------------------------------------------------------------------------------------------
# System policies on a user
# ---------------------------------------------------------------------------------------------

def test_read_only_user(live_server, kind):
    ecs = user_ecs(live_server, kind, ["AliyunECSReadOnlyAccess"])
    ecs.describe_key_pairs()
    ecs.describe_instances()
    ecs.describe_images()
    name = kw.uniq("ro")
    expect_forbidden(ecs.create_key_pair, name, action="ecs:CreateKeyPair", deny_type="ImplicitDeny",
                     principal_type="SubUser")
    before = instance_total(live_server)
    expect_forbidden(ecs.run_instances, image_id=ah.LINUX_IMAGE, instance_type=ah.INSTANCE_TYPE,
                     action="ecs:RunInstances", deny_type="ImplicitDeny")
    assert instance_total(live_server) == before
    assert kw.names_of(root(live_server).describe_key_pairs(name=name)) == []


def test_full_access_user(live_server, kind):
    ecs = user_ecs(live_server, kind, ["AliyunECSFullAccess"])
    name = kw.uniq("full")
    ecs.create_key_pair(name)
    assert kw.names_of(ecs.describe_key_pairs(name=name)) == [name]
    ecs.delete_key_pairs(json.dumps([name]))
    assert kw.names_of(root(live_server).describe_key_pairs(name=name)) == []


def test_administrator_access_user(live_server, kind):
    ecs = user_ecs(live_server, kind, ["AdministratorAccess"])
    name = kw.uniq("admin")
    ecs.create_key_pair(name)
    ecs.delete_key_pairs(json.dumps([name]))


def test_explicit_deny_beats_allow(live_server, kind):
    ecs = user_ecs(live_server, kind, ["AliyunECSFullAccess", ah.policy_doc(ah.deny("ecs:CreateKeyPair"))])
    name = kw.uniq("xd")
    expect_forbidden(ecs.create_key_pair, name, action="ecs:CreateKeyPair", deny_type="ExplicitDeny",
                     policy_type="AccountLevelIdentityBasedPolicy")
    ecs.describe_key_pairs()
    assert kw.names_of(root(live_server).describe_key_pairs(name=name)) == []


def test_not_action(live_server, kind):
    ecs = user_ecs(live_server, kind, [ah.policy_doc({"Effect": "Allow", "NotAction": "ecs:CreateKeyPair",
                                                      "Resource": "*"})])
    ecs.describe_key_pairs()
    expect_forbidden(ecs.create_key_pair, kw.uniq("na"), action="ecs:CreateKeyPair", deny_type="ImplicitDeny")


def test_root_is_never_refused(live_server, kind):
    r = ah.ecs_client(kind, live_server)
    name = kw.uniq("root")
    r.create_key_pair(name)
    r.describe_key_pairs(name=name)
    r.delete_key_pairs(json.dumps([name]))


# ---------------------------------------------------------------------------------------------
# Resource-scoped policy: only dev-* key pairs
# ---------------------------------------------------------------------------------------------

DEV_ONLY = ah.policy_doc(ah.allow(["ecs:DeleteKeyPairs", "ecs:DescribeKeyPairs"], "acs:ecs:*:*:keypair/dev-*"))


def test_resource_scoped_key_pairs(live_server, kind):
    srv = live_server
    t = kw.token(6)
    dev = [root_key_pair(srv, f"dev-{t}-{i}") for i in range(3)]
    prod = [root_key_pair(srv, f"prod-{t}-{i}") for i in range(3)]
    ecs = user_ecs(srv, kind, [DEV_ONLY])

    ecs.delete_key_pairs(json.dumps([dev[0]]))
    assert not ah.key_pair_exists(srv, dev[0])
    e = expect_forbidden(ecs.delete_key_pairs, json.dumps([prod[0]]), action="ecs:DeleteKeyPairs",
                         deny_type="ImplicitDeny")
    assert ah.key_pair_exists(srv, prod[0])
    del e

    # Listing: only dev-* names, and TotalCount counts only what the caller may see.
    seen, page = [], 1
    while True:
        r = ecs.describe_key_pairs(page_number=page, page_size=50)
        names = kw.names_of(r)
        seen.extend(names)
        if len(names) < 50:
            break
        page += 1
    assert seen, "the caller may see dev-* key pairs"
    assert all(n.startswith("dev-") for n in seen), [n for n in seen if not n.startswith("dev-")]
    assert set(dev[1:]) <= set(seen)
    assert int(r["TotalCount"]) == len(seen)
    for p in prod:
        assert p not in seen

    # Asking for a prod name by name: never shown (an empty list or a refusal).
    try:
        assert kw.names_of(ecs.describe_key_pairs(name=prod[1])) == []
    except kw.ApiError as err:
        assert err.code == "Forbidden.RAM" and err.status == 403, str(err)

    # Creating is not granted by the policy at all.
    expect_forbidden(ecs.create_key_pair, f"dev-{t}-new", action="ecs:CreateKeyPair")
    assert not ah.key_pair_exists(srv, f"dev-{t}-new")


TAGGED_DEV = ah.policy_doc(ah.allow(["ecs:DeleteKeyPairs", "ecs:DescribeKeyPairs", "ecs:TagResources"], "*",
                                    {"StringEquals": {"acs:ResourceTag/env": "dev"}}))


def test_tag_conditions_on_key_pairs(live_server, kind):
    """`acs:ResourceTag/<key>` is the key pair's own tag, read from the stored row: a user allowed on env=dev key pairs
    deletes, tags and sees only those."""
    srv = live_server
    t = kw.token(6)
    dev, prod = root_key_pair(srv, f"tdev-{t}"), root_key_pair(srv, f"tprod-{t}")
    root(srv).tag_resources([dev], [("env", "dev")])
    root(srv).tag_resources([prod], [("env", "prod")])
    ecs = user_ecs(srv, kind, [TAGGED_DEV])

    seen = kw.names_of(ecs.describe_key_pairs(name=f"t*-{t}"))
    assert seen == [dev]
    ecs.tag_resources([dev], [("owner", "alice")])
    expect_forbidden(ecs.tag_resources, [prod], [("owner", "alice")], action="ecs:TagResources", deny_type="ImplicitDeny")
    expect_forbidden(ecs.delete_key_pairs, json.dumps([prod]), action="ecs:DeleteKeyPairs", deny_type="ImplicitDeny")
    assert ah.key_pair_exists(srv, prod)
    ecs.delete_key_pairs(json.dumps([dev]))
    assert not ah.key_pair_exists(srv, dev)


# ---------------------------------------------------------------------------------------------
# The seed policy: no launch or system-disk replacement that inherits the image's password
# ---------------------------------------------------------------------------------------------

SEED_ACTIONS = ("RunInstances", "CreateInstance", "ReplaceSystemDisk")


def seed_call(ecs, action, image_id, inherit, instance_id=None):
    if action == "RunInstances":
        return ecs.run_instances(image_id=image_id, instance_type=ah.INSTANCE_TYPE, password_inherit=inherit)
    if action == "CreateInstance":
        return ecs.create_instance(image_id=image_id, instance_type=ah.INSTANCE_TYPE, password_inherit=inherit)
    return ecs.replace_system_disk(instance_id, image_id=image_id, password_inherit=inherit)


def created_ids(action, reply):
    if action == "RunInstances":
        return ih.instance_ids_of(reply)
    if action == "CreateInstance":
        return [reply["InstanceId"]]
    return []


def cleanup(server, ids):
    r = root(server)
    for iid in ids:
        try:
            r.delete_instance(iid, force=True)
        except kw.ApiError:
            pass


@pytest.mark.parametrize("action", SEED_ACTIONS)
def test_seed_policy_denies_password_inherit(live_server, pw_image, kind, action):
    srv = live_server
    ecs = user_ecs(srv, kind, ["AliyunECSFullAccess", ah.SEED_POLICY])
    made = []
    target = ah.root_instance(srv, stopped=True) if action == "ReplaceSystemDisk" else None
    if target:
        made.append(target)
    try:
        before = instance_total(srv)
        expect_forbidden(seed_call, ecs, action, pw_image, ah.sdk_bool(kind, True), target,
                         action=f"ecs:{action}", deny_type="ExplicitDeny", principal_type="SubUser")
        assert instance_total(srv) == before
        if target:
            inst = ih.describe_one(root(srv), target)
            assert inst["ImageId"] == ah.LINUX_IMAGE and inst["Status"] == "Stopped", inst

        for inherit in (ah.sdk_bool(kind, False), None):
            if action == "ReplaceSystemDisk":
                target = ah.root_instance(srv, stopped=True)
                made.append(target)
            reply = seed_call(ecs, action, pw_image, inherit, target)
            made.extend(created_ids(action, reply))
            if target:
                assert ih.describe_one(root(srv), target)["ImageId"] == pw_image
        assert len(made) == (3 if action == "ReplaceSystemDisk" else 2)
    finally:
        cleanup(srv, made)


@pytest.mark.parametrize("action", SEED_ACTIONS)
def test_password_inherit_allowed_without_the_seed(live_server, pw_image, kind, action):
    """Control: with AliyunECSFullAccess alone, PasswordInherit=true with an image that has a preset password works."""
    srv = live_server
    ecs = user_ecs(srv, kind, ["AliyunECSFullAccess"])
    target = ah.root_instance(srv, stopped=True) if action == "ReplaceSystemDisk" else None
    made = [target] if target else []
    try:
        reply = seed_call(ecs, action, pw_image, ah.sdk_bool(kind, True), target)
        made.extend(created_ids(action, reply))
        if target:
            assert ih.describe_one(root(srv), target)["ImageId"] == pw_image
        else:
            assert len(made) == 1
    finally:
        cleanup(srv, made)


def test_seed_policy_leaves_other_actions_alone(live_server, kind):
    ecs = user_ecs(live_server, kind, ["AliyunECSFullAccess", ah.SEED_POLICY])
    name = kw.uniq("seedok")
    ecs.create_key_pair(name)
    ecs.delete_key_pairs(json.dumps([name]))
    ecs.describe_instances()


# ---------------------------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------------------------

FUTURE = "2099-01-01T00:00:00Z"
PAST = "2020-01-01T00:00:00Z"

CONDITIONS = [
    ("ip-exact", {"IpAddress": {"acs:SourceIp": "127.0.0.1"}}, True),
    ("ip-cidr-list", {"IpAddress": {"acs:SourceIp": ["192.0.2.0/24", "127.0.0.0/8"]}}, True),
    ("ip-other-net", {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}, False),
    ("not-ip-other", {"NotIpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}, True),
    ("not-ip-self", {"NotIpAddress": {"acs:SourceIp": ["127.0.0.1"]}}, False),
    ("after-past", {"DateGreaterThan": {"acs:CurrentTime": PAST}}, True),
    ("after-future", {"DateGreaterThan": {"acs:CurrentTime": FUTURE}}, False),
    ("before-future", {"DateLessThan": {"acs:CurrentTime": FUTURE}}, True),
    ("before-past", {"DateLessThan": {"acs:CurrentTime": PAST}}, False),
    ("plain-http", {"Bool": {"acs:SecureTransport": "false"}}, True),
    ("https-only", {"Bool": {"acs:SecureTransport": "true"}}, False),
    ("and-both-hold", {"IpAddress": {"acs:SourceIp": "127.0.0.1"}, "Bool": {"acs:SecureTransport": "false"}}, True),
    ("and-one-fails", {"IpAddress": {"acs:SourceIp": "127.0.0.1"}, "Bool": {"acs:SecureTransport": "true"}}, False),
    ("or-of-values", {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "127.0.0.1"]}}, True),
]


@pytest.mark.parametrize("label,condition,allowed", CONDITIONS, ids=[c[0] for c in CONDITIONS])
@pytest.mark.parametrize("cond_kind", ["v1", "tea-v3"])
def test_allow_condition(live_server, cond_kind, label, condition, allowed):
    ecs = user_ecs(live_server, cond_kind, [ah.policy_doc(ah.allow("ecs:DescribeKeyPairs", "*", condition))])
    if allowed:
        ecs.describe_key_pairs()
    else:
        expect_forbidden(ecs.describe_key_pairs, action="ecs:DescribeKeyPairs", deny_type="ImplicitDeny")


@pytest.mark.parametrize("cond_kind", ["v1", "tea-v3"])
def test_deny_condition_from_this_address(live_server, cond_kind):
    """A Deny whose condition holds refuses explicitly; one whose condition does not hold is ignored."""
    here = ah.policy_doc(ah.deny("ecs:CreateKeyPair", "*", {"IpAddress": {"acs:SourceIp": "127.0.0.1"}}))
    ecs = user_ecs(live_server, cond_kind, ["AliyunECSFullAccess", here])
    expect_forbidden(ecs.create_key_pair, kw.uniq("dc"), action="ecs:CreateKeyPair", deny_type="ExplicitDeny")
    elsewhere = ah.policy_doc(ah.deny("ecs:CreateKeyPair", "*", {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    ecs = user_ecs(live_server, cond_kind, ["AliyunECSFullAccess", elsewhere])
    name = kw.uniq("dc")
    ecs.create_key_pair(name)
    ecs.delete_key_pairs(json.dumps([name]))


# ---------------------------------------------------------------------------------------------
# Groups, detaching, inactive keys: effective at once
# ---------------------------------------------------------------------------------------------

def test_group_policy_grants_and_leaving_revokes_at_once(live_server, kind):
    srv = live_server
    ram = ah.tea_ram(srv)
    group = ah.new_group(srv, ["AliyunECSReadOnlyAccess"])
    user, ak, secret = ah.new_ram_user(srv, groups=[group])
    ecs = ah.ecs_client(kind, srv, ak, secret)
    ecs.describe_key_pairs()
    ram.RemoveUserFromGroup(GroupName=group, UserName=user)
    expect_forbidden(ecs.describe_key_pairs, action="ecs:DescribeKeyPairs", deny_type="ImplicitDeny")
    ram.AddUserToGroup(GroupName=group, UserName=user)
    ecs.describe_key_pairs()
    ram.DetachPolicyFromGroup(PolicyType="System", PolicyName="AliyunECSReadOnlyAccess", GroupName=group)
    expect_forbidden(ecs.describe_key_pairs, action="ecs:DescribeKeyPairs")


def test_group_deny_applies_to_members(live_server, kind):
    srv = live_server
    group = ah.new_group(srv, [ah.policy_doc(ah.deny("ecs:CreateKeyPair"))])
    _, ak, secret = ah.new_ram_user(srv, ["AliyunECSFullAccess"], groups=[group])
    ecs = ah.ecs_client(kind, srv, ak, secret)
    expect_forbidden(ecs.create_key_pair, kw.uniq("gd"), action="ecs:CreateKeyPair", deny_type="ExplicitDeny")
    ecs.describe_key_pairs()


def test_detach_from_user_revokes_at_once(live_server, kind):
    srv = live_server
    user, ak, secret = ah.new_ram_user(srv, ["AliyunECSReadOnlyAccess"])
    ecs = ah.ecs_client(kind, srv, ak, secret)
    ecs.describe_instances()
    ah.tea_ram(srv).DetachPolicyFromUser(PolicyType="System", PolicyName="AliyunECSReadOnlyAccess", UserName=user)
    expect_forbidden(ecs.describe_instances, action="ecs:DescribeInstances")


def test_inactive_key_is_refused_before_policies(live_server, kind):
    srv = live_server
    user, ak, secret = ah.new_ram_user(srv, ["AliyunECSFullAccess"])
    ecs = ah.ecs_client(kind, srv, ak, secret)
    ecs.describe_key_pairs()
    ah.tea_ram(srv).UpdateAccessKey(UserName=user, UserAccessKeyId=ak, Status="Inactive")
    name = kw.uniq("inact")
    expect_error(ecs.create_key_pair, "InvalidAccessKeyId.Inactive", 400, name)
    assert not ah.key_pair_exists(srv, name)


def test_deleted_user_key_is_refused(live_server, kind):
    srv = live_server
    ram = ah.tea_ram(srv)
    user, ak, secret = ah.new_ram_user(srv, ["AliyunECSFullAccess"])
    ecs = ah.ecs_client(kind, srv, ak, secret)
    ecs.describe_key_pairs()
    ram.DeleteAccessKey(UserName=user, UserAccessKeyId=ak)
    ram.DetachPolicyFromUser(PolicyType="System", PolicyName="AliyunECSFullAccess", UserName=user)
    ram.DeleteUser(UserName=user)
    expect_error(ecs.describe_key_pairs, "InvalidAccessKeyId.NotFound", 404)
