"""Auto Scaling (ESS) groups, configurations, rules and activities through both SDK versions, on the simulated driver
(the session `live_server`; no root needed). Written to shared/reference/alibaba-ess-api.md ahead of the server's
ESS actions: move to interop/test_ess_groups.py when they land (see README.md here).

Every test runs once per version (2014-08-28 legacy SDK, 2022-02-22 Tea SDK) and, where it matters, reads what one
version made through the other: one product, the same groups. Error paths name the exact code and HTTP status.

Left out: ScalingActivityInProgress. On the simulated driver an activity may end before the next call arrives, so a
refusal cannot be observed reliably here; ess_credentials_pending.py checks it while real sandbox instances boot.
"""
from __future__ import annotations

import json

import pytest

import ess_helpers as eh
import instance_helpers as ih
import kwhelpers as kw
from ess_helpers import INSTANCE_TYPE, LINUX_IMAGE, REGION, expect_error, refused

Q, PCT, TOTAL = "QuantityChangeInCapacity", "PercentChangeInCapacity", "TotalCapacity"


@pytest.fixture(params=eh.VERSIONS)
def kind(request):
    return request.param


@pytest.fixture
def ess(live_server, kind):
    return eh.ess_client(kind, live_server)


@pytest.fixture
def other(live_server, kind):
    """The other version, on the same server."""
    return eh.ess_client(eh.other_version(kind), live_server)


@pytest.fixture
def esst(live_server):
    t = eh.EssTracker(live_server)
    yield t
    t.cleanup()


def key_pair(server) -> str:
    name = kw.uniq("kwess")
    kw.make_sdk("legacy", server).import_key_pair(name, kw.gen_ed25519_openssh())
    return name


def world(ess, esst, gid):
    """The group's own state, plus how many groups and ECS instances exist: what a failed call must not change."""
    return eh.snapshot(ess, gid), ess.describe_scaling_groups(page_size=1).total, ih.instance_count(esst.ecs)


def new_member(before, after) -> str:
    (iid,) = set(eh.member_ids(after)) - set(eh.member_ids(before))
    return iid


# ---------------------------------------------------------------------------------------------
# Groups and configurations: CRUD, one view for both versions
# ---------------------------------------------------------------------------------------------

def test_groups_and_configurations_seen_by_both_versions(esst, ess, other):
    name = eh.group_name()
    gid = esst.group(ess, 0, 3, name=name, default_cooldown=120,
                     removal_policies=["NewestInstance", "OldestScalingConfiguration"])
    g = other.group(gid)
    assert (g["ScalingGroupName"], g["MinSize"], g["MaxSize"], g["DefaultCooldown"]) == (name, 0, 3, 120), g
    assert g["LifecycleState"] == "Inactive" and g["TotalCapacity"] == 0, g     # inert until enabled
    assert g["RemovalPolicies"] == ["NewestInstance", "OldestScalingConfiguration"], g
    assert g["RegionId"] == REGION and eh.MINUTE_UTC_RE.match(g["CreationTime"]), g
    gid2 = esst.group(other, 1, 2)
    assert ess.group(gid2)["RemovalPolicies"] == ["OldestScalingConfiguration", "OldestInstance"]   # the default

    other.modify_scaling_group(gid, name=name + "-b", min_size=1, max_size=5, default_cooldown=60)
    g = ess.group(gid)
    assert (g["ScalingGroupName"], g["MinSize"], g["MaxSize"], g["DefaultCooldown"]) == (name + "-b", 1, 5, 60), g
    assert g["LifecycleState"] == "Inactive", g

    cname = "kwcfg-" + kw.token()
    cid = esst.configuration(ess, gid, name=cname, host_name="kwhost-a", instance_name="kwname-a",
                             tags={"team": "web"})
    c = other.configuration(cid)
    assert (c["ScalingConfigurationId"], c["ScalingGroupId"], c["ScalingConfigurationName"]) == (cid, gid, cname), c
    assert (c["ImageId"], c["InstanceType"], c["HostName"], c["InstanceName"]) == \
        (LINUX_IMAGE, INSTANCE_TYPE, "kwhost-a", "kwname-a"), c
    # CHOICE: PasswordInherit unset reads false (the reference states no default).
    assert c["PasswordSetted"] is False and c.get("PasswordInherit") is False, c
    assert eh.MINUTE_UTC_RE.match(c["CreationTime"]), c
    other.modify_scaling_configuration(cid, name=cname + "-b", host_name="kwhost-b")
    c = ess.configuration(cid)
    assert (c["ScalingConfigurationName"], c["HostName"], c["InstanceName"]) == (cname + "-b", "kwhost-b", "kwname-a"), c
    assert [x["ScalingConfigurationId"] for x in other.describe_scaling_configurations(group_id=gid)] == [cid]

    # An inactive group without instances is deleted without ForceDelete, its configurations with it.
    ess.delete_scaling_group(gid)
    eh.wait_group_gone(other, gid)
    esst.forget(gid)
    assert ess.describe_scaling_groups(ids=[gid]).total == 0
    assert other.describe_scaling_configurations(ids=[cid]) == []


