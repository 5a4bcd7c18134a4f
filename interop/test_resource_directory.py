"""Resource Directory (ResourceManager 2020-03-31; reference alibaba-ram-sts-rd.md §6 evaluation, §9): the directory,
folders, member accounts, control policies, and how a control policy bounds the member's RAM identities (here a role
session in the member's ResourceDirectoryAccountAccessRole) but never the management account. Each test starts its
own server: the directory is account-wide state."""
from __future__ import annotations

import json
import re

import pytest

import access_helpers as ah
import kwhelpers as kw
from access_helpers import ACCOUNT_ID, expect_error, expect_forbidden, not_forbidden

ACCESS_ROLE = "ResourceDirectoryAccountAccessRole"


class Directory:
    def __init__(self, srv):
        self.srv = srv
        self.rm = ah.tea_rm(srv)
        rd = self.rm.EnableResourceDirectory(EnableMode="CurrentAccount")["ResourceDirectory"]
        self.enabled = rd
        self.root_folder = rd["RootFolderId"]
        self.folder = self.rm.CreateFolder(FolderName="dev", ParentFolderId=self.root_folder)["Folder"]
        self.member = self.rm.CreateResourceAccount(DisplayName=f"member-{kw.token(6)}",
                                                    ParentFolderId=self.folder["FolderId"])["Account"]
        self.member_id = self.member["AccountId"]

    def enable_control_policies(self):
        return self.rm.EnableControlPolicy()

    def seed_control_policy(self) -> str:
        cp = self.rm.CreateControlPolicy(PolicyName=f"deny-pw-inherit-{kw.token(4)}", EffectScope="RAM",
                                         PolicyDocument=ah.SEED_POLICY, Description="no password inheritance")
        return cp["ControlPolicy"]["PolicyId"]

    def member_session(self, kind="tea-v3"):
        """A management-account RAM user with AliyunSTSAssumeRoleAccess assumes the member's access role."""
        _, ak, secret = ah.assumer(self.srv)
        creds = ah.assume_role(self.srv, ak, secret, ah.role_arn(ACCESS_ROLE, self.member_id),
                               session="rd-admin")["Credentials"]
        return ah.ecs_client(kind, self.srv, creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])


@pytest.fixture
def rd(fresh_server_factory):
    return Directory(fresh_server_factory())


def run_inherit(ecs, kind, inherit):
    return ecs.run_instances(image_id=ah.LINUX_IMAGE, instance_type=ah.INSTANCE_TYPE,
                             password_inherit=None if inherit is None else ah.sdk_bool(kind, inherit))


def attachments(rm, target) -> list:
    r = rm.ListControlPolicyAttachmentsForTarget(TargetId=target)
    return (r.get("ControlPolicyAttachments") or {}).get("ControlPolicyAttachment") or []


# ---------------------------------------------------------------------------------------------
# The directory and its members
# ---------------------------------------------------------------------------------------------

def test_enable_directory_folder_member(rd):
    e = rd.enabled
    assert e["RootFolderId"].startswith("r-")
    assert e["MasterAccountId"] == ACCOUNT_ID
    assert e["ResourceDirectoryId"].startswith("rd-")
    got = rd.rm.GetResourceDirectory()["ResourceDirectory"]
    assert got["RootFolderId"] == e["RootFolderId"] and got["MasterAccountId"] == ACCOUNT_ID

    f = rd.folder
    assert f["FolderId"].startswith("fd-") and f["FolderName"] == "dev"
    assert f.get("ParentFolderId") in (None, rd.root_folder)

    m = rd.member
    assert re.fullmatch(r"\d{16}", m["AccountId"]), m
    assert m["AccountId"] != ACCOUNT_ID
    assert m["Type"] == "ResourceAccount"
    assert m["FolderId"] == f["FolderId"]
    assert m.get("Status", "CreateSuccess") == "CreateSuccess"
    assert m["ResourceDirectoryId"] == e["ResourceDirectoryId"]

    listed = rd.rm.ListAccounts(PageNumber=1, PageSize=100)
    accounts = (listed.get("Accounts") or {}).get("Account") or []
    mine = [a for a in accounts if a["AccountId"] == m["AccountId"]]
    assert len(mine) == 1 and mine[0]["Type"] == "ResourceAccount" and mine[0]["FolderId"] == f["FolderId"]
    assert int(listed["TotalCount"]) >= 1

    second = rd.rm.CreateResourceAccount(DisplayName=f"second-{kw.token(6)}")["Account"]
    assert second["AccountId"] not in (m["AccountId"], ACCOUNT_ID)
    assert second["FolderId"] == rd.root_folder  # ParentFolderId defaults to Root


