"""Real instances through the official SDKs: key pairs and passwords that a real sshd in a bubblewrap sandbox
(its own /etc, /root, /home, /var and network namespace) accepts or refuses.

Key logins use the `ssh` client with the private key CreateKeyPair returned; password logins use paramiko, and
"password refused" means refused by both the password and the keyboard-interactive methods. Credentials are
bound at once and effective at the next start or reboot.
"""
import json

import pytest

import instance_helpers as ih
import kwhelpers as kw
from instance_helpers import strong_password

pytest_plugins = ["instance_fixtures"]

NOT_OFFERED = {"password": "not-offered", "keyboard-interactive": "not-offered"}


def _mentions_keys(item):
    return "authorized_keys" in item


def _mentions_password(item):
    return "password" in item or "/etc/shadow" in item


def _mentions_host_key(item):
    return "/etc/ssh/ssh_host_" in item or "host_key" in item


def _credential_items(inst):
    return [i for i in ih.presets_removed(inst) if _mentions_keys(i) or _mentions_password(i) or _mentions_host_key(i)]


def _kp(sdk, name):
    found = kw.key_pairs(sdk.describe_key_pairs(name=name))
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------------------------------------
# 1. RunInstances with a key pair
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["legacy", "tea-v3"])
def test_run_instances_with_key_pair_logs_in_by_key_only(fleet, kind):
    sdk = fleet.sdk(kind)
    key = fleet.key(sdk)
    password = strong_password()
    host = "kwhost-" + kw.token()
    name = "kwinst-" + kw.token()
    inst = fleet.run_one(sdk, key_pair_name=key.name, password=password, host_name=host, name=name)
    iid = inst["InstanceId"]

    assert inst["KeyPairName"] == key.name
    assert inst["HostName"] == host and inst["InstanceName"] == name
    assert inst["ImageId"] == ih.LINUX_IMAGE and inst["InstanceType"] == ih.INSTANCE_TYPE
    assert inst["OSType"].lower() == "linux"
    assert inst["SshPort"] == 22
    assert inst["CredentialsPendingRestart"] is False
    assert _credential_items(inst) == [], "a public image carries no credentials to remove"
    ip = ih.private_ip(inst)
    assert ip.startswith(ih.SUBNET + "."), ip

    ih.assert_key_login(ip, key.path)
    r = ih.ssh_key(ip, key.path, command="hostname")
    assert r.returncode == 0 and r.stdout.strip() == host, (r.stdout, r.stderr)
    # A bound key disables password logon: neither method is even offered, so the right password fails.
    assert ih.assert_password_refused(ip, password) == NOT_OFFERED
    # A key that is not bound is refused.
    ih.assert_key_refused(ip, fleet.key(sdk).path, what="(unbound key)")

    # Keyward's DescribeKeyPairs lists the instances a pair is bound to.
    assert ih.key_pair_instance_ids(_kp(sdk, key.name)) == [iid]
    # DescribeInstances by key pair name.
    assert [i["InstanceId"] for i in ih.instances_of(sdk.describe_instances(key_pair_name=key.name))] == [iid]


def test_run_instances_with_password_only(fleet):
    sdk = fleet.sdk("tea-v2")
    password = strong_password()
    inst = fleet.run_one(sdk, password=password)
    ip = ih.private_ip(inst)
    assert (inst.get("KeyPairName") or "") == ""
    ih.assert_password_login(ip, password, what="(RunInstances Password)")
    assert ih.password_methods_result(ip, strong_password())["password"] == "rejected"
    ih.assert_key_refused(ip, fleet.key(sdk).path, what="(no key bound)")


# ---------------------------------------------------------------------------------------------
# 2. AttachKeyPair of a second key: effective after RebootInstance
# ---------------------------------------------------------------------------------------------

