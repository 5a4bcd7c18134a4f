"""RAM 2015-05-01 through both SDK generations (aliyun-python-sdk-ram request classes, alibabacloud-ram20150501 models):
users, groups, roles, AccessKeys, policies and their versions, attachments, system policies, the account alias and
login profiles. Codes and statuses as documented (reference alibaba-ram-sts-rd.md §2–§5, §10); every refused call
leaves nothing behind."""
from __future__ import annotations

import json

import pytest

import access_helpers as ah
import instance_helpers as ih
import kwhelpers as kw
from access_helpers import ACCOUNT_ID, expect_error

KINDS = ah.RAM_KINDS  # ("v1", "tea-v3")


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def ram(kind, live_server):
    return ah.ram_client(kind, live_server)


def raw(client, resp):
    """The body as it came over the wire (the Tea model drops fields it does not know)."""
    return client.last_raw if isinstance(client, ah.TeaProduct) else resp


def all_users(ram) -> list:
    out, marker = [], None
    for _ in range(1000):
        r = ram.ListUsers(Marker=marker, MaxItems=100)
        out.extend(u["UserName"] for u in ah.users_of(r))
        if not ih.is_true(r.get("IsTruncated")):
            return out
        marker = r["Marker"]
    raise AssertionError("ListUsers never stopped")


def doc_of_length(n: int) -> str:
    """A valid policy document of exactly n characters (compact JSON, padded in the Resource)."""
    def make(pad):
        return ah.policy_doc(ah.allow("ecs:DescribeKeyPairs", "acs:ecs:*:*:keypair/" + "a" * pad))
    base = len(make(0))
    assert n >= base
    text = make(n - base)
    assert len(text) == n
    return text


def same_json(a: str, b: str) -> bool:
    return json.loads(a) == json.loads(b)


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------

def test_user_create_get_update_delete(ram):
    user = ah.name("u")
    r = ram.CreateUser(UserName=user, DisplayName="Dev One", Comments="made by interop", Email="dev@example.com")
    assert r["RequestId"]
    u = r["User"]
    assert u["UserName"] == user and u["DisplayName"] == "Dev One" and u["Comments"] == "made by interop"
    assert u["UserId"] and u["CreateDate"]
    ah.parse_utc(u["CreateDate"])
    g = ram.GetUser(UserName=user)["User"]
    assert g["UserId"] == u["UserId"] and g["DisplayName"] == "Dev One" and g.get("Email") == "dev@example.com"

    up = ram.UpdateUser(UserName=user, NewDisplayName="Dev Renamed", NewComments="new comment")["User"]
    assert up["DisplayName"] == "Dev Renamed"
    g = ram.GetUser(UserName=user)["User"]
    assert g["DisplayName"] == "Dev Renamed" and g["Comments"] == "new comment"
    assert g.get("UpdateDate")

    renamed = ah.name("u")
    ram.UpdateUser(UserName=user, NewUserName=renamed)
    expect_error(ram.GetUser, "EntityNotExist.User", 404, UserName=user)
    assert ram.GetUser(UserName=renamed)["User"]["UserId"] == u["UserId"]

    ram.DeleteUser(UserName=renamed)
    expect_error(ram.GetUser, "EntityNotExist.User", 404, UserName=renamed)
    expect_error(ram.DeleteUser, "EntityNotExist.User", 404, UserName=renamed)
    assert renamed not in all_users(ram)


@pytest.mark.parametrize("bad,code", [
    ("bad name", "InvalidParameter.UserName.InvalidChars"),
    ("bad/name", "InvalidParameter.UserName.InvalidChars"),
    ("bad*name", "InvalidParameter.UserName.InvalidChars"),
    ("bad,name", "InvalidParameter.UserName.InvalidChars"),
    ("b\u00e4d", "InvalidParameter.UserName.InvalidChars"),
    ("x" * 65, "InvalidParameter.UserName.Length"),
], ids=["space", "slash", "star", "comma", "umlaut", "65"])
def test_user_name_rules(ram, bad, code):
    expect_error(ram.CreateUser, code, 400, UserName=bad)
    assert bad not in all_users(ram)


def test_user_name_boundaries_accepted(ram):
    t = kw.token(6)
    for ok in (("x" * 58) + t, f"a.b-c_{t}", f"{t}.0"):
        ram.CreateUser(UserName=ok)
        assert ram.GetUser(UserName=ok)["User"]["UserName"] == ok
        ram.DeleteUser(UserName=ok)
    assert len(("x" * 58) + t) == 64


def test_duplicate_user(ram):
    user = ah.name("dup")
    first = ram.CreateUser(UserName=user, DisplayName="first")["User"]
    expect_error(ram.CreateUser, "EntityAlreadyExists.User", 409, UserName=user, DisplayName="second")
    g = ram.GetUser(UserName=user)["User"]
    assert g["UserId"] == first["UserId"] and g["DisplayName"] == "first"