def test_enable_control_policy_attaches_full_aliyun_access(rd):
    r = rd.enable_control_policies()
    assert r["EnablementStatus"] == "Enabled"
    assert rd.rm.GetControlPolicyEnablementStatus()["EnablementStatus"] == "Enabled"
    for target in (rd.root_folder, rd.folder["FolderId"], rd.member_id):
        names = {(a["PolicyName"], a["PolicyType"]) for a in attachments(rd.rm, target)}
        assert ("FullAliyunAccess", "System") in names, (target, names)

    cp = rd.seed_control_policy()
    got = rd.rm.GetControlPolicy(PolicyId=cp)["ControlPolicy"]
    assert cp.startswith("cp-")
    assert got["PolicyType"] == "Custom" and got["EffectScope"] == "RAM"
    assert json.loads(got["PolicyDocument"]) == json.loads(ah.SEED_POLICY)
    rd.rm.AttachControlPolicy(PolicyId=cp, TargetId=rd.folder["FolderId"])
    at = attachments(rd.rm, rd.folder["FolderId"])
    ids = {a["PolicyId"] for a in at}
    assert cp in ids
    assert {"FullAliyunAccess"} <= {a["PolicyName"] for a in at}
    mine = [a for a in at if a["PolicyId"] == cp][0]
    assert mine["PolicyType"] == "Custom" and mine["EffectScope"] == "RAM" and mine.get("AttachDate")
    assert cp not in {a["PolicyId"] for a in attachments(rd.rm, rd.root_folder)}

    listed = rd.rm.ListControlPolicies(PolicyType="System")
    system = (listed.get("ControlPolicies") or {}).get("ControlPolicy") or []
    assert "FullAliyunAccess" in [p["PolicyName"] for p in system]


# ---------------------------------------------------------------------------------------------
# A control policy bounds the member's RAM identities
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ah.ECS_KINDS)
def test_control_policy_bounds_member_role_session(rd, kind):
    rd.enable_control_policies()
    cp = rd.seed_control_policy()
    rd.rm.AttachControlPolicy(PolicyId=cp, TargetId=rd.folder["FolderId"])
    ecs = rd.member_session(kind)

    expect_forbidden(run_inherit, ecs, kind, True, action="ecs:RunInstances", deny_type="ExplicitDeny",
                     policy_type="ControlPolicy", principal_type="AssumedRoleUser", owner=rd.member_id)
    for inherit in (False, None):
        not_forbidden(run_inherit, ecs, kind, inherit)

    rd.rm.DetachControlPolicy(PolicyId=cp, TargetId=rd.folder["FolderId"])
    assert cp not in {a["PolicyId"] for a in attachments(rd.rm, rd.folder["FolderId"])}
    not_forbidden(run_inherit, ecs, kind, True)  # at once


def test_control_policy_on_root_folder_binds_members_below(rd):
    rd.enable_control_policies()
    cp = rd.seed_control_policy()
    rd.rm.AttachControlPolicy(PolicyId=cp, TargetId=rd.root_folder)
    ecs = rd.member_session()
    expect_forbidden(run_inherit, ecs, "tea-v3", True, action="ecs:RunInstances", deny_type="ExplicitDeny",
                     policy_type="ControlPolicy", owner=rd.member_id)


def test_management_account_is_not_bound(rd):
    rd.enable_control_policies()
    cp = rd.seed_control_policy()
    for target in (rd.root_folder, rd.folder["FolderId"]):
        rd.rm.AttachControlPolicy(PolicyId=cp, TargetId=target)
    _, ak, secret = ah.new_ram_user(rd.srv, ["AliyunECSFullAccess"])
    ecs = ah.ecs_client("tea-v3", rd.srv, ak, secret)
    not_forbidden(run_inherit, ecs, "tea-v3", True)
    not_forbidden(run_inherit, ah.ecs_client("v1", rd.srv), "v1", True)  # the management root


def test_member_accounts_are_separate(rd):
    ecs = rd.member_session()
    name = kw.uniq("member")
    ecs.create_key_pair(name)
    assert kw.names_of(ecs.describe_key_pairs(name=name)) == [name]
    assert kw.names_of(ah.root_ecs(rd.srv).describe_key_pairs(name=name)) == []