def test_attach_second_key_takes_effect_after_reboot(fleet):
    sdk = fleet.sdk("legacy")
    old, new = fleet.key(sdk), fleet.key(sdk)
    inst = fleet.run_one(sdk, key_pair_name=old.name)
    iid, ip = inst["InstanceId"], ih.private_ip(inst)
    ih.assert_key_login(ip, old.path)
    ih.assert_key_refused(ip, new.path, what="before it is attached")
    host_before = ih.host_keys(ip)

    r = sdk.attach_key_pair(new.name, [iid])
    assert r["KeyPairName"] == new.name
    assert int(r["TotalCount"]) == 1 and int(r["FailCount"]) == 0, r
    (res,) = ih.results_of(r)
    assert res["InstanceId"] == iid and res["Success"] is True and res["Code"] == "200", res

    # Bound at once, effective only after a restart.
    d = ih.describe_one(sdk, iid)
    assert d["KeyPairName"] == new.name and d["CredentialsPendingRestart"] is True, d
    assert d["Status"] == "Running"
    assert ih.key_pair_instance_ids(_kp(sdk, new.name)) == [iid]
    assert iid not in ih.key_pair_instance_ids(_kp(sdk, old.name))
    ih.assert_key_login(ip, old.path, what="(old key, before reboot)")
    ih.assert_key_refused(ip, new.path, what="(new key, before reboot)")

    # ModifyInstanceAttribute: InstanceName at once; HostName in the guest at the reboot.
    new_name = "kwname-" + kw.token()
    sdk.modify_instance_attribute(iid, name=new_name)
    d = ih.describe_one(sdk, iid)
    assert d["InstanceName"] == new_name and d["CredentialsPendingRestart"] is True, d
    new_host = "kwrenamed-" + kw.token()
    sdk.modify_instance_attribute(iid, host_name=new_host)
    assert ih.describe_one(sdk, iid)["HostName"] == new_host
    r = ih.ssh_key(ip, old.path, command="hostname")
    assert r.returncode == 0 and r.stdout.strip() != new_host, "the host name changed before the reboot"

    sdk.reboot_instance(iid)
    d = ih.describe_one(sdk, iid)
    assert d["Status"] == "Running" and d["CredentialsPendingRestart"] is False and d["KeyPairName"] == new.name, d
    ih.assert_key_login(ip, new.path, what="(new key, after reboot)")
    ih.assert_key_refused(ip, old.path, what="(old key, after reboot)")
    r = ih.ssh_key(ip, new.path, command="hostname")
    assert r.returncode == 0 and r.stdout.strip() == new_host, (r.stdout, r.stderr)
    assert ih.host_keys(ip) == host_before, "a reboot must keep the instance's host keys"


# ---------------------------------------------------------------------------------------------
# 3. DetachKeyPair + a password: password logon after the reboot
# ---------------------------------------------------------------------------------------------

def test_detach_key_and_set_password(fleet):
    sdk = fleet.sdk("tea-v3")
    key = fleet.key(sdk)
    inst = fleet.run_one(sdk, key_pair_name=key.name)
    iid, ip = inst["InstanceId"], ih.private_ip(inst)
    ih.assert_key_login(ip, key.path)
    password = strong_password()

    r = sdk.detach_key_pair(key.name, [iid])
    assert int(r["TotalCount"]) == 1 and int(r["FailCount"]) == 0, r
    (res,) = ih.results_of(r)
    assert res["InstanceId"] == iid and res["Success"] is True and res["Code"] == "200", res
    sdk.modify_instance_attribute(iid, password=password)
    d = ih.describe_one(sdk, iid)
    assert (d.get("KeyPairName") or "") == "" and d["CredentialsPendingRestart"] is True, d
    assert iid not in ih.key_pair_instance_ids(_kp(sdk, key.name))

    # Nothing changes in the running system before the reboot.
    ih.assert_key_login(ip, key.path, what="(detached key, before reboot)")
    ih.assert_password_refused(ip, password, what="(before reboot)")

    sdk.reboot_instance(iid)
    d = ih.describe_one(sdk, iid)
    assert d["Status"] == "Running" and d["CredentialsPendingRestart"] is False, d
    ih.assert_password_login(ip, password, what="(after detach + password + reboot)")
    assert ih.password_methods_result(ip, password + "x")["password"] == "rejected"
    ih.assert_key_refused(ip, key.path, what="(detached key, after reboot)")

    # Binding a key again disables password logon (after the reboot); the password is kept.
    sdk.attach_key_pair(key.name, [iid])
    sdk.reboot_instance(iid)
    ih.assert_key_login(ip, key.path, what="(re-attached)")
    assert ih.assert_password_refused(ip, password, what="(key bound again)") == NOT_OFFERED
    # ... and detaching it restores password logon, since a password is set.
    sdk.detach_key_pair(key.name, [iid])
    sdk.reboot_instance(iid)
    ih.assert_password_login(ip, password, what="(detached again)")
    ih.assert_key_refused(ip, key.path, what="(detached again)")


# ---------------------------------------------------------------------------------------------
# 4. CreateImage: a clone carries none of the source's credentials unless PasswordInherit
# ---------------------------------------------------------------------------------------------

