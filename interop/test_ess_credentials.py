"""Auto Scaling (ESS) on real sandbox instances: each instance a group launches has its own credentials, never the
image's unless the configuration asks (the seed: "Instances automatically created by Auto Scaling do not have the same
password … use a key pair … otherwise reset the password, then restart the instance"). Written to
shared/reference/alibaba-ess-api.md ahead of the server's ESS actions: move to interop/test_ess_credentials.py when
they land (see README.md here).

Uses the session sandbox server of instance_fixtures (like test_instances.py: it needs root and fails clearly without
it). Key logins with `ssh`, password logins with paramiko ("refused" = refused by both the password and the
keyboard-interactive methods), host keys with ssh-keyscan. One SDK version per test, both versions across the module,
to keep the boots (about a dozen) to a few minutes.
"""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from typing import Dict, Iterable

import pytest

import access_helpers as ah
import ess_helpers as eh
import instance_helpers as ih
from ess_helpers import refused

pytest_plugins = ["instance_fixtures"]

WAIT = max(eh.WAIT, 180.0)       # sandbox boots: seconds each
NOT_OFFERED = {"password": "not-offered", "keyboard-interactive": "not-offered"}
Q = "QuantityChangeInCapacity"


@dataclass
class Preset:
    image_id: str
    key: ih.KeyFile
    password: str
    host_keys: set


@pytest.fixture(scope="module")
def preset(module_fleet):
    """A custom image that carries a preset root password and an authorized key (and host keys): root runs an
    instance with a key pair and a Password, captures it with CreateImage, and deletes the instance."""
    f = module_fleet
    sdk = f.sdk("legacy")
    key = f.key(sdk, prefix="kwesspre")
    password = ih.strong_password()
    src = f.run_one(sdk, key_pair_name=key.name, password=password)
    ip = ih.private_ip(src)
    ih.assert_key_login(ip, key.path, what="(image source)")
    host_keys = ih.host_keys(ip)
    image_id = f.image(src["InstanceId"], sdk)
    ah.wait_image_available(sdk, image_id, limit=WAIT)
    sdk.delete_instance(src["InstanceId"], force=True)
    return Preset(image_id, key, password, host_keys)


@pytest.fixture
def esst(fleet):
    """Groups of one test, ForceDeleted first; then `fleet` deletes what is left and checks that every member's
    network namespace is gone."""
    t = eh.EssTracker(fleet.server, on_instances=fleet.track, wait=WAIT)
    yield t
    t.cleanup()


def addresses(ecs, ids: Iterable[str]) -> Dict[str, str]:
    return {i: ih.private_ip(ih.describe_one(ecs, i)) for i in ids}


def assert_released(ecs, ids) -> None:
    eh.wait_ecs_gone(ecs, ids, WAIT)
    left = [i for i in ids if ih.namespace_of(i) in ih.netns_names()]
    assert not left, f"released instances kept their network namespaces (and sandboxes): {left}"


# ---------------------------------------------------------------------------------------------
# A group of 2 from an image with preset credentials: own host keys, own unknown passwords
# ---------------------------------------------------------------------------------------------