def test_describe_groups_by_ids_names_and_pages(esst, ess, other):
    stem = "kwpage-" + kw.token()
    names = [f"{stem}-{i}" for i in range(3)]
    ids = [esst.group(ess if i % 2 else other, 0, 2, name=n) for i, n in enumerate(names)]
    got = ess.describe_scaling_groups(ids=[ids[0], ids[2]])
    assert sorted(g["ScalingGroupId"] for g in got) == sorted([ids[0], ids[2]]) and got.total == 2, got
    got = ess.describe_scaling_groups(names=[names[1], names[2]])
    assert sorted(g["ScalingGroupId"] for g in got) == sorted(ids[1:]), got
    assert [g["ScalingGroupId"] for g in ess.describe_scaling_groups(name=names[0])] == [ids[0]]
    assert [g["ScalingGroupId"] for g in ess.describe_scaling_groups(ids=[ids[1], eh.missing_id("asg")])] == [ids[1]]

    seen = []
    for page in (1, 2):
        p = ess.describe_scaling_groups(ids=ids, page_number=page, page_size=2)
        assert (p.total, p.page_number, p.page_size) == (3, page, 2), p
        assert len(p) == (2 if page == 1 else 1), p
        seen += [g["ScalingGroupId"] for g in p]
    assert sorted(seen) == sorted(ids)
    assert ess.describe_scaling_groups(ids=ids, page_number=3, page_size=2) == []


def test_min_above_max_is_a_conflict(esst, ess):
    name = eh.group_name()
    expect_error(ess.create_scaling_group, "InvalidParameter.Conflict", 400, 3, 2, name=name)
    assert ess.describe_scaling_groups(name=name) == []
    gid = esst.group(ess, 1, 2)
    unchanged = lambda: eh.snapshot(ess, gid)  # noqa: E731
    refused(ess.modify_scaling_group, "InvalidParameter.Conflict", 400, gid, min_size=3, unchanged=unchanged)
    refused(ess.modify_scaling_group, "InvalidParameter.Conflict", 400, gid, max_size=0, unchanged=unchanged)


def test_duplicate_names(esst, ess, other):
    name = eh.group_name()
    gid = esst.group(ess, 0, 2, name=name)
    expect_error(other.create_scaling_group, "InvalidScalingGroupName.Duplicate", 400, 0, 2, name=name)
    assert [g["ScalingGroupId"] for g in ess.describe_scaling_groups(name=name)] == [gid]
    cname = "kwcfg-" + kw.token()
    cid = esst.configuration(ess, gid, name=cname)
    refused(other.create_scaling_configuration, "InvalidScalingConfigurationName.Duplicate", 400, gid, name=cname,
            unchanged=lambda: eh.snapshot(ess, gid))
    assert [c["ScalingConfigurationId"] for c in ess.describe_scaling_configurations(group_id=gid)] == [cid]