def test_custom_image_clones_do_not_inherit_credentials(fleet):
    sdk = fleet.sdk("legacy")
    src_key = fleet.key(sdk)
    src_password = strong_password()
    src = fleet.run_one(sdk, key_pair_name=src_key.name, password=src_password)
    src_id, src_ip = src["InstanceId"], ih.private_ip(src)
    ih.assert_key_login(src_ip, src_key.path)
    src_host_keys = ih.host_keys(src_ip)

    image_id = fleet.image(src_id, sdk)
    (img,) = ih.images_of(sdk.describe_images(image_id=image_id))
    assert img["ImageId"] == image_id and img["OSType"].lower() == "linux", img
    own = [i["ImageId"] for i in ih.images_of(sdk.describe_images(owner_alias="self", page_size=100))]
    public = [i["ImageId"] for i in ih.images_of(sdk.describe_images(owner_alias="system", page_size=100))]
    assert image_id in own and image_id not in public
    assert ih.LINUX_IMAGE in public and ih.WINDOWS_IMAGE in public
    count = ih.instance_count(sdk)

    # PasswordInherit together with a Password is refused, and nothing is created.
    with pytest.raises(kw.ApiError) as ei:
        sdk.run_instances(image_id=image_id, password_inherit=True, password=strong_password())
    assert (ei.value.status, ei.value.code) == (400, "InvalidPasswordParam.Mismatch"), ei.value
    assert ih.instance_count(sdk) == count

    # Clone 1: its own key pair.
    own_key = fleet.key(sdk)
    c1 = fleet.run_one(sdk, image_id=image_id, key_pair_name=own_key.name)
    ip1 = ih.private_ip(c1)
    assert c1["ImageId"] == image_id and c1["KeyPairName"] == own_key.name
    ih.assert_key_login(ip1, own_key.path, what="(clone's own key)")
    ih.assert_key_refused(ip1, src_key.path, what="(source key on clone)")
    ih.assert_password_refused(ip1, src_password, what="(source password on clone)")
    removed = ih.presets_removed(c1)
    assert any("/root/.ssh/authorized_keys" in i for i in removed), removed
    assert any(_mentions_password(i) for i in removed), removed
    assert any(_mentions_host_key(i) for i in removed), removed
    assert not (ih.host_keys(ip1) & src_host_keys), "the clone presents the source's host key"

    # Clone 2: its own password, no key: the source password is rejected, the new one accepted.
    pw2 = strong_password()
    c2 = fleet.run_one(sdk, image_id=image_id, password=pw2)
    ip2 = ih.private_ip(c2)
    ih.assert_password_login(ip2, pw2, what="(clone's own password)")
    assert ih.password_methods_result(ip2, src_password)["password"] == "rejected"
    ih.assert_key_refused(ip2, src_key.path, what="(source key on password clone)")
    assert not (ih.host_keys(ip2) & src_host_keys)

    # Clone 3: PasswordInherit=true, no Password: the image's preset password logs in; the source key does not.
    c3 = fleet.run_one(sdk, image_id=image_id, password_inherit=True)
    ip3 = ih.private_ip(c3)
    ih.assert_password_login(ip3, src_password, what="(PasswordInherit)")
    ih.assert_key_refused(ip3, src_key.path, what="(source key on PasswordInherit clone)")
    removed3 = ih.presets_removed(c3)
    assert any("/root/.ssh/authorized_keys" in i for i in removed3), removed3
    assert not any(_mentions_password(i) for i in removed3), f"PasswordInherit must keep the password: {removed3}"
    assert not (ih.host_keys(ip3) & src_host_keys)
    assert len({frozenset(ih.host_keys(ip)) for ip in (ip1, ip2, ip3)}) == 3, "clones share a host key"

    # The source is untouched by the capture.
    ih.assert_key_login(src_ip, src_key.path, what="(source after CreateImage)")

    # DeleteImage: gone from DescribeImages, no longer launchable; the clones keep their own disks.
    sdk.delete_image(image_id, force=True)
    fleet.image_ids.remove(image_id)
    fleet.server.images.discard(image_id)
    assert ih.images_of(sdk.describe_images(image_id=image_id)) == []
    count = ih.instance_count(sdk)
    with pytest.raises(kw.ApiError) as ei:
        sdk.run_instances(image_id=image_id, key_pair_name=own_key.name)
    assert (ei.value.status, ei.value.code) == (404, "InvalidImageId.NotFound"), ei.value
    assert ih.instance_count(sdk) == count
    ih.assert_key_login(ip1, own_key.path, what="(clone after DeleteImage)")