def test_unknown_user(ram):
    ghost = ah.name("ghost")
    expect_error(ram.GetUser, "EntityNotExist.User", 404, UserName=ghost)
    expect_error(ram.UpdateUser, "EntityNotExist.User", 404, UserName=ghost, NewDisplayName="x")
    expect_error(ram.DeleteUser, "EntityNotExist.User", 404, UserName=ghost)
    expect_error(ram.CreateAccessKey, "EntityNotExist.User", 404, UserName=ghost)
    expect_error(ram.ListAccessKeys, "EntityNotExist.User", 404, UserName=ghost)


def test_list_users_paging(ram):
    mine = {ah.name("page") for _ in range(5)}
    for u in mine:
        ram.CreateUser(UserName=u)
    seen, marker, pages = [], None, 0
    while True:
        r = ram.ListUsers(Marker=marker, MaxItems=2)
        page = [u["UserName"] for u in ah.users_of(r)]
        assert len(page) <= 2
        seen.extend(page)
        pages += 1
        assert pages < 10000
        if not ih.is_true(r.get("IsTruncated")):
            break
        assert r.get("Marker"), r
        marker = r["Marker"]
    assert len(seen) == len(set(seen)), "a user appeared twice across pages"
    assert mine <= set(seen)
    assert pages >= 3
    assert set(seen) == set(all_users(ram))


@pytest.mark.parametrize("maxitems", [0, 1001])
def test_list_users_max_items_out_of_range(ram, maxitems):
    with pytest.raises(kw.ApiError) as ei:
        ram.ListUsers(MaxItems=maxitems)
    assert ei.value.status == 400 and ei.value.code.startswith("InvalidParameter"), str(ei.value)


@pytest.mark.parametrize("what", ["AccessKey", "Group", "Policy", "LoginProfile"])
def test_delete_user_conflicts(ram, live_server, what):
    user, _, _ = ah.new_ram_user(live_server, with_key=False)
    undo = None
    if what == "AccessKey":
        key = ram.CreateAccessKey(UserName=user)["AccessKey"]["AccessKeyId"]
        undo = lambda: ram.DeleteAccessKey(UserName=user, UserAccessKeyId=key)
    elif what == "Group":
        group = ah.new_group(live_server)
        ram.AddUserToGroup(GroupName=group, UserName=user)
        undo = lambda: ram.RemoveUserFromGroup(GroupName=group, UserName=user)
    elif what == "Policy":
        ram.AttachPolicyToUser(PolicyType="System", PolicyName="AliyunECSReadOnlyAccess", UserName=user)
        undo = lambda: ram.DetachPolicyFromUser(PolicyType="System", PolicyName="AliyunECSReadOnlyAccess",
                                                UserName=user)
    else:
        ram.CreateLoginProfile(UserName=user, Password="Kw-Login-Passw0rd!", PasswordResetRequired=None)
        undo = lambda: ram.DeleteLoginProfile(UserName=user)
    expect_error(ram.DeleteUser, f"DeleteConflict.User.{what}", 409, UserName=user)
    assert ram.GetUser(UserName=user)["User"]["UserName"] == user
    undo()
    ram.DeleteUser(UserName=user)
    expect_error(ram.GetUser, "EntityNotExist.User", 404, UserName=user)


# ---------------------------------------------------------------------------------------------
# Groups and membership
# ---------------------------------------------------------------------------------------------

def test_group_membership(ram, live_server):
    group = ah.name("g")
    r = ram.CreateGroup(GroupName=group, Comments="team")["Group"]
    assert r["GroupName"] == group and r["Comments"] == "team" and r["GroupId"] and r["CreateDate"]
    assert ram.GetGroup(GroupName=group)["Group"]["GroupId"] == r["GroupId"]
    users = [ah.new_ram_user(live_server, with_key=False)[0] for _ in range(2)]
    for u in users:
        ram.AddUserToGroup(GroupName=group, UserName=u)
    listed = ah.users_of(ram.ListUsersForGroup(GroupName=group))
    assert sorted(u["UserName"] for u in listed) == sorted(users)
    assert all(u.get("JoinDate") for u in listed)
    for u in users:
        gs = ah.groups_of(ram.ListGroupsForUser(UserName=u))
        assert [g["GroupName"] for g in gs] == [group]
        assert gs[0].get("JoinDate")

    expect_error(ram.AddUserToGroup, "EntityAlreadyExists.User.Group", 409, GroupName=group, UserName=users[0])
    expect_error(ram.DeleteGroup, "DeleteConflict.Group.User", 409, GroupName=group)
    assert ram.GetGroup(GroupName=group)["Group"]["GroupName"] == group

    ram.RemoveUserFromGroup(GroupName=group, UserName=users[0])
    assert [u["UserName"] for u in ah.users_of(ram.ListUsersForGroup(GroupName=group))] == [users[1]]
    assert ah.groups_of(ram.ListGroupsForUser(UserName=users[0])) == []
    expect_error(ram.RemoveUserFromGroup, "EntityNotExist.User.Group", 404, GroupName=group, UserName=users[0])
    ram.RemoveUserFromGroup(GroupName=group, UserName=users[1])
    ram.DeleteGroup(GroupName=group)
    expect_error(ram.GetGroup, "EntityNotExist.Group", 404, GroupName=group)