def test_unknown_ids(esst, ess):
    g, c, i = eh.missing_id("asg"), eh.missing_id("asc"), "i-kwmissing" + kw.token(10)
    # CHOICE: the group is looked up before the instances named with it; ScaleWithAdjustment and DetachInstances
    # answer as the documented operations do.
    for fn, args, kwargs in [
        (ess.enable_scaling_group, (g,), {}), (ess.disable_scaling_group, (g,), {}),
        (ess.delete_scaling_group, (g,), {}), (ess.modify_scaling_group, (g,), {"max_size": 2}),
        (ess.create_scaling_configuration, (g,), {}), (ess.create_scaling_rule, (g, Q, 1), {}),
        (ess.scale_with_adjustment, (g, Q, 1), {}), (ess.remove_instances, (g, [i]), {}),
        (ess.attach_instances, (g, [i]), {}), (ess.detach_instances, (g, [i]), {}),
        (ess.set_instances_protection, (g, [i], True), {}),
    ]:
        expect_error(fn, "InvalidScalingGroupId.NotFound", 404, *args, **kwargs)
    gid = esst.group(ess, 0, 2)
    expect_error(ess.enable_scaling_group, "InvalidScalingConfigurationId.NotFound", 404, gid, configuration_id=c)
    expect_error(ess.modify_scaling_group, "InvalidScalingConfigurationId.NotFound", 404, gid,
                 active_configuration_id=c)
    # CHOICE: Modify/DeleteScalingConfiguration of an unknown id: 404 InvalidScalingConfigurationId.NotFound.
    expect_error(ess.modify_scaling_configuration, "InvalidScalingConfigurationId.NotFound", 404, c, host_name="x-y")
    expect_error(ess.delete_scaling_configuration, "InvalidScalingConfigurationId.NotFound", 404, c)
    ari = f"ari:acs:ess:{REGION}:{eh.ACCOUNT_ID}:scalingrule/{eh.missing_id('asr')}"
    expect_error(ess.execute_scaling_rule, "InvalidScalingRuleAri.NotFound", 404, ari)
    assert ess.group(gid)["LifecycleState"] == "Inactive"

    # Describe* with unknown ids: an empty list, no error. CHOICE: an unknown ScalingGroupId filter is the same.
    for p in (ess.describe_scaling_groups(ids=[g]), ess.describe_scaling_configurations(ids=[c]),
              ess.describe_scaling_activities(ids=[eh.missing_id("asa")]), ess.describe_scaling_instances(ids=[i]),
              ess.describe_scaling_rules(ids=[eh.missing_id("asr")]), ess.describe_scaling_instances(group_id=g),
              ess.describe_scaling_activities(group_id=g), ess.describe_scaling_configurations(group_id=g)):
        assert p == [] and p.total == 0, p


def test_configuration_refusals_for_missing_key_pair_and_image(live_server, esst, ess):
    gid = esst.group(ess, 0, 2)
    unchanged = lambda: eh.snapshot(ess, gid)  # noqa: E731
    refused(ess.create_scaling_configuration, "InvalidKeyPairName.NotFound", 400, gid,
            key_pair_name=kw.uniq("kwnokey"), unchanged=unchanged)
    refused(ess.create_scaling_configuration, "InvalidImageId.NotFound", 404, gid,
            image_id="m-kwmissing" + kw.token(10), unchanged=unchanged)
    assert ess.describe_scaling_configurations(group_id=gid) == []
    key = key_pair(live_server)
    cid = esst.configuration(ess, gid, key_pair_name=key)
    # CHOICE: ModifyScalingConfiguration checks the key pair as Create does.
    refused(ess.modify_scaling_configuration, "InvalidKeyPairName.NotFound", 400, cid,
            key_pair_name=kw.uniq("kwnokey"), unchanged=unchanged)
    assert ess.configuration(cid)["KeyPairName"] == key