# ---------------------------------------------------------------------------------------------
# CreateInstance (Stopped), Start/Stop, ReplaceSystemDisk with a new key
# ---------------------------------------------------------------------------------------------

def test_create_instance_start_stop_and_replace_system_disk(fleet):
    sdk = fleet.sdk("tea-v3")
    first, second = fleet.key(sdk), fleet.key(sdk)
    iid = fleet.create(sdk, key_pair_name=first.name)
    d = ih.describe_one(sdk, iid)
    assert d["Status"] == "Stopped" and d["KeyPairName"] == first.name, d
    st = sdk.describe_instance_status(instance_ids=[iid])
    assert [(s["InstanceId"], s["Status"]) for s in st["InstanceStatuses"]["InstanceStatus"]] == [(iid, "Stopped")]

    sdk.start_instance(iid)
    d = ih.describe_one(sdk, iid)
    assert d["Status"] == "Running", d
    ip = ih.private_ip(d)
    ih.assert_key_login(ip, first.path)
    keys_before = ih.host_keys(ip)

    sdk.stop_instance(iid)
    assert ih.describe_one(sdk, iid)["Status"] == "Stopped"
    r = ih.ssh_key(ip, first.path)
    assert r.returncode != 0, "a stopped instance still answers ssh"

    r = sdk.replace_system_disk(iid, image_id=ih.LINUX_IMAGE, key_pair_name=second.name)
    assert r.get("DiskId"), r
    d = ih.describe_one(sdk, iid)
    assert d["Status"] == "Stopped" and d["KeyPairName"] == second.name, d
    sdk.start_instance(iid)
    ip = ih.private_ip(ih.describe_one(sdk, iid))
    ih.assert_key_login(ip, second.path, what="(after ReplaceSystemDisk)")
    ih.assert_key_refused(ip, first.path, what="(old key after ReplaceSystemDisk)")
    assert not (ih.host_keys(ip) & keys_before), "a new system disk must get new host keys"


# ---------------------------------------------------------------------------------------------
# DeleteKeyPairs of a bound pair
# ---------------------------------------------------------------------------------------------

def test_deleting_a_bound_key_pair_keeps_it_on_the_instance(fleet):
    sdk = fleet.sdk("legacy")
    key = fleet.key(sdk)
    inst = fleet.run_one(sdk, key_pair_name=key.name)
    iid, ip = inst["InstanceId"], ih.private_ip(inst)

    sdk.delete_key_pairs(json.dumps([key.name]))
    fleet.key_names.remove(key.name)
    assert kw.key_pairs(sdk.describe_key_pairs(name=key.name)) == []
    assert ih.describe_one(sdk, iid)["KeyPairName"] == key.name
    ih.assert_key_login(ip, key.path, what="(pair deleted)")
    sdk.reboot_instance(iid)
    ih.assert_key_login(ip, key.path, what="(pair deleted, after reboot)")

    with pytest.raises(kw.ApiError) as ei:
        sdk.create_key_pair(key.name)
    assert (ei.value.status, ei.value.code) == (400, "KeyPair.AlreadyExist"), ei.value

    sdk.delete_instance(iid, force=True)
    assert ih.instances_of(sdk.describe_instances(instance_ids=[iid])) == []
    sdk.create_key_pair(key.name)      # no instance carries the name any more
    fleet.key_names.append(key.name)


# ---------------------------------------------------------------------------------------------
# 7. Batch AttachKeyPair / DetachKeyPair with unknown ids; DescribeInstances filters; DeleteInstances
# ---------------------------------------------------------------------------------------------

