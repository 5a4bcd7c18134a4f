"""Where a policy's scope ends: regions of loaded rows, Deny statements narrower than an Allow, attaching policies to
oneself, one's own AccessKeys, the role-ARN forms, dry runs and tag listings. Each case is a way a caller could see
or change more than its policies give it; each is refused (or filtered) and changes nothing."""
from __future__ import annotations

import json

import pytest

import access_helpers as ah
import kwhelpers as kw
from access_helpers import ACCOUNT_ID, expect_forbidden


@pytest.fixture(params=["v1", "tea-v3"])
def kind(request):
    return request.param


def user_ecs(server, kind, policies):
    _, ak, secret = ah.new_ram_user(server, policies)
    return ah.ecs_client(kind, server, ak, secret)


def root_key_pair(server, key_name) -> str:
    ah.root_ecs(server).import_key_pair(key_name, kw.gen_ed25519_openssh())
    return key_name


def test_an_instance_is_authorised_in_its_own_region_whatever_regionid_says(live_server):
    srv = live_server
    iid = ah.root_instance(srv)
    beijing_only = ah.policy_doc(ah.allow("ecs:*", f"acs:ecs:cn-beijing:{ACCOUNT_ID}:*"))
    _, ak, secret = ah.new_ram_user(srv, [beijing_only])
    ecs = ah.ecs_client("v1", srv, ak, secret)
    # The instance is in cn-hangzhou: naming another region in the request does not bring it under the policy.
    for action in ("StopInstanceRequest", "RebootInstanceRequest", "ModifyInstanceAttributeRequest"):
        req = ecs._mod(action)
        req.set_InstanceId(iid)
        if action.startswith("Modify"):
            req.set_Password("Kw-Passw0rd!99")
        expect_forbidden(ecs._call, req, region="cn-beijing", action="ecs:" + action[: -len("Request")])
    status = ah.root_ecs(srv).describe_instances(instance_ids=json.dumps([iid]))["Instances"]["Instance"][0]["Status"]
    assert status == "Running"


def test_a_narrower_deny_hides_names_an_allow_on_everything_would_show(live_server, kind):
    srv = live_server
    t = kw.token(6)
    dev, prod = root_key_pair(srv, f"sdev-{t}"), root_key_pair(srv, f"sprod-{t}")
    policy = ah.policy_doc(ah.allow(["ecs:DescribeKeyPairs", "ecs:ListTagResources"], "*"),
                           ah.deny(["ecs:DescribeKeyPairs", "ecs:ListTagResources"], "acs:ecs:*:*:keypair/sprod-*"))
    ecs = user_ecs(srv, kind, [policy])
    listed = ecs.describe_key_pairs(name=f"s*-{t}")
    assert kw.names_of(listed) == [dev]
    assert int(listed["TotalCount"]) == 1
    ah.root_ecs(srv).tag_resources([dev, prod], [("team", t)])
    tagged = kw.tag_resources_of(ecs.list_tag_resources(resource_ids=[dev, prod]))
    assert {r["ResourceId"] for r in tagged} == {dev}


def test_attaching_a_policy_to_oneself_needs_the_policy_too(live_server):
    srv = live_server
    me = ah.name("self")
    own = ah.policy_doc(ah.allow(["ram:AttachPolicyToUser", "ram:ListPoliciesForUser"], f"acs:ram:*:{ACCOUNT_ID}:user/{me}"))
    _, ak, secret = ah.new_ram_user(srv, [own], user_name=me)
    ram = ah.tea_ram(srv, ak, secret)
    refused = ah.expect_error(ram.AttachPolicyToUser, "NoPermission", 403, PolicyType="System", PolicyName="AdministratorAccess", UserName=me)
    assert ah.denied_detail(refused)["AuthAction"] == "ram:AttachPolicyToUser"
    names = [p["PolicyName"] for p in ah.policies_of(ram.ListPoliciesForUser(UserName=me))]
    assert "AdministratorAccess" not in names


def test_a_user_manages_its_own_keys_with_a_policy_on_its_own_arn(live_server):
    srv = live_server
    me = ah.name("keys")
    own = ah.policy_doc(ah.allow(["ram:CreateAccessKey", "ram:ListAccessKeys", "ram:DeleteAccessKey"], f"acs:ram:*:{ACCOUNT_ID}:user/{me}"))
    _, ak, secret = ah.new_ram_user(srv, [own], user_name=me)
    ram = ah.tea_ram(srv, ak, secret)
    created = ram.CreateAccessKey()["AccessKey"]
    listed = {k["AccessKeyId"] for k in ah.access_keys_of(ram.ListAccessKeys())}
    assert {ak, created["AccessKeyId"]} <= listed
    ram.DeleteAccessKey(UserAccessKeyId=created["AccessKeyId"])
    other, _, _ = ah.new_ram_user(srv, [])
    ah.expect_error(ram.CreateAccessKey, "NoPermission", 403, UserName=other)


@pytest.mark.parametrize("form", ["role-arn", "star-region"])
def test_assume_role_matches_the_role_arn_in_either_form(live_server, form):
    srv = live_server
    role, arn = ah.new_role(srv, ["AliyunECSReadOnlyAccess"])
    resource = arn if form == "role-arn" else f"acs:ram:*:{ACCOUNT_ID}:role/{role}"
    _, ak, secret = ah.new_ram_user(srv, [ah.policy_doc(ah.allow("sts:AssumeRole", resource))])
    creds = ah.assume_role(srv, ak, secret, arn)["Credentials"]
    assert creds["AccessKeyId"].startswith("STS.")
    other_role, other_arn = ah.new_role(srv, [])
    ah.expect_error(ah.assume_role, "NoPermission", 403, srv, ak, secret, other_arn)


def test_a_dry_run_is_answered_only_after_the_door(live_server, kind):
    srv = live_server
    ecs = user_ecs(srv, kind, [ah.policy_doc(ah.allow("ecs:Describe*"))])
    expect_forbidden(ecs.call, "RunInstances", ImageId=ah.LINUX_IMAGE, InstanceType=ah.INSTANCE_TYPE,
                     DryRun=ah.sdk_bool(kind, True), action="ecs:RunInstances")
    allowed = user_ecs(srv, kind, ["AliyunECSFullAccess"])
    with pytest.raises(kw.ApiError) as dry:
        allowed.call("RunInstances", ImageId=ah.LINUX_IMAGE, InstanceType=ah.INSTANCE_TYPE, DryRun=ah.sdk_bool(kind, True))
    assert dry.value.code == "DryRunOperation"


def test_describe_instances_shows_only_instances_the_caller_may_describe(live_server, kind):
    srv = live_server
    shown, hidden = ah.root_instance(srv), ah.root_instance(srv)
    policy = ah.policy_doc(ah.allow("ecs:DescribeInstances", "*"),
                           ah.deny("ecs:DescribeInstances", f"acs:ecs:*:*:instance/{hidden}"))
    ecs = user_ecs(srv, kind, [policy])
    ids = [i["InstanceId"] for i in ecs.describe_instances(page_size=100)["Instances"]["Instance"]]
    assert shown in ids
    assert hidden not in ids