def test_group_of_two_from_a_preset_image_gets_its_own_credentials(sandbox, esst, preset):
    ess, ecs = eh.ess_client("legacy", sandbox), esst.ecs
    gid, cid, ms = esst.enabled_group(ess, 2, 3, config={"image_id": preset.image_id})
    assert all(m["CreationType"] == "AutoCreated" and m["HealthStatus"] == "Healthy" for m in ms), ms
    c = ess.configuration(cid)
    assert c["PasswordSetted"] is False and c.get("PasswordInherit") is False and not c.get("KeyPairName"), c
    a, b = eh.member_ids(ms)
    ips = addresses(ecs, (a, b))
    assert len(set(ips.values())) == 2, ips
    for iid in (a, b):
        inst = ih.describe_one(ecs, iid)
        assert inst["ImageId"] == preset.image_id and not inst.get("KeyPairName"), inst
        assert eh.ecs_tags(inst).get(eh.GROUP_TAG) == gid, inst

    # CHOICE: InService means the instance's sshd answers (as RunInstances returns Running only then).
    keys = {i: ih.host_keys(ip) for i, ip in ips.items()}
    assert not (keys[a] & keys[b]), "two members share a host key"
    assert not ((keys[a] | keys[b]) & preset.host_keys), "a member presents the image's host key"
    for iid, ip in ips.items():
        ih.assert_key_refused(ip, preset.key.path, what=f"(the image's key on {iid})")
        ih.assert_password_refused(ip, preset.password, what=f"(the image's password on {iid})")

    # The seed's flow: reset the password through ECS, restart, log on: to that instance only.
    password = ih.strong_password()
    ecs.modify_instance_attribute(a, password=password)
    ih.assert_password_refused(ips[a], password, what="(reset, before the restart)")
    ecs.reboot_instance(a)
    ah.wait_instance_status(ecs, a, "Running", limit=WAIT)
    ih.assert_password_login(ips[a], password, what="(reset and restarted)")
    ih.assert_password_refused(ips[b], password, what="(the other member)")
    ih.assert_password_refused(ips[a], preset.password, what="(the image's password after the reset)")
    assert ih.host_keys(ips[a]) == keys[a], "a restart must keep the host keys"
    # CHOICE: a restart through ECS is not a failure: the member stays, Healthy and InService, not replaced.
    assert {(m["InstanceId"], m["LifecycleState"], m["HealthStatus"]) for m in ess.members(gid)} == \
        {(a, "InService", "Healthy"), (b, "InService", "Healthy")}


# ---------------------------------------------------------------------------------------------
# A key-pair configuration swapped in; one activity at a time; protection and scale-in; attach; ForceDelete
# ---------------------------------------------------------------------------------------------

def test_key_pair_configuration_protection_and_force_delete(sandbox, fleet, esst, preset):
    ess, ecs = eh.ess_client("tea", sandbox), esst.ecs
    gid, c1, (first,) = esst.enabled_group(ess, 1, 3, config={"image_id": preset.image_id})
    a = first["InstanceId"]
    ip_a = addresses(ecs, [a])[a]
    key = fleet.key(fleet.sdk("tea-v3"), prefix="kwesskey")
    c2 = esst.configuration(ess, gid, image_id=preset.image_id, key_pair_name=key.name)
    ess.modify_scaling_group(gid, active_configuration_id=c2)
    states = {c["ScalingConfigurationId"]: c["LifecycleState"] for c in ess.describe_scaling_configurations(group_id=gid)}
    assert states == {c1: "Inactive", c2: "Active"}, states
    assert ess.group(gid)["ActiveScalingConfigurationId"] == c2
    (m,) = ess.members(gid)
    assert (m["InstanceId"], m["ScalingConfigurationId"]) == (a, c1), "swapping configurations must not touch members"
    ih.assert_key_refused(ip_a, key.path, what="(the new configuration's key on an old member)")

    # Scale out; while that activity boots its instance, a second activity is refused. CHOICE: ScaleWithAdjustment
    # returns once the activity is recorded (InProgress), before the boot, which takes seconds on the sandbox.
    activity = ess.scale(gid, Q, 1)
    assert eh.assert_one_activity_at_a_time(ess, gid, activity, 2), \
        "the scale-out ended before a second call could be made (a sandbox boot takes seconds): are activities " \
        "run in the background, with the call returning once the activity is recorded?"
    eh.wait_activity(ess, activity, limit=WAIT)
    (b,) = set(eh.member_ids(esst.in_service(ess, gid, 2))) - {a}
    (mb,) = ess.describe_scaling_instances(ids=[b])
    assert mb["ScalingConfigurationId"] == c2 and mb["CreationType"] == "AutoCreated", mb
    inst = ih.describe_one(ecs, b)
    assert inst["KeyPairName"] == key.name, inst
    ip_b = ih.private_ip(inst)
    assert mb.get("PrivateIpAddress") == ip_b, mb                  # 2022-02-22 adds PrivateIpAddress
    ih.assert_key_login(ip_b, key.path, what="(key-pair configuration)")
    assert ih.assert_password_refused(ip_b, preset.password, what="(key pair: no passwords)") == NOT_OFFERED
    ih.assert_key_refused(ip_b, preset.key.path, what="(the image's key)")

    # Protection: scale-in by one would take the member of the oldest configuration (a); a is protected, b goes.
    ess.set_instances_protection(gid, [a], True)
    esst.scale(ess, gid, Q, -1, 1)
    assert eh.member_ids(ess.members(gid)) == [a]
    assert_released(ecs, [b])
    ih.assert_key_refused(ip_a, key.path, what="(protected member, untouched)")

    # An existing instance with its own key joins, keeps its key, and outlives the group.
    own = fleet.key(fleet.sdk("legacy"), prefix="kwessown")
    e = fleet.run_one(fleet.sdk("legacy"), key_pair_name=own.name)
    eid, ip_e = e["InstanceId"], ih.private_ip(e)
    eh.wait_activity(ess, ess.attach_instances(gid, [eid]), limit=WAIT)
    esst.in_service(ess, gid, 2, ("InService", "Protected"))
    ih.assert_key_login(ip_e, own.path, what="(attached)")

    # CHOICE: ForceDelete releases every AutoCreated member, protected ones too; attached ones only leave.
    ess.delete_scaling_group(gid, force=True)
    eh.wait_group_gone(ess, gid, WAIT)
    esst.forget(gid)
    assert_released(ecs, [a])
    assert ih.describe_one(ecs, eid)["Status"] == "Running"
    ih.assert_key_login(ip_e, own.path, what="(attached, after ForceDelete)")