def test_batch_key_binding_and_describe_filters(fleet):
    sdk = fleet.sdk("tea-v2")
    key = fleet.key(sdk)
    name = "kwbatch-" + kw.token(8)
    ids = fleet.run(sdk, amount=2, name=name)
    assert len(set(ids)) == 2

    got = ih.instances_of(sdk.describe_instances(instance_ids=ids))
    assert sorted(i["InstanceId"] for i in got) == sorted(ids)
    assert all(i["Status"] == "Running" and i["InstanceName"] == name for i in got), got
    assert len({ih.private_ip(i) for i in got}) == 2, "two instances share an address"
    wild = ih.instances_of(sdk.describe_instances(name=name[:-3] + "*", page_size=100))
    assert sorted(i["InstanceId"] for i in wild) == sorted(ids)
    assert ih.instances_of(sdk.describe_instances(instance_ids=ids, status="Stopped")) == []
    assert len(ih.instances_of(sdk.describe_instances(instance_ids=ids, status="Running"))) == 2
    page = sdk.describe_instances(instance_ids=ids, page_size=1, page_number=2)
    assert int(page["TotalCount"]) == 2 and len(ih.instances_of(page)) == 1
    st = sdk.describe_instance_status(instance_ids=ids)
    assert sorted((s["InstanceId"], s["Status"]) for s in st["InstanceStatuses"]["InstanceStatus"]) == \
        sorted((i, "Running") for i in ids)
    assert ih.instances_of(sdk.describe_instances(key_pair_name=key.name)) == []

    bad = ["i-kwmissing" + kw.token(10), "i-kwmissing" + kw.token(10)]
    order = [ids[0], bad[0], ids[1], bad[1]]
    r = sdk.attach_key_pair(key.name, order)
    assert r["KeyPairName"] == key.name
    assert int(r["TotalCount"]) == 4 and int(r["FailCount"]) == 2, r
    res = {x["InstanceId"]: x for x in ih.results_of(r)}
    assert sorted(res) == sorted(order), r
    for i in ids:
        assert res[i]["Success"] is True and res[i]["Code"] == "200", res[i]
    for i in bad:
        assert res[i]["Success"] is False and res[i]["Code"] == "InvalidInstanceId.NotFound", res[i]
        assert res[i].get("Message"), res[i]
    bound = ih.instances_of(sdk.describe_instances(key_pair_name=key.name))
    assert sorted(i["InstanceId"] for i in bound) == sorted(ids)
    assert all(i["CredentialsPendingRestart"] is True for i in bound), bound

    r = sdk.detach_key_pair(key.name, [bad[0], ids[1]])
    assert int(r["TotalCount"]) == 2 and int(r["FailCount"]) == 1, r
    res = {x["InstanceId"]: x for x in ih.results_of(r)}
    assert res[ids[1]]["Success"] is True and res[ids[1]]["Code"] == "200"
    assert res[bad[0]]["Success"] is False and res[bad[0]]["Code"] == "InvalidInstanceId.NotFound"
    assert [i["InstanceId"] for i in ih.instances_of(sdk.describe_instances(key_pair_name=key.name))] == [ids[0]]

    sdk.delete_instances(ids, force=True)
    assert ih.instances_of(sdk.describe_instances(instance_ids=ids)) == []
    for i in ids:
        assert ih.namespace_of(i) not in ih.netns_names(), f"DeleteInstances left the namespace of {i}"


# ---------------------------------------------------------------------------------------------
# 6. Keyward restarts (SIGTERM, then SIGKILL) with instances running
# ---------------------------------------------------------------------------------------------

def test_control_plane_restart_keeps_instances_running(fleet, sandbox):
    sdk = fleet.sdk("legacy")
    old, new = fleet.key(sdk), fleet.key(sdk)
    inst = fleet.run_one(sdk, key_pair_name=old.name)
    iid, ip = inst["InstanceId"], ih.private_ip(inst)
    ih.assert_key_login(ip, old.path)
    # A per-boot marker: /run is a fresh tmpfs at every start of the instance.
    r = ih.ssh_key(ip, old.path, command="touch /run/kw-boot-marker && echo ok")
    assert r.returncode == 0, r.stderr
    sdk.attach_key_pair(new.name, [iid])       # bound, pending until a reboot

    def still_the_same_boot(label):
        d = ih.describe_one(sdk, iid)
        assert d["Status"] == "Running", (label, d)
        assert d["KeyPairName"] == new.name and d["CredentialsPendingRestart"] is True, (label, d)
        assert ih.private_ip(d) == ip
        ih.assert_key_login(ip, old.path, what=f"after {label}")
        r = ih.ssh_key(ip, old.path, command="test -e /run/kw-boot-marker && echo same-boot")
        assert r.stdout.strip() == "same-boot", f"the instance was rebooted by the {label} of Keyward"
        assert ih.metadata_get(iid, "/latest/meta-data/instance-id")["body"] == iid

    assert sandbox.stop() == 0, "keyward did not exit 0 on SIGTERM"
    sandbox.start()
    still_the_same_boot("SIGTERM restart")

    sandbox.sigkill()
    sandbox.start()
    still_the_same_boot("SIGKILL restart")

    # And the control plane still manages it.
    sdk.reboot_instance(iid)
    ih.assert_key_login(ip, new.path, what="(after restarts and a reboot)")
    ih.assert_key_refused(ip, old.path, what="(after restarts and a reboot)")