def test_configurations_never_show_the_password(live_server, esst, ess, other):
    gid = esst.group(ess, 0, 2)
    password = ih.strong_password()
    c_pw = esst.configuration(ess, gid, password=password)
    key = key_pair(live_server)
    c_key = esst.configuration(other, gid, key_pair_name=key)
    for client in (ess, other):
        confs = {c["ScalingConfigurationId"]: c for c in client.describe_scaling_configurations(group_id=gid)}
        assert sorted(confs) == sorted([c_pw, c_key]), confs
        raw = client.last_body if client.name == "legacy" else client.last_raw
        assert password not in json.dumps(raw), f"{client.name}: DescribeScalingConfigurations shows the password"
        assert not any("Password" in c for c in confs.values()), confs
        assert confs[c_pw]["PasswordSetted"] is True and not confs[c_pw].get("KeyPairName"), confs[c_pw]
        assert confs[c_key]["PasswordSetted"] is False and confs[c_key]["KeyPairName"] == key, confs[c_key]

    # One active per group: enabling with one makes it Active; the other stays Inactive and can be deleted.
    ess.enable_scaling_group(gid, configuration_id=c_pw)
    states = {c["ScalingConfigurationId"]: c["LifecycleState"] for c in other.describe_scaling_configurations(group_id=gid)}
    assert states == {c_pw: "Active", c_key: "Inactive"}, states
    assert other.group(gid)["ActiveScalingConfigurationId"] == c_pw
    refused(ess.delete_scaling_configuration, "IncorrectScalingConfigurationLifecycleState", 400, c_pw,
            unchanged=lambda: eh.snapshot(ess, gid))
    other.delete_scaling_configuration(c_key)
    assert [c["ScalingConfigurationId"] for c in ess.describe_scaling_configurations(group_id=gid)] == [c_pw]


# ---------------------------------------------------------------------------------------------
# Enable, scale, rules
# ---------------------------------------------------------------------------------------------

def test_enable_needs_a_configuration(esst, ess):
    gid = esst.group(ess, 1, 2)
    refused(ess.enable_scaling_group, "MissingActiveScalingConfiguration", 400, gid,
            unchanged=lambda: eh.snapshot(ess, gid))
    assert ess.group(gid)["LifecycleState"] == "Inactive"


def test_enable_with_min_size_two_launches_two(esst, ess, other, kind):
    gid = esst.group(ess, 2, 4)
    cid = esst.configuration(ess, gid)
    ess.enable_scaling_group(gid, configuration_id=cid)
    ms = esst.in_service(other, gid, 2)
    for m in ms:
        assert (m["ScalingGroupId"], m["ScalingConfigurationId"], m["CreationType"]) == (gid, cid, "AutoCreated"), m
        assert m["HealthStatus"] == "Healthy" and eh.SECOND_UTC_RE.match(m["CreatedTime"]), m
    g = other.group(gid)
    assert (g["LifecycleState"], g["ActiveScalingConfigurationId"], g["TotalCapacity"]) == ("Active", cid, 2), g
    assert other.configuration(cid)["LifecycleState"] == "Active"
    # CHOICE: Enable launches MinSize in one activity; an activity's TotalCapacity is the capacity it leaves.
    (act,) = ess.describe_scaling_activities(group_id=gid)
    assert eh.ACTIVITY_ID_RE.match(act["ScalingActivityId"]) and act["StatusCode"] == "Successful", act
    assert act["Progress"] == 100 and act["TotalCapacity"] == 2 and act.get("Cause"), act
    assert eh.MINUTE_UTC_RE.match(act["StartTime"]) and eh.MINUTE_UTC_RE.match(act["EndTime"]), act
    if kind == "tea":                                           # 2022-02-22 adds CreatedInstances
        assert sorted(act["CreatedInstances"]) == eh.member_ids(ms), act
    ids = eh.member_ids(ms)
    assert ess.describe_scaling_instances(group_id=gid, creation_types=["Attached"]) == []
    assert eh.member_ids(ess.describe_scaling_instances(group_id=gid, lifecycle_states=["InService"])) == ids
    assert eh.member_ids(ess.describe_scaling_instances(ids=[ids[0]])) == [ids[0]]
    # CHOICE: Enable on an Active group (Enable is only from Inactive): 400 IncorrectScalingGroupStatus.
    refused(other.enable_scaling_group, "IncorrectScalingGroupStatus", 400, gid, configuration_id=cid,
            unchanged=lambda: eh.snapshot(ess, gid))
    # Members are ordinary ECS instances, tagged with their group.
    for iid in ids:
        inst = eh.ecs_instance(esst.ecs, iid)
        assert inst and inst["Status"] == "Running" and inst["ImageId"] == LINUX_IMAGE, inst
        assert inst["InstanceType"] == INSTANCE_TYPE and eh.ecs_tags(inst).get(eh.GROUP_TAG) == gid, inst