def test_group_errors(ram, live_server):
    group = ah.new_group(live_server)
    expect_error(ram.CreateGroup, "EntityAlreadyExists.Group", 409, GroupName=group)
    ghost = ah.name("ghost")
    user, _, _ = ah.new_ram_user(live_server, with_key=False)
    expect_error(ram.AddUserToGroup, "EntityNotExist.Group", 404, GroupName=ghost, UserName=user)
    expect_error(ram.AddUserToGroup, "EntityNotExist.User", 404, GroupName=group, UserName=ghost)
    expect_error(ram.GetGroup, "EntityNotExist.Group", 404, GroupName=ghost)
    expect_error(ram.CreateGroup, "InvalidParameter.GroupName.Length", 400, GroupName="g" * 65)
    expect_error(ram.CreateGroup, "InvalidParameter.GroupName.InvalidChars", 400, GroupName="bad group")
    ram.AttachPolicyToGroup(PolicyType="System", PolicyName="AliyunECSReadOnlyAccess", GroupName=group)
    expect_error(ram.DeleteGroup, "DeleteConflict.Group.Policy", 409, GroupName=group)
    ram.DetachPolicyFromGroup(PolicyType="System", PolicyName="AliyunECSReadOnlyAccess", GroupName=group)
    ram.DeleteGroup(GroupName=group)


# ---------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------