# ---------------------------------------------------------------------------------------------
# PasswordInherit: honoured only when asked, and refused by the seed's policy
# ---------------------------------------------------------------------------------------------

def test_password_inherit_only_when_asked(sandbox, esst, preset):
    ess, ecs = eh.ess_client("legacy", sandbox), esst.ecs
    gid, cid, (m,) = esst.enabled_group(ess, 1, 2, config={"image_id": preset.image_id, "password_inherit": True})
    c = ess.configuration(cid)
    # CHOICE: PasswordSetted says whether a Password was given; PasswordInherit is reported on its own.
    assert c["PasswordInherit"] is True and c["PasswordSetted"] is False, c
    a = m["InstanceId"]
    ip_a = addresses(ecs, [a])[a]
    ih.assert_password_login(ip_a, preset.password, what="(PasswordInherit=True)")
    ih.assert_key_refused(ip_a, preset.key.path, what="(keys never carry over)")
    assert not (ih.host_keys(ip_a) & preset.host_keys), "host keys never carry over"

    ess.modify_scaling_configuration(cid, password_inherit=False)
    assert ess.configuration(cid)["PasswordInherit"] is False
    before = eh.member_ids(ess.members(gid))
    esst.scale(ess, gid, Q, 1, 2)
    (b,) = set(eh.member_ids(ess.members(gid))) - set(before)
    ip_b = addresses(ecs, [b])[b]
    ih.assert_password_refused(ip_b, preset.password, what="(PasswordInherit turned off)")
    ih.assert_password_login(ip_a, preset.password, what="(the earlier member keeps what it got)")