def test_scale_with_adjustment_is_kept_within_bounds(esst, ess):
    gid, _, first = esst.enabled_group(ess, 1, 3)
    unchanged = lambda: world(ess, esst, gid)  # noqa: E731
    esst.scale(ess, gid, Q, 5, 3)                               # +5 at 1, Max 3: +2
    assert ess.group(gid)["TotalCapacity"] == 3
    refused(ess.scale_with_adjustment, "IncorrectCapacity.NoChange", 400, gid, Q, 1, unchanged=unchanged)
    refused(ess.scale_with_adjustment, "IncorrectCapacity.NoChange", 400, gid, TOTAL, 50, unchanged=unchanged)
    three = ess.members(gid)
    esst.scale(ess, gid, PCT, -34, 2)                           # CHOICE: -1.02 of 3 rounds (to nearest) to -1
    esst.scale(ess, gid, TOTAL, 0, 1)                           # below MinSize 1: 1
    refused(ess.scale_with_adjustment, "IncorrectCapacity.NoChange", 400, gid, TOTAL, 1, unchanged=unchanged)
    released = set(eh.member_ids(three)) - set(eh.member_ids(ess.members(gid)))
    assert len(released) == 2
    eh.wait_ecs_gone(esst.ecs, released)                        # AutoCreated instances are released on scale-in
    esst.scale(ess, gid, PCT, 100, 2)
    esst.scale(ess, gid, PCT, 1000, 3)                          # +20 at 2, Max 3: +1
    assert ess.group(gid)["TotalCapacity"] == 3


def test_a_disabled_group_refuses_scaling(esst, ess, other):
    gid, cid, (m,) = esst.enabled_group(ess, 1, 3)
    rule = ess.create_scaling_rule(gid, Q, 1)
    spare = esst.ecs_instance(image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE)
    other.disable_scaling_group(gid)
    assert ess.group(gid)["LifecycleState"] == "Inactive"
    unchanged = lambda: world(ess, esst, gid)  # noqa: E731
    st = "IncorrectScalingGroupStatus"
    refused(ess.scale_with_adjustment, st, 400, gid, Q, 1, unchanged=unchanged)
    refused(ess.execute_scaling_rule, st, 400, rule["ScalingRuleAri"], unchanged=unchanged)
    refused(ess.attach_instances, st, 400, gid, [spare], unchanged=unchanged)
    refused(ess.set_instances_protection, st, 400, gid, [m["InstanceId"]], True, unchanged=unchanged)
    refused(ess.disable_scaling_group, st, 400, gid, unchanged=unchanged)   # CHOICE: Disable is only from Active
    fresh = esst.group(ess, 0, 2)
    refused(ess.scale_with_adjustment, st, 400, fresh, Q, 1, unchanged=lambda: eh.snapshot(ess, fresh))
    ess.enable_scaling_group(gid, configuration_id=cid)
    assert other.group(gid)["LifecycleState"] == "Active"
    esst.scale(ess, gid, Q, 1, 2)


def test_scaling_rule_executed_by_ari(esst, ess, other):
    gid, _, _ = esst.enabled_group(ess, 0, 3, default_cooldown=300)
    name = "kwrule-" + kw.token()
    r = ess.create_scaling_rule(gid, Q, 2, name=name, cooldown=300)
    rid, ari = r["ScalingRuleId"], r["ScalingRuleAri"]
    assert eh.RULE_ID_RE.match(rid), r
    assert ari == f"ari:acs:ess:{REGION}:{eh.ACCOUNT_ID}:scalingrule/{rid}", r
    for found in (other.describe_scaling_rules(ids=[rid]), other.describe_scaling_rules(aris=[ari]),
                  ess.describe_scaling_rules(group_id=gid)):
        assert [(x["ScalingRuleId"], x["ScalingRuleAri"], x["ScalingRuleName"]) for x in found] == [(rid, ari, name)]
        assert (found[0]["AdjustmentType"], found[0]["AdjustmentValue"], found[0]["ScalingGroupId"]) == (Q, 2, gid)
    eh.wait_activity(ess, other.execute_scaling_rule(ari))
    esst.in_service(ess, gid, 2)
    # ExecuteScalingRule ignores the cooldown, and is clamped to MaxSize (+2 at 2, Max 3: +1).
    eh.wait_activity(other, ess.execute_scaling_rule(ari))
    esst.in_service(ess, gid, 3)
    refused(other.execute_scaling_rule, "IncorrectCapacity.NoChange", 400, ari, unchanged=lambda: eh.snapshot(ess, gid))