def test_role_create_get_update_delete(ram):
    role = ah.name("r")
    trust = ah.trust_account()
    r = ram.CreateRole(RoleName=role, AssumeRolePolicyDocument=trust, Description="interop role")["Role"]
    assert r["RoleName"] == role and r["RoleId"] and r["CreateDate"]
    assert r["Arn"] == f"acs:ram::{ACCOUNT_ID}:role/{role}"
    assert int(r["MaxSessionDuration"]) == 3600
    assert same_json(r["AssumeRolePolicyDocument"], trust)
    g = ram.GetRole(RoleName=role)["Role"]
    assert g["Arn"] == r["Arn"] and g["Description"] == "interop role" and same_json(g["AssumeRolePolicyDocument"], trust)

    one_user = json.dumps({"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                          "Principal": {"RAM": [f"acs:ram::{ACCOUNT_ID}:user/alice"]}}], "Version": "1"})
    ram.UpdateRole(RoleName=role, NewAssumeRolePolicyDocument=one_user, NewMaxSessionDuration=7200)
    g = ram.GetRole(RoleName=role)["Role"]
    assert same_json(g["AssumeRolePolicyDocument"], one_user)
    assert int(g["MaxSessionDuration"]) == 7200
    assert role in [x["RoleName"] for x in all_roles(ram)]

    ram.DeleteRole(RoleName=role)
    expect_error(ram.GetRole, "EntityNotExist.Role", 404, RoleName=role)
    assert role not in [x["RoleName"] for x in all_roles(ram)]


def all_roles(ram) -> list:
    out, marker = [], None
    for _ in range(1000):
        r = ram.ListRoles(Marker=marker, MaxItems=100)
        out.extend(ah.roles_of(r))
        if not ih.is_true(r.get("IsTruncated")):
            return out
        marker = r["Marker"]
    raise AssertionError("ListRoles never stopped")


@pytest.mark.parametrize("seconds,ok", [(3600, True), (43200, True), (3599, False), (43201, False), (900, False)])
def test_role_max_session_duration(ram, seconds, ok):
    role = ah.name("r")
    if ok:
        r = ram.CreateRole(RoleName=role, AssumeRolePolicyDocument=ah.trust_account(), MaxSessionDuration=seconds)
        assert int(r["Role"]["MaxSessionDuration"]) == seconds
        return
    expect_error(ram.CreateRole, "InvalidParameter.MaxSessionDuration", 400, RoleName=role,
                 AssumeRolePolicyDocument=ah.trust_account(), MaxSessionDuration=seconds)
    expect_error(ram.GetRole, "EntityNotExist.Role", 404, RoleName=role)
    ram.CreateRole(RoleName=role, AssumeRolePolicyDocument=ah.trust_account())
    expect_error(ram.UpdateRole, "InvalidParameter.MaxSessionDuration", 400, RoleName=role,
                 NewMaxSessionDuration=seconds)
    assert int(ram.GetRole(RoleName=role)["Role"]["MaxSessionDuration"]) == 3600


def test_role_errors(ram):
    role = ah.name("r")
    ram.CreateRole(RoleName=role, AssumeRolePolicyDocument=ah.trust_account())
    expect_error(ram.CreateRole, "EntityAlreadyExists.Role", 409, RoleName=role,
                 AssumeRolePolicyDocument=ah.trust_account())
    bad = ah.name("r")
    expect_error(ram.CreateRole, "MalformedPolicyDocument", 400, RoleName=bad, AssumeRolePolicyDocument="{not json")
    expect_error(ram.GetRole, "EntityNotExist.Role", 404, RoleName=bad)
    # RoleName: letters, digits, '.' and '-' only (no '_')
    expect_error(ram.CreateRole, "InvalidParameter.RoleName.InvalidChars", 400, RoleName=f"bad_{kw.token()}",
                 AssumeRolePolicyDocument=ah.trust_account())
    expect_error(ram.CreateRole, "InvalidParameter.RoleName.Length", 400, RoleName="r" * 65,
                 AssumeRolePolicyDocument=ah.trust_account())
    expect_error(ram.UpdateRole, "MalformedPolicyDocument", 400, RoleName=role, NewAssumeRolePolicyDocument="[]")
    assert same_json(ram.GetRole(RoleName=role)["Role"]["AssumeRolePolicyDocument"], ah.trust_account())
    ram.AttachPolicyToRole(PolicyType="System", PolicyName="AliyunECSFullAccess", RoleName=role)
    expect_error(ram.DeleteRole, "DeleteConflict.Role.Policy", 409, RoleName=role)
    ram.DetachPolicyFromRole(PolicyType="System", PolicyName="AliyunECSFullAccess", RoleName=role)
    ram.DeleteRole(RoleName=role)


# ---------------------------------------------------------------------------------------------
# AccessKeys
# ---------------------------------------------------------------------------------------------

def test_access_keys_secret_once_and_limit(ram, live_server):
    user, _, _ = ah.new_ram_user(live_server, with_key=False)
    r = ram.CreateAccessKey(UserName=user)
    k1 = r["AccessKey"]
    assert k1["AccessKeyId"] and k1["AccessKeySecret"] and k1["Status"] == "Active" and k1["CreateDate"]
    assert k1["AccessKeyId"] != k1["AccessKeySecret"]
    k2 = ram.CreateAccessKey(UserName=user)["AccessKey"]
    assert k2["AccessKeyId"] != k1["AccessKeyId"]

    resp = ram.ListAccessKeys(UserName=user)
    body = raw(ram, resp)
    keys = ah.access_keys_of(resp)
    assert sorted(k["AccessKeyId"] for k in keys) == sorted([k1["AccessKeyId"], k2["AccessKeyId"]])
    assert all(k["Status"] == "Active" for k in keys)
    text = json.dumps(body)
    assert "AccessKeySecret" not in text and k1["AccessKeySecret"] not in text and k2["AccessKeySecret"] not in text

    expect_error(ram.CreateAccessKey, "LimitExceeded.User.AccessKey", 409, UserName=user)
    assert len(ah.access_keys_of(ram.ListAccessKeys(UserName=user))) == 2


def test_access_key_inactive_then_active(ram, live_server, kind):
    user, ak, secret = ah.new_ram_user(live_server, ["AliyunECSReadOnlyAccess"])
    ecs = ah.ecs_client("v1" if kind == "v1" else "tea-v3", live_server, ak, secret)
    ecs.describe_key_pairs()
    ram.UpdateAccessKey(UserName=user, UserAccessKeyId=ak, Status="Inactive")
    (k,) = ah.access_keys_of(ram.ListAccessKeys(UserName=user))
    assert k["Status"] == "Inactive"
    expect_error(ecs.describe_key_pairs, "InvalidAccessKeyId.Inactive", 400)
    ram.UpdateAccessKey(UserName=user, UserAccessKeyId=ak, Status="Active")
    assert ah.access_keys_of(ram.ListAccessKeys(UserName=user))[0]["Status"] == "Active"
    ecs.describe_key_pairs()


def test_access_key_deleted_is_refused(ram, live_server, kind):
    user, ak, secret = ah.new_ram_user(live_server, ["AliyunECSReadOnlyAccess"])
    ecs = ah.ecs_client("v1" if kind == "v1" else "tea-v3", live_server, ak, secret)
    ecs.describe_key_pairs()
    ram.DeleteAccessKey(UserName=user, UserAccessKeyId=ak)
    assert ah.access_keys_of(ram.ListAccessKeys(UserName=user)) == []
    expect_error(ecs.describe_key_pairs, "InvalidAccessKeyId.NotFound", 404)
    expect_error(ram.DeleteAccessKey, "EntityNotExist.User.AccessKey", 404, UserName=user, UserAccessKeyId=ak)
    expect_error(ram.UpdateAccessKey, "EntityNotExist.User.AccessKey", 404, UserName=user, UserAccessKeyId=ak,
                 Status="Active")


def test_access_key_of_the_calling_user(live_server, kind):
    """CreateAccessKey without UserName makes a key for the calling RAM user."""
    user, ak, secret = ah.new_ram_user(live_server, ["AliyunRAMFullAccess"])
    me = ah.ram_client(kind, live_server, ak, secret)
    k = me.CreateAccessKey()["AccessKey"]
    ids = [x["AccessKeyId"] for x in ah.access_keys_of(ah.tea_ram(live_server).ListAccessKeys(UserName=user))]
    assert sorted(ids) == sorted([ak, k["AccessKeyId"]])


def test_ram_actions_need_ram_permission(live_server, kind):
    """A RAM user without RAM policies is refused RAM's own actions: 403 NoPermission, nothing changed."""
    _, ak, secret = ah.new_ram_user(live_server, ["AliyunECSFullAccess"])
    me = ah.ram_client(kind, live_server, ak, secret)
    target = ah.name("u")
    expect_error(me.CreateUser, "NoPermission", 403, UserName=target)
    expect_error(me.ListUsers, "NoPermission", 403)
    expect_error(ah.tea_ram(live_server).GetUser, "EntityNotExist.User", 404, UserName=target)


# ---------------------------------------------------------------------------------------------
# Policies and versions
# ---------------------------------------------------------------------------------------------

def test_create_policy(ram):
    pname = ah.name("pol")
    doc = ah.policy_doc(ah.allow(["ecs:DescribeKeyPairs", "ecs:CreateKeyPair"], "*"))
    p = ram.CreatePolicy(PolicyName=pname, PolicyDocument=doc, Description="interop")["Policy"]
    assert p["PolicyName"] == pname and p["PolicyType"] == "Custom" and p["DefaultVersion"] == "v1"
    assert p["Description"] == "interop" and p["CreateDate"]
    g = ram.GetPolicy(PolicyName=pname, PolicyType="Custom")
    assert g["Policy"]["PolicyType"] == "Custom" and g["Policy"]["DefaultVersion"] == "v1"
    assert int(g["Policy"].get("AttachmentCount", 0)) == 0
    dv = g["DefaultPolicyVersion"]
    assert dv["VersionId"] == "v1" and ih.is_true(dv["IsDefaultVersion"]) and same_json(dv["PolicyDocument"], doc)
    names, marker = [], None
    while True:
        r = ram.ListPolicies(PolicyType="Custom", Marker=marker, MaxItems=100)
        names.extend(x["PolicyName"] for x in ah.policies_of(r))
        if not ih.is_true(r.get("IsTruncated")):
            break
        marker = r["Marker"]
    assert pname in names
    expect_error(ram.CreatePolicy, "EntityAlreadyExists.Policy", 409, PolicyName=pname, PolicyDocument=doc)


MALFORMED = {
    "not-json": "this is not json",
    "truncated": '{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}',
    "version-2": '{"Version":"2","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}',
    "bad-effect": '{"Version":"1","Statement":[{"Effect":"Permit","Action":"ecs:*","Resource":"*"}]}',
    "unknown-operator": ('{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*",'
                         '"Condition":{"StringMatchesSomehow":{"acs:SourceIp":"127.0.0.1"}}}]}'),
    "array": "[]",
}


@pytest.mark.parametrize("label", sorted(MALFORMED))
def test_malformed_policy_document(ram, label):
    pname = ah.name("bad")
    expect_error(ram.CreatePolicy, "MalformedPolicyDocument", 400, PolicyName=pname, PolicyDocument=MALFORMED[label])
    expect_error(ram.GetPolicy, "EntityNotExist.Policy", 404, PolicyName=pname, PolicyType="Custom")
    # the same on a new version: nothing added
    good = ah.name("good")
    ram.CreatePolicy(PolicyName=good, PolicyDocument=doc_of_length(200))
    expect_error(ram.CreatePolicyVersion, "MalformedPolicyDocument", 400, PolicyName=good,
                 PolicyDocument=MALFORMED[label])
    assert [v["VersionId"] for v in ah.policy_versions_of(ram.ListPolicyVersions(PolicyName=good, PolicyType="Custom"))] == ["v1"]


def test_policy_document_length(ram):
    ok = ah.name("len")
    ram.CreatePolicy(PolicyName=ok, PolicyDocument=doc_of_length(6144))
    assert len(ram.GetPolicy(PolicyName=ok, PolicyType="Custom")["DefaultPolicyVersion"]["PolicyDocument"]) >= 6000
    long_name = ah.name("len")
    expect_error(ram.CreatePolicy, "InvalidParameter.PolicyDocument.Length", 400, PolicyName=long_name,
                 PolicyDocument=doc_of_length(6145))
    expect_error(ram.GetPolicy, "EntityNotExist.Policy", 404, PolicyName=long_name, PolicyType="Custom")
    expect_error(ram.CreatePolicyVersion, "InvalidParameter.PolicyDocument.Length", 400, PolicyName=ok,
                 PolicyDocument=doc_of_length(6145))
    assert len(ah.policy_versions_of(ram.ListPolicyVersions(PolicyName=ok, PolicyType="Custom"))) == 1


def test_policy_name_rules(ram):
    doc = doc_of_length(200)
    expect_error(ram.CreatePolicy, "InvalidParameter.PolicyName.InvalidChars", 400,
                 PolicyName=f"bad_{kw.token()}", PolicyDocument=doc)
    expect_error(ram.CreatePolicy, "InvalidParameter.PolicyName.Length", 400, PolicyName="p" * 129,
                 PolicyDocument=doc)
    ok = ("p" * 120) + kw.token(8)
    assert len(ok) == 128
    ram.CreatePolicy(PolicyName=ok, PolicyDocument=doc)


def test_policy_versions_limit_and_rotation(ram, kind):
    pname = ah.name("ver")
    docs = {f"v{i}": doc_of_length(180 + i) for i in range(1, 9)}
    ram.CreatePolicy(PolicyName=pname, PolicyDocument=docs["v1"])
    v2 = ram.CreatePolicyVersion(PolicyName=pname, PolicyDocument=docs["v2"],
                                 SetAsDefault=ah.sdk_bool(kind, True))["PolicyVersion"]
    assert v2["VersionId"] == "v2" and ih.is_true(v2["IsDefaultVersion"])
    g = ram.GetPolicy(PolicyName=pname, PolicyType="Custom")
    assert g["Policy"]["DefaultVersion"] == "v2" and same_json(g["DefaultPolicyVersion"]["PolicyDocument"], docs["v2"])
    v1 = ram.GetPolicyVersion(PolicyName=pname, PolicyType="Custom", VersionId="v1")["PolicyVersion"]
    assert not ih.is_true(v1["IsDefaultVersion"]) and same_json(v1["PolicyDocument"], docs["v1"])

    for vid in ("v3", "v4", "v5"):
        r = ram.CreatePolicyVersion(PolicyName=pname, PolicyDocument=docs[vid],
                                    SetAsDefault=ah.sdk_bool(kind, False))["PolicyVersion"]
        assert r["VersionId"] == vid and not ih.is_true(r["IsDefaultVersion"])
    expect_error(ram.CreatePolicyVersion, "LimitExceeded.Policy.Version", 409, PolicyName=pname,
                 PolicyDocument=docs["v6"])
    listed = ah.policy_versions_of(ram.ListPolicyVersions(PolicyName=pname, PolicyType="Custom"))
    assert sorted(v["VersionId"] for v in listed) == ["v1", "v2", "v3", "v4", "v5"]
    assert [v["VersionId"] for v in listed if ih.is_true(v["IsDefaultVersion"])] == ["v2"]

    r = ram.CreatePolicyVersion(PolicyName=pname, PolicyDocument=docs["v6"],
                                RotateStrategy="DeleteOldestNonDefaultVersionWhenLimitExceeded")["PolicyVersion"]
    assert r["VersionId"] == "v6"
    listed = ah.policy_versions_of(ram.ListPolicyVersions(PolicyName=pname, PolicyType="Custom"))
    assert sorted(v["VersionId"] for v in listed) == ["v2", "v3", "v4", "v5", "v6"]  # v1 was the oldest non-default
    assert ram.GetPolicy(PolicyName=pname, PolicyType="Custom")["Policy"]["DefaultVersion"] == "v2"
    expect_error(ram.GetPolicyVersion, "EntityNotExist.Policy.Version", 404, PolicyName=pname, PolicyType="Custom",
                 VersionId="v1")


def test_set_default_version_changes_permissions_at_once(ram, live_server, kind):
    pname = ah.name("sw")
    ram.CreatePolicy(PolicyName=pname, PolicyDocument=ah.policy_doc(ah.allow("ecs:DescribeKeyPairs")))
    ram.CreatePolicyVersion(PolicyName=pname, PolicyDocument=ah.policy_doc(ah.allow("ecs:DescribeRegions")))
    _, ak, secret = ah.new_ram_user(live_server, [("Custom", pname)])
    ecs = ah.ecs_client("v1" if kind == "v1" else "tea-v3", live_server, ak, secret)
    ecs.describe_key_pairs()
    ram.SetDefaultPolicyVersion(PolicyName=pname, VersionId="v2")
    ah.expect_forbidden(ecs.describe_key_pairs, action="ecs:DescribeKeyPairs", deny_type="ImplicitDeny")
    ram.SetDefaultPolicyVersion(PolicyName=pname, VersionId="v1")
    ecs.describe_key_pairs()


def test_delete_policy_version(ram):
    pname = ah.name("dv")
    ram.CreatePolicy(PolicyName=pname, PolicyDocument=doc_of_length(200))
    ram.CreatePolicyVersion(PolicyName=pname, PolicyDocument=doc_of_length(201))
    expect_error(ram.DeletePolicyVersion, "DeleteConflict.Policy.Version.Default", 409, PolicyName=pname,
                 VersionId="v1")
    ram.DeletePolicyVersion(PolicyName=pname, VersionId="v2")
    expect_error(ram.GetPolicyVersion, "EntityNotExist.Policy.Version", 404, PolicyName=pname, PolicyType="Custom",
                 VersionId="v2")
    expect_error(ram.DeletePolicyVersion, "EntityNotExist.Policy.Version", 404, PolicyName=pname, VersionId="v2")
    assert [v["VersionId"] for v in ah.policy_versions_of(ram.ListPolicyVersions(PolicyName=pname, PolicyType="Custom"))] == ["v1"]


def test_delete_policy_conflicts(ram, live_server, kind):
    pname = ah.name("del")
    ram.CreatePolicy(PolicyName=pname, PolicyDocument=doc_of_length(200))
    user, _, _ = ah.new_ram_user(live_server, with_key=False)
    group = ah.new_group(live_server)
    ram.AttachPolicyToUser(PolicyType="Custom", PolicyName=pname, UserName=user)
    expect_error(ram.DeletePolicy, "DeleteConflict.Policy.User", 409, PolicyName=pname)
    ram.DetachPolicyFromUser(PolicyType="Custom", PolicyName=pname, UserName=user)
    ram.AttachPolicyToGroup(PolicyType="Custom", PolicyName=pname, GroupName=group)
    expect_error(ram.DeletePolicy, "DeleteConflict.Policy.Group", 409, PolicyName=pname)
    ram.DetachPolicyFromGroup(PolicyType="Custom", PolicyName=pname, GroupName=group)
    assert ram.GetPolicy(PolicyName=pname, PolicyType="Custom")["Policy"]["PolicyName"] == pname

    ram.CreatePolicyVersion(PolicyName=pname, PolicyDocument=doc_of_length(201))
    expect_error(ram.DeletePolicy, "DeleteConflict.Policy.Version", 409, PolicyName=pname)
    ram.DeletePolicy(PolicyName=pname, CascadingDelete=ah.sdk_bool(kind, True))
    expect_error(ram.GetPolicy, "EntityNotExist.Policy", 404, PolicyName=pname, PolicyType="Custom")
    expect_error(ram.DeletePolicy, "EntityNotExist.Policy", 404, PolicyName=pname)


# ---------------------------------------------------------------------------------------------
# Attachments
# ---------------------------------------------------------------------------------------------

def test_attach_detach_everywhere(ram, live_server):
    pname = ah.name("att")
    ram.CreatePolicy(PolicyName=pname, PolicyDocument=doc_of_length(200))
    user, _, _ = ah.new_ram_user(live_server, with_key=False)
    group = ah.new_group(live_server)
    role, _ = ah.new_role(live_server)
    ram.AttachPolicyToUser(PolicyType="Custom", PolicyName=pname, UserName=user)
    ram.AttachPolicyToGroup(PolicyType="Custom", PolicyName=pname, GroupName=group)
    ram.AttachPolicyToRole(PolicyType="Custom", PolicyName=pname, RoleName=role)
    ram.AttachPolicyToUser(PolicyType="System", PolicyName="AliyunECSReadOnlyAccess", UserName=user)

    for listing in (ram.ListPoliciesForUser(UserName=user), ram.ListPoliciesForGroup(GroupName=group),
                    ram.ListPoliciesForRole(RoleName=role)):
        mine = [p for p in ah.policies_of(listing) if p["PolicyName"] == pname]
        assert len(mine) == 1 and mine[0]["PolicyType"] == "Custom" and mine[0].get("AttachDate"), listing
    user_pols = {(p["PolicyType"], p["PolicyName"]) for p in ah.policies_of(ram.ListPoliciesForUser(UserName=user))}
    assert user_pols == {("Custom", pname), ("System", "AliyunECSReadOnlyAccess")}

    ents = ram.ListEntitiesForPolicy(PolicyType="Custom", PolicyName=pname)
    assert [u["UserName"] for u in ah.users_of(ents)] == [user]
    assert [g["GroupName"] for g in ah.groups_of(ents)] == [group]
    assert [r["RoleName"] for r in ah.roles_of(ents)] == [role]
    assert all(x.get("AttachDate") for x in ah.users_of(ents) + ah.groups_of(ents) + ah.roles_of(ents))
    assert int(ram.GetPolicy(PolicyName=pname, PolicyType="Custom")["Policy"]["AttachmentCount"]) == 3

    expect_error(ram.AttachPolicyToUser, "EntityAlreadyExists.User.Policy", 409, PolicyType="Custom",
                 PolicyName=pname, UserName=user)
    expect_error(ram.AttachPolicyToGroup, "EntityAlreadyExists.Group.Policy", 409, PolicyType="Custom",
                 PolicyName=pname, GroupName=group)

    ram.DetachPolicyFromUser(PolicyType="Custom", PolicyName=pname, UserName=user)
    ram.DetachPolicyFromGroup(PolicyType="Custom", PolicyName=pname, GroupName=group)
    ram.DetachPolicyFromRole(PolicyType="Custom", PolicyName=pname, RoleName=role)
    ents = ram.ListEntitiesForPolicy(PolicyType="Custom", PolicyName=pname)
    assert ah.users_of(ents) == [] and ah.groups_of(ents) == [] and ah.roles_of(ents) == []
    assert [p["PolicyName"] for p in ah.policies_of(ram.ListPoliciesForUser(UserName=user))] == ["AliyunECSReadOnlyAccess"]
    assert ah.policies_of(ram.ListPoliciesForGroup(GroupName=group)) == []
    assert ah.policies_of(ram.ListPoliciesForRole(RoleName=role)) == []
    expect_error(ram.DetachPolicyFromUser, "EntityNotExist.User.Policy", 404, PolicyType="Custom", PolicyName=pname,
                 UserName=user)


def test_attach_errors(ram, live_server):
    user, _, _ = ah.new_ram_user(live_server, with_key=False)
    ghost = ah.name("ghost")
    expect_error(ram.AttachPolicyToUser, "EntityNotExist.Policy", 404, PolicyType="Custom", PolicyName=ghost,
                 UserName=user)
    expect_error(ram.AttachPolicyToUser, "EntityNotExist.User", 404, PolicyType="System",
                 PolicyName="AliyunECSReadOnlyAccess", UserName=ghost)
    expect_error(ram.AttachPolicyToUser, "InvalidParameter.PolicyType", 400, PolicyType="Nonsense",
                 PolicyName="AliyunECSReadOnlyAccess", UserName=user)
    assert ah.policies_of(ram.ListPoliciesForUser(UserName=user)) == []


# ---------------------------------------------------------------------------------------------
# System policies
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pname", ah.SYSTEM_POLICIES)
def test_system_policy_exists(ram, pname):
    g = ram.GetPolicy(PolicyName=pname, PolicyType="System")
    assert g["Policy"]["PolicyName"] == pname and g["Policy"]["PolicyType"] == "System"
    doc = json.loads(g["DefaultPolicyVersion"]["PolicyDocument"])
    assert doc["Version"] == "1" and doc["Statement"]
    actions = set()
    for st in doc["Statement"]:
        a = st.get("Action", [])
        actions.update([a] if isinstance(a, str) else a)
        assert st["Effect"] in ("Allow", "Deny")
    expected = {"AdministratorAccess": "*", "AliyunECSFullAccess": "ecs:*", "AliyunECSReadOnlyAccess": "ecs:Describe*",
                "AliyunSTSAssumeRoleAccess": "sts:AssumeRole", "AliyunRAMFullAccess": "ram:*",
                "AliyunESSFullAccess": "ess:*"}[pname]
    assert expected in actions, (pname, actions)
    expect_error(ram.GetPolicy, "EntityNotExist.Policy", 404, PolicyName=pname, PolicyType="Custom")


def test_list_system_policies(ram):
    found, marker, pages = {}, None, 0
    while True:
        r = ram.ListPolicies(PolicyType="System", Marker=marker, MaxItems=50)
        for p in ah.policies_of(r):
            assert p["PolicyType"] == "System", p
            assert p["PolicyName"] not in found, "listed twice: " + p["PolicyName"]
            found[p["PolicyName"]] = p
        pages += 1
        assert pages < 1000
        if not ih.is_true(r.get("IsTruncated")):
            break
        marker = r["Marker"]
    assert set(ah.SYSTEM_POLICIES) <= set(found)
    assert found["AliyunECSFullAccess"]["DefaultVersion"]


# ---------------------------------------------------------------------------------------------
# Account alias (account-wide state: fresh server)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("alias_kind", KINDS)
def test_account_alias(fresh_server_factory, alias_kind):
    srv = fresh_server_factory()
    ram = ah.ram_client(alias_kind, srv)
    first = ram.GetAccountAlias()
    assert first["RequestId"]
    alias = f"kw-{kw.token(8)}"
    ram.SetAccountAlias(AccountAlias=alias)
    assert ram.GetAccountAlias()["AccountAlias"] == alias
    for bad in ("-bad", "bad-", "a--b", "Upper", "ab", "x" * 33):
        with pytest.raises(kw.ApiError) as ei:
            ram.SetAccountAlias(AccountAlias=bad)
        assert ei.value.status == 400 and ei.value.code.startswith("InvalidParameter"), str(ei.value)
    assert ram.GetAccountAlias()["AccountAlias"] == alias
    other = ah.ram_client("tea-v3" if alias_kind == "v1" else "v1", srv)
    assert other.GetAccountAlias()["AccountAlias"] == alias


# ---------------------------------------------------------------------------------------------
# Login profiles
# ---------------------------------------------------------------------------------------------

def test_login_profile(ram, live_server, kind):
    user, _, _ = ah.new_ram_user(live_server, with_key=False)
    password = f"Kw-Login-{kw.token(6)}!9A"
    r = ram.CreateLoginProfile(UserName=user, Password=password, PasswordResetRequired=ah.sdk_bool(kind, True))
    lp = r["LoginProfile"]
    assert lp["UserName"] == user and ih.is_true(lp["PasswordResetRequired"])
    assert password not in json.dumps(raw(ram, r))
    g = ram.GetLoginProfile(UserName=user)
    assert ih.is_true(g["LoginProfile"]["PasswordResetRequired"])
    assert password not in json.dumps(raw(ram, g)) and "Password\"" not in json.dumps(raw(ram, g))
    expect_error(ram.CreateLoginProfile, "EntityAlreadyExists.User.LoginProfile", 409, UserName=user,
                 Password=password)
    u = ram.UpdateLoginProfile(UserName=user, PasswordResetRequired=ah.sdk_bool(kind, False))
    assert password not in json.dumps(raw(ram, u))
    assert not ih.is_true(ram.GetLoginProfile(UserName=user)["LoginProfile"]["PasswordResetRequired"])
    ram.DeleteLoginProfile(UserName=user)
    expect_error(ram.GetLoginProfile, "EntityNotExist.User.LoginProfile", 404, UserName=user)
    ram.DeleteUser(UserName=user)
    assert password not in live_server.log_text()