@pytest.mark.parametrize("kind", eh.VERSIONS)
def test_seed_policy_denies_password_inherit(sandbox, esst, preset, kind):
    """No instance boots here: the refusal comes before anything launches."""
    _, ak, secret = ah.new_ram_user(sandbox, ["AliyunESSFullAccess", "AliyunECSFullAccess", ah.SEED_POLICY])
    user = eh.ess_client(kind, sandbox, ak, secret)
    gid = esst.group(user, 0, 2)
    unchanged = lambda: eh.snapshot(esst.root, gid)  # noqa: E731
    # CHOICE: the seed's NoPresetPasswords policy denies ecs:RunInstances with ecs:PasswordInherit=true; a
    # configuration that would launch such instances is refused when it is made (and when modified to ask for it),
    # in ESS's own words for a refused authorisation: 403 Forbidden.Unauthorized, ExplicitDeny, AuthAction ecs:RunInstances.
    e = refused(user.create_scaling_configuration, "Forbidden.Unauthorized", 403, gid, image_id=preset.image_id,
                password_inherit=True, unchanged=unchanged)
    detail = ah.denied_detail(e)
    assert isinstance(detail, dict) and detail.get("NoPermissionType") == "ExplicitDeny", (e, detail)
    assert detail.get("AuthAction") == "ecs:RunInstances", detail
    assert esst.root.describe_scaling_configurations(group_id=gid) == []
    cid = esst.configuration(user, gid, image_id=preset.image_id, password_inherit=False)
    e = refused(user.modify_scaling_configuration, "Forbidden.Unauthorized", 403, cid, password_inherit=True,
                unchanged=unchanged)
    assert ah.denied_detail(e).get("NoPermissionType") == "ExplicitDeny", e
    assert esst.root.configuration(cid)["PasswordInherit"] is False
    # Control: the same system policies without the seed's deny allow it.
    _, ak2, secret2 = ah.new_ram_user(sandbox, ["AliyunESSFullAccess", "AliyunECSFullAccess"])
    esst.configuration(eh.ess_client(kind, sandbox, ak2, secret2), gid, image_id=preset.image_id,
                       password_inherit=True)


# ---------------------------------------------------------------------------------------------
# A member that dies is replaced to keep MinSize
# ---------------------------------------------------------------------------------------------

def kill_instance(instance_id: str) -> None:
    """Kills every process in the instance's network namespace, by pid, as a crash would."""
    pids = ih.run_cmd(["ip", "netns", "pids", ih.namespace_of(instance_id)], check=True).stdout.split()
    assert pids, f"no processes in the namespace of {instance_id}"
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_dead_members_are_replaced(sandbox, esst):
    ess, ecs = eh.ess_client("tea", sandbox), esst.ecs
    gid, _, ms = esst.enabled_group(ess, 2, 3)
    killed, stopped = eh.member_ids(ms)
    # CHOICE: the health check watches the sandbox itself: a killed sandbox is not Running; so is one stopped
    # through ECS StopInstance. Both become Unhealthy, are removed and released, and MinSize is launched again.
    kill_instance(killed)
    ecs.stop_instance(stopped)

    def replaced():
        now = ess.members(gid)
        ids = eh.member_ids(now)
        fresh = [m for m in now if m["InstanceId"] not in (killed, stopped) and m["LifecycleState"] == "InService"]
        return killed not in ids and stopped not in ids and len(fresh) == 2 and len(now) == 2, \
            [(m["InstanceId"], m["LifecycleState"], m.get("HealthStatus")) for m in now]
    eh.wait_until(replaced, f"{killed} (killed) and {stopped} (stopped) replaced in {gid}", 2 * WAIT, 1.0)
    news = esst.in_service(ess, gid, 2)
    assert_released(ecs, [killed, stopped])
    for iid, ip in addresses(ecs, eh.member_ids(news)).items():
        assert ih.host_keys(ip), iid
    acts = ess.describe_scaling_activities(group_id=gid)
    assert len(acts) >= 2 and all(x["StatusCode"] != "InProgress" for x in acts), acts

    ess.delete_scaling_group(gid, force=True)                     # ForceDelete releases everything
    eh.wait_group_gone(ess, gid, WAIT)
    esst.forget(gid)
    assert_released(ecs, eh.member_ids(news))