# ---------------------------------------------------------------------------------------------
# Members: remove, protect, removal order, attach / detach, delete
# ---------------------------------------------------------------------------------------------

def test_remove_instances_keeps_min_size(esst, ess):
    gid, _, _ = esst.enabled_group(ess, 1, 3)
    esst.scale(ess, gid, TOTAL, 3, 3)
    ids = eh.member_ids(ess.members(gid))
    unchanged = lambda: world(ess, esst, gid)  # noqa: E731
    refused(ess.remove_instances, "IncorrectCapacity.MinSize", 400, gid, ids, unchanged=unchanged)
    refused(ess.remove_instances, "InvalidInstanceId.NotFound", 404, gid, ["i-kwmissing" + kw.token(10)],
            unchanged=unchanged)
    eh.wait_activity(ess, ess.remove_instances(gid, ids[:2]))
    assert eh.member_ids(esst.in_service(ess, gid, 1)) == ids[2:]
    eh.wait_ecs_gone(esst.ecs, ids[:2])
    refused(ess.remove_instances, "IncorrectCapacity.MinSize", 400, gid, ids[2:], unchanged=unchanged)


def test_protected_instance_survives_scale_in(esst, ess, other):
    gid, _, _ = esst.enabled_group(ess, 0, 3)
    esst.scale(ess, gid, TOTAL, 3, 3)
    keep = eh.member_ids(ess.members(gid))[1]
    other.set_instances_protection(gid, [keep], True)
    # CHOICE: a protected member reads LifecycleState Protected (a documented state); ProtectedCapacity counts it.
    (m,) = ess.describe_scaling_instances(ids=[keep])
    assert m["LifecycleState"] == "Protected", m
    assert ess.group(gid)["ProtectedCapacity"] == 1
    esst.scale(ess, gid, TOTAL, 1, 1)
    assert eh.member_ids(ess.members(gid)) == [keep]
    other.set_instances_protection(gid, [keep], False)
    assert ess.describe_scaling_instances(ids=[keep])[0]["LifecycleState"] == "InService"
    esst.scale(ess, gid, TOTAL, 0, 0)
    eh.wait_ecs_gone(esst.ecs, [keep])


@pytest.mark.parametrize("policy", ["OldestInstance", "NewestInstance"])
def test_removal_policy_order(esst, ess, policy):
    gid, _, _ = esst.enabled_group(ess, 0, 3, removal_policies=[policy])
    launched = []
    for n in (1, 2, 3):                                         # one at a time: known creation order
        before = ess.members(gid)
        esst.scale(ess, gid, Q, 1, n)
        launched.append(new_member(before, ess.members(gid)))
    expected = launched if policy == "OldestInstance" else launched[::-1]
    for n, gone in ((2, expected[0]), (1, expected[1])):
        esst.scale(ess, gid, Q, -1, n)
        assert gone not in eh.member_ids(ess.members(gid)), (policy, launched, ess.members(gid))
    assert eh.member_ids(ess.members(gid)) == [expected[2]]


def test_attach_and_detach_existing_instances(esst, ess, other):
    e, f = (esst.ecs_instance(image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE) for _ in range(2))
    a, _, _ = esst.enabled_group(ess, 0, 1)
    b, _, _ = esst.enabled_group(other, 0, 2)
    eh.wait_activity(ess, ess.attach_instances(a, [e]))
    (m,) = esst.in_service(other, a, 1)
    assert (m["InstanceId"], m["CreationType"], m["ScalingGroupId"]) == (e, "Attached", a), m
    refused(other.attach_instances, "InvalidInstanceId.InUse", 400, b, [e], unchanged=lambda: world(ess, esst, b))
    refused(ess.attach_instances, "IncorrectCapacity.MaxSize", 400, a, [f], unchanged=lambda: world(ess, esst, a))
    refused(ess.attach_instances, "InvalidInstanceId.NotFound", 404, b, ["i-kwmissing" + kw.token(10)],
            unchanged=lambda: world(ess, esst, b))
    eh.wait_activity(other, other.detach_instances(a, [e]))
    esst.in_service(ess, a, 0)
    inst = eh.ecs_instance(esst.ecs, e)
    assert inst and inst["Status"] == "Running", f"a detached instance stays in ECS: {inst}"
    eh.wait_activity(ess, ess.attach_instances(b, [e, f]))
    assert {(m["InstanceId"], m["CreationType"]) for m in esst.in_service(other, b, 2)} == {(e, "Attached"), (f, "Attached")}