def test_member_access_role_needs_assume_role_permission(rd):
    arn = ah.role_arn(ACCESS_ROLE, rd.member_id)
    _, ak, secret = ah.new_ram_user(rd.srv, ["AliyunECSFullAccess"])
    expect_error(ah.tea_sts(rd.srv, ak, secret).AssumeRole, "NoPermission", 403, RoleArn=arn, RoleSessionName="x")
    expect_error(ah.tea_sts(rd.srv).AssumeRole, "NoPermission", 403, RoleArn=arn, RoleSessionName="root")


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_before_enabling(fresh_server_factory):
    rm = ah.tea_rm(fresh_server_factory())
    expect_error(rm.CreateFolder, "EntityNotExists.ResourceDirectory", None, FolderName="early")
    expect_error(rm.GetResourceDirectory, "EntityNotExists.ResourceDirectory", None)


def test_errors(rd):
    rm = rd.rm
    expect_error(rm.CreateFolder, "EntityNotExists.Folder", None, FolderName="orphan", ParentFolderId="fd-nosuchfolder")
    expect_error(rm.CreateResourceAccount, "EntityNotExists.Folder", None, DisplayName=f"orphan-{kw.token()}",
                 ParentFolderId="fd-nosuchfolder")
    rd.enable_control_policies()
    base = ah.policy_doc(ah.deny("ecs:DeleteKeyPairs", "acs:ecs:*:*:keypair/"))
    long_doc = ah.policy_doc(ah.deny("ecs:DeleteKeyPairs", "acs:ecs:*:*:keypair/" + "a" * (4097 - len(base))))
    assert len(long_doc) == 4097
    name_long = f"toolong-{kw.token(4)}"
    expect_error(rm.CreateControlPolicy, "InvalidParameter.PolicyDocument.Length", None, PolicyName=name_long,
                 EffectScope="RAM", PolicyDocument=long_doc)
    ok_doc = ah.policy_doc(ah.deny("ecs:DeleteKeyPairs", "acs:ecs:*:*:keypair/" + "a" * (4096 - len(base))))
    assert len(ok_doc) == 4096
    rm.CreateControlPolicy(PolicyName=f"justfits-{kw.token(4)}", EffectScope="RAM", PolicyDocument=ok_doc)
    expect_error(rm.CreateControlPolicy, "MalformedPolicyDocument", None, PolicyName=f"bad-{kw.token(4)}",
                 EffectScope="RAM", PolicyDocument="{not json")
    names = [p["PolicyName"] for p in (rm.ListControlPolicies(PolicyType="Custom", PageSize=100).get("ControlPolicies")
                                       or {}).get("ControlPolicy") or []]
    assert name_long not in names and not any(n.startswith("bad-") for n in names)
    expect_error(rm.AttachControlPolicy, "EntityNotExists.ControlPolicy", None, PolicyId="cp-nosuchpolicy",
                 TargetId=rd.folder["FolderId"])
    cp = rd.seed_control_policy()
    expect_error(rm.AttachControlPolicy, "EntityNotExists.Target", None, PolicyId=cp, TargetId="fd-nosuchfolder")


def test_v1_classes(fresh_server_factory):
    srv = fresh_server_factory()
    rm = ah.v1_rm(srv)
    rd = rm.EnableResourceDirectory(EnableMode="CurrentAccount")["ResourceDirectory"]
    assert rd["RootFolderId"].startswith("r-") and rd["MasterAccountId"] == ACCOUNT_ID
    folder = rm.CreateFolder(FolderName="ops", ParentFolderId=rd["RootFolderId"])["Folder"]
    acct = rm.CreateResourceAccount(DisplayName=f"v1-{kw.token(6)}", ParentFolderId=folder["FolderId"])["Account"]
    assert re.fullmatch(r"\d{16}", acct["AccountId"]) and acct["Type"] == "ResourceAccount"
    ids = [a["AccountId"] for a in rm.ListAccounts(PageSize=100)["Accounts"]["Account"]]
    assert acct["AccountId"] in ids
    assert rm.EnableControlPolicy()["EnablementStatus"] == "Enabled"
    cp = rm.CreateControlPolicy(PolicyName=f"v1cp-{kw.token(4)}", EffectScope="RAM",
                                PolicyDocument=ah.SEED_POLICY)["ControlPolicy"]["PolicyId"]
    rm.AttachControlPolicy(PolicyId=cp, TargetId=folder["FolderId"])
    at = rm.ListControlPolicyAttachmentsForTarget(TargetId=folder["FolderId"])
    assert cp in [a["PolicyId"] for a in at["ControlPolicyAttachments"]["ControlPolicyAttachment"]]
    expect_error(rm.CreateFolder, "EntityNotExists.Folder", None, FolderName="x", ParentFolderId="fd-nosuchfolder")