def test_delete_group_needs_force_delete(esst, ess, other):
    e = esst.ecs_instance(image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE)
    gid, cid, (auto,) = esst.enabled_group(ess, 1, 3)
    rule = ess.create_scaling_rule(gid, Q, 1)
    eh.wait_activity(ess, ess.attach_instances(gid, [e]))
    esst.in_service(ess, gid, 2)
    acts = eh.wait_idle(ess, gid)
    # CHOICE: both versions refuse with the 2014 code (one product), rather than the 2022 deferred deletion.
    refused(other.delete_scaling_group, "InstanceInUse", 400, gid, unchanged=lambda: world(ess, esst, gid))
    refused(ess.delete_scaling_group, "InstanceInUse", 400, gid, force=False, unchanged=lambda: world(ess, esst, gid))

    other.delete_scaling_group(gid, force=True)
    eh.wait_group_gone(ess, gid)
    esst.forget(gid)
    assert other.group(gid) is None
    eh.wait_ecs_gone(esst.ecs, [auto["InstanceId"]])             # AutoCreated: released
    inst = eh.ecs_instance(esst.ecs, e)
    assert inst and inst["Status"] == "Running", f"ForceDelete must only remove an attached instance: {inst}"
    assert ess.describe_scaling_instances(ids=[auto["InstanceId"], e]) == []
    assert other.describe_scaling_configurations(ids=[cid]) == []
    assert ess.describe_scaling_rules(ids=[rule["ScalingRuleId"]]) == []
    assert other.describe_scaling_activities(ids=[a["ScalingActivityId"] for a in acts]) == []


def test_failed_calls_change_nothing(live_server, esst, ess, other):
    gid, cid, (m,) = esst.enabled_group(ess, 1, 2, name=eh.group_name())
    cname = ess.configuration(cid)["ScalingConfigurationName"]
    gname = ess.group(gid)["ScalingGroupName"]
    start = world(ess, esst, gid)
    missing = "i-kwmissing" + kw.token(10)
    ari = f"ari:acs:ess:{REGION}:{eh.ACCOUNT_ID}:scalingrule/{eh.missing_id('asr')}"
    for client in (ess, other):
        for code, status, fn, args, kwargs in [
            ("InvalidParameter.Conflict", 400, client.modify_scaling_group, (gid,), {"min_size": 3}),
            ("IncorrectCapacity.NoChange", 400, client.scale_with_adjustment, (gid, TOTAL, 1), {}),
            ("IncorrectCapacity.MinSize", 400, client.remove_instances, (gid, [m["InstanceId"]]), {}),
            ("InvalidInstanceId.NotFound", 404, client.attach_instances, (gid, [missing]), {}),
            ("InstanceInUse", 400, client.delete_scaling_group, (gid,), {}),
            ("IncorrectScalingGroupStatus", 400, client.enable_scaling_group, (gid,), {"configuration_id": cid}),
            ("InvalidKeyPairName.NotFound", 400, client.create_scaling_configuration, (gid,),
             {"key_pair_name": kw.uniq("kwnokey")}),
            ("InvalidImageId.NotFound", 404, client.create_scaling_configuration, (gid,),
             {"image_id": "m-kwmissing" + kw.token(10)}),
            ("InvalidScalingConfigurationName.Duplicate", 400, client.create_scaling_configuration, (gid,),
             {"name": cname}),
            ("InvalidScalingGroupName.Duplicate", 400, client.create_scaling_group, (0, 2), {"name": gname}),
            ("InvalidScalingRuleAri.NotFound", 404, client.execute_scaling_rule, (ari,), {}),
        ]:
            refused(fn, code, status, *args, unchanged=lambda: world(ess, esst, gid), **kwargs)
    assert world(ess, esst, gid) == start
    assert eh.snapshot(other, gid)[1:] == start[0][1:], "the other version sees another state"
