"""Real sandbox instances through Tencent's CVM API: keys and passwords that a real sshd accepts or refuses.

Uses the session sandbox server of instance_fixtures (like test_instances.py; it needs root and fails clearly without
it). Logins: `ssh` with the private keys CreateKeyPair returned, paramiko for passwords ("refused" = refused by both
the password and keyboard-interactive methods). Tencent applies key and password changes to a running instance only
with ForceStop, which stops, applies and starts it (LatestOperationState OPERATING -> SUCCESS).
Reference: tencent-cvm-api.md §4, §5, §8.
"""
from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

import instance_helpers as ih
import kwhelpers as kw
import tencent_helpers as th
from tencent_helpers import REGION, expect_error

pytest_plugins = ["instance_fixtures"]

NOT_OFFERED = {"password": "not-offered", "keyboard-interactive": "not-offered"}


class TencentFleet:
    """Key pairs, instances and images one test made through Tencent; all deleted at the end."""

    def __init__(self, server, workdir: Path, sign_method: str = th.TC3):
        self.server = server
        self.workdir = workdir
        self.cvm = th.Cvm(server, sign_method=sign_method)
        self.instance_ids: List[str] = []
        self.key_ids: List[str] = []
        self.image_ids: List[str] = []

    def key(self, prefix: str = "kwti") -> ih.KeyFile:
        name = th.tname(prefix)
        kp = self.cvm.CreateKeyPair(KeyName=name, ProjectId=0)["KeyPair"]
        self.key_ids.append(kp["KeyId"])
        path = ih.write_private_key(self.workdir / "keys", name, kp["PrivateKey"])
        kf = ih.KeyFile(name, kp["KeyId"], "", path)
        assert th.openssh_blob_of(kf.public_line) == th.openssh_blob_of(kp["PublicKey"])
        return kf

    def run(self, login=None, count=None, **kw_) -> List[str]:
        ids = th.run_instances(self.cvm, login=login, count=count, **kw_)
        self.instance_ids.extend(ids)
        return ids

    def run_one(self, login=None, **kw_) -> dict:
        (iid,) = self.run(login, **kw_)
        return th.wait_instance(self.cvm, iid, "RUNNING")

    def image(self, instance_id: str) -> str:
        image_id = self.cvm.CreateImage(ImageName="kwtimg" + kw.token(8), InstanceId=instance_id)["ImageId"]
        self.image_ids.append(image_id)
        th.wait_image(self.cvm, image_id)
        return image_id

    def cleanup(self):
        if not self.server.running:
            self.server.start()
        problems = []
        live = [i for i in self.instance_ids if th.describe_instance(self.cvm, i)]
        if live:
            try:
                self.cvm.TerminateInstances(InstanceIds=live)
                for i in live:
                    th.wait_gone(self.cvm, i)
            except Exception as e:  # noqa: BLE001 - report, keep cleaning
                problems.append(f"TerminateInstances {live}: {e}")
        for image_id in self.image_ids:
            if th.images_of(self.cvm.DescribeImages(ImageIds=[image_id])):
                try:
                    self.cvm.DeleteImages(ImageIds=[image_id])
                except Exception as e:  # noqa: BLE001
                    problems.append(f"DeleteImages {image_id}: {e}")
        left = [k for k in self.key_ids if th.describe_key(self.cvm, k)]
        if left:
            try:
                self.cvm.DeleteKeyPairs(KeyIds=left)
            except Exception as e:  # noqa: BLE001
                problems.append(f"DeleteKeyPairs {left}: {e}")
        assert not problems, "cleanup failed (server bug?): " + "; ".join(problems)


@pytest.fixture
def tfleet(sandbox, tmp_path):
    f = TencentFleet(sandbox, tmp_path)
    yield f
    f.cleanup()


def boot_marker(ip, port, key, make=False):
    """A file in /run (a fresh tmpfs at every start): present = same boot."""
    cmd = "touch /run/kw-tc-boot && echo made" if make else "test -e /run/kw-tc-boot && echo same || echo new"
    r = ih.ssh_key(ip, key, port, command=cmd)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


# ---------------------------------------------------------------------------------------------
# RunInstances with two keys; DescribeInstances
# ---------------------------------------------------------------------------------------------

def test_run_instances_with_two_keys(tfleet):
    cvm = tfleet.cvm
    k1, k2, stranger = tfleet.key(), tfleet.key(), tfleet.key()
    name = "kwtinst-" + kw.token()
    inst = tfleet.run_one({"KeyIds": [k1.key_pair_id, k2.key_pair_id]}, name=name)
    iid = inst["InstanceId"]
    assert th.INS_RE.match(iid)
    assert inst["InstanceName"] == name and inst["InstanceType"] == th.INSTANCE_TYPE, inst
    assert inst["ImageId"] == th.debian_image(cvm) and inst["Placement"]["Zone"] == th.ZONE, inst
    assert inst["InstanceState"] == "RUNNING"
    assert th.bound_keys(inst) == sorted([k1.key_pair_id, k2.key_pair_id])
    assert not (inst.get("LoginSettings") or {}).get("Password"), "DescribeInstances must never show a password"
    assert inst["DefaultLoginUser"] == "root" and int(inst["DefaultLoginPort"]) == 22, inst
    assert th.ISO_UTC_RE.match(inst["CreatedTime"]), inst
    ip, port = th.login_address(inst)
    assert ip.startswith(ih.SUBNET + "."), ip

    ih.assert_key_login(ip, k1.path, port, what="(first of two keys)")
    ih.assert_key_login(ip, k2.path, port, what="(second of two keys)")
    ih.assert_key_refused(ip, stranger.path, port, what="(unbound key)")
    assert ih.assert_password_refused(ip, th.strong_password(), port) == NOT_OFFERED, \
        "a bound key turns password login off"
    for k in (k1, k2):
        assert th.describe_key(cvm, k.key_pair_id)["AssociatedInstanceIds"] == [iid]
    assert not th.describe_key(cvm, stranger.key_pair_id).get("AssociatedInstanceIds")

    # Alibaba's view of the same instance in ap-guangzhou: the same address.
    ali = ih.LegacyEcs(tfleet.server.host, tfleet.server.port, tfleet.server.ak, tfleet.server.secret, region=REGION)
    found = [i for i in ih.instances_of(ali.describe_instances(page_size=100)) if ih.private_ip(i) == ip]
    assert len(found) == 1, f"Alibaba's DescribeInstances in {REGION} does not show the instance at {ip}"


def test_describe_instances_filters_and_paging(tfleet):
    cvm = tfleet.cvm
    name = "kwtflt-" + kw.token(8)
    ids = tfleet.run({"Password": th.strong_password()}, count=2, name=name)
    insts = [th.wait_instance(cvm, i, "RUNNING") for i in ids]
    ips = [th.login_address(i)[0] for i in insts]
    assert len(set(ips)) == 2, "two instances share an address"

    def found(**kwargs):
        r = cvm.DescribeInstances(Limit=100, **kwargs)
        return sorted(i["InstanceId"] for i in th.instances_of(r))

    def f(name_, values):
        return {"Name": name_, "Values": values}

    assert found(InstanceIds=ids) == sorted(ids)
    assert found(Filters=[f("instance-name", [name])]) == sorted(ids)
    assert found(Filters=[f("instance-name", [name]), f("instance-state", ["RUNNING"])]) == sorted(ids)
    assert found(Filters=[f("instance-name", [name]), f("instance-state", ["STOPPED"])]) == []
    assert found(Filters=[f("private-ip-address", [ips[0]])]) == [ids[0]]
    assert found(Filters=[f("private-ip-address", ips)]) == sorted(ids)
    assert found(Filters=[f("instance-id", [ids[1]])]) == [ids[1]]
    assert found(Filters=[f("zone", [th.ZONE]), f("instance-name", [name])]) == sorted(ids)

    pages = []
    for offset in (0, 1):
        r = cvm.DescribeInstances(InstanceIds=ids, Offset=offset, Limit=1)
        assert int(r["TotalCount"]) == 2 and len(th.instances_of(r)) == 1, r
        pages.append(th.instances_of(r)[0]["InstanceId"])
    assert sorted(pages) == sorted(ids)
    r = cvm.DescribeInstances(Filters=[f("instance-name", [name])], Offset=2, Limit=1)
    assert int(r["TotalCount"]) == 2 and th.instances_of(r) == []

    cvm.StopInstances(InstanceIds=[ids[0]])
    th.wait_instance(cvm, ids[0], "STOPPED")
    assert found(Filters=[f("instance-name", [name]), f("instance-state", ["STOPPED"])]) == [ids[0]]
    assert found(Filters=[f("instance-name", [name]), f("instance-state", ["RUNNING"])]) == [ids[1]]


# ---------------------------------------------------------------------------------------------
# AssociateInstancesKeyPairs: refused while running unless ForceStop
# ---------------------------------------------------------------------------------------------

def test_associate_key_pairs_force_stop(tfleet):
    cvm = tfleet.cvm
    old, new = tfleet.key(), tfleet.key()
    inst = tfleet.run_one({"KeyIds": [old.key_pair_id]})
    iid = inst["InstanceId"]
    ip, port = th.login_address(inst)
    ih.assert_key_login(ip, old.path, port)
    assert boot_marker(ip, port, old.path, make=True) == "made"
    before = (inst.get("LatestOperation"), inst.get("LatestOperationState"))

    # Without ForceStop: refused, and nothing changes (no binding, no shutdown, no new operation).
    expect_error(cvm.AssociateInstancesKeyPairs, "UnsupportedOperation.InstanceStateRunning", InstanceIds=[iid],
                 KeyIds=[new.key_pair_id])
    d = th.describe_instance(cvm, iid)
    assert d["InstanceState"] == "RUNNING" and th.bound_keys(d) == [old.key_pair_id], d
    assert (d.get("LatestOperation"), d.get("LatestOperationState")) == before, d
    assert not th.describe_key(cvm, new.key_pair_id).get("AssociatedInstanceIds")
    ih.assert_key_refused(ip, new.path, port, what="(refused Associate)")
    assert boot_marker(ip, port, old.path) == "same", "a refused Associate restarted the instance"

    # A bound key cannot be deleted.
    expect_error(cvm.DeleteKeyPairs, "InvalidParameterValue.KeyPairNotSupported", KeyIds=[old.key_pair_id])
    assert th.describe_key(cvm, old.key_pair_id) is not None
    ih.assert_key_login(ip, old.path, port, what="(after the refused delete)")

    # With ForceStop: stopped, bound, started again.
    cvm.AssociateInstancesKeyPairs(InstanceIds=[iid], KeyIds=[new.key_pair_id], ForceStop=True)
    d = th.wait_operation(cvm, iid)
    assert d["LatestOperationState"] == "SUCCESS", d
    d = th.wait_instance(cvm, iid, "RUNNING")
    assert th.bound_keys(d) == sorted([old.key_pair_id, new.key_pair_id]), "binding adds a key (several per instance)"
    assert th.login_address(d) == (ip, port)
    ih.assert_key_login(ip, new.path, port, what="(new key after ForceStop)")
    ih.assert_key_login(ip, old.path, port, what="(old key after ForceStop)")
    assert boot_marker(ip, port, new.path) == "new", "ForceStop did not restart the instance"
    assert ih.assert_password_refused(ip, th.strong_password(), port) == NOT_OFFERED
    assert th.describe_key(cvm, new.key_pair_id)["AssociatedInstanceIds"] == [iid]


# ---------------------------------------------------------------------------------------------
# DisassociateInstancesKeyPairs of every key, then ResetInstancesPassword
# ---------------------------------------------------------------------------------------------

def test_disassociate_all_keys_then_reset_password(tfleet):
    cvm = tfleet.cvm
    k1, k2 = tfleet.key(), tfleet.key()
    inst = tfleet.run_one({"KeyIds": [k1.key_pair_id, k2.key_pair_id]})
    iid = inst["InstanceId"]
    ip, port = th.login_address(inst)
    assert boot_marker(ip, port, k1.path, make=True) == "made"

    # A weak password is refused before any shutdown.
    expect_error(cvm.ResetInstancesPassword, "InvalidParameterValue.InvalidPassword", InstanceIds=[iid],
                 Password="weakpass", ForceStop=True)
    d = th.describe_instance(cvm, iid)
    assert d["InstanceState"] == "RUNNING", d
    assert boot_marker(ip, port, k1.path) == "same", "a refused ResetInstancesPassword stopped the instance"
    # Running and no ForceStop: refused.
    expect_error(cvm.ResetInstancesPassword, "UnsupportedOperation.InstanceStateRunning", InstanceIds=[iid],
                 Password=th.strong_password())
    assert boot_marker(ip, port, k1.path) == "same"

    cvm.DisassociateInstancesKeyPairs(InstanceIds=[iid], KeyIds=[k1.key_pair_id, k2.key_pair_id], ForceStop=True)
    d = th.wait_operation(cvm, iid)
    assert d["LatestOperationState"] == "SUCCESS", d
    d = th.wait_instance(cvm, iid, "RUNNING")
    assert th.bound_keys(d) == []
    for k in (k1, k2):
        ih.assert_key_refused(ip, k.path, port, what="(disassociated)")
        assert not th.describe_key(cvm, k.key_pair_id).get("AssociatedInstanceIds")

    password = th.strong_password()
    ih.assert_password_refused(ip, password, port, what="(before ResetInstancesPassword)")
    cvm.ResetInstancesPassword(InstanceIds=[iid], Password=password, UserName="root", ForceStop=True)
    d = th.wait_operation(cvm, iid)
    assert d["LatestOperationState"] == "SUCCESS", d
    th.wait_instance(cvm, iid, "RUNNING")
    ih.assert_password_login(ip, password, port, what="(after ResetInstancesPassword)")
    assert ih.password_methods_result(ip, password + "x", port)["password"] == "rejected"
    ih.assert_key_refused(ip, k1.path, port, what="(after the reset)")

    # Unbound keys can be deleted now.
    cvm.DeleteKeyPairs(KeyIds=[k1.key_pair_id, k2.key_pair_id])


# ---------------------------------------------------------------------------------------------
# Stop / Start / Reboot
# ---------------------------------------------------------------------------------------------

def test_stop_start_reboot(tfleet):
    cvm = tfleet.cvm
    key, later = tfleet.key(), tfleet.key()
    inst = tfleet.run_one({"KeyIds": [key.key_pair_id]})
    iid = inst["InstanceId"]
    ip, port = th.login_address(inst)
    assert boot_marker(ip, port, key.path, make=True) == "made"

    cvm.RebootInstances(InstanceIds=[iid])
    d = th.wait_operation(cvm, iid)
    assert d["LatestOperationState"] == "SUCCESS", d
    th.wait_instance(cvm, iid, "RUNNING")
    assert boot_marker(ip, port, key.path) == "new", "RebootInstances did not restart the instance"

    cvm.StopInstances(InstanceIds=[iid])
    th.wait_instance(cvm, iid, "STOPPED")
    assert ih.ssh_key(ip, key.path, port).returncode != 0, "a stopped instance still answers ssh"
    expect_error(cvm.StopInstances, "UnsupportedOperation.InstanceStateStopped", InstanceIds=[iid])
    expect_error(cvm.RebootInstances, "UnsupportedOperation.InstanceStateStopped", InstanceIds=[iid])

    # Stopped: binding needs no ForceStop and does not start it.
    cvm.AssociateInstancesKeyPairs(InstanceIds=[iid], KeyIds=[later.key_pair_id])
    d = th.wait_operation(cvm, iid)
    assert d["LatestOperationState"] == "SUCCESS" and d["InstanceState"] == "STOPPED", d

    cvm.StartInstances(InstanceIds=[iid])
    d = th.wait_instance(cvm, iid, "RUNNING")
    assert th.login_address(d) == (ip, port)
    ih.assert_key_login(ip, later.path, port, what="(bound while stopped)")
    ih.assert_key_login(ip, key.path, port, what="(kept)")
    expect_error(cvm.StartInstances, "UnsupportedOperation.InstanceStateRunning", InstanceIds=[iid])


# ---------------------------------------------------------------------------------------------
# CreateImage + KeepImageLogin
# ---------------------------------------------------------------------------------------------

def test_keep_image_login_on_a_custom_image(tfleet):
    cvm = tfleet.cvm
    password = th.strong_password()
    src = tfleet.run_one({"Password": password})
    src_ip, src_port = th.login_address(src)
    ih.assert_password_login(src_ip, password, src_port, what="(source)")
    image_id = tfleet.image(src["InstanceId"])
    (img,) = th.images_of(cvm.DescribeImages(ImageIds=[image_id]))
    assert img["ImageType"] == "PRIVATE_IMAGE" and img["ImageSource"] == "CREATE_IMAGE", img

    # KeepImageLogin=true: the image's password logs in.
    kept = tfleet.run_one({"KeepImageLogin": "true"}, image_id=image_id)
    ip, port = th.login_address(kept)
    assert kept["ImageId"] == image_id
    ih.assert_password_login(ip, password, port, what="(KeepImageLogin=true)")

    # Without it (no LoginSettings at all: a random password), the image's password does not.
    plain = tfleet.run_one(None, image_id=image_id)
    ip2, port2 = th.login_address(plain)
    ih.assert_password_refused(ip2, password, port2, what="(no KeepImageLogin)")
    # KeepImageLogin=false with a key: the key, not the image's password.
    key = tfleet.key()
    keyed = tfleet.run_one({"KeyIds": [key.key_pair_id], "KeepImageLogin": "false"}, image_id=image_id)
    ip3, port3 = th.login_address(keyed)
    ih.assert_key_login(ip3, key.path, port3, what="(clone with its own key)")
    ih.assert_password_refused(ip3, password, port3, what="(clone with its own key)")

    # KeepImageLogin is exclusive with Password / KeyIds; nothing is launched.
    count = th.instance_total(cvm)
    expect_error(cvm.RunInstances, "InvalidParameterCombination", Placement={"Zone": th.ZONE}, ImageId=image_id,
                 InstanceType=th.INSTANCE_TYPE, LoginSettings={"KeepImageLogin": "true", "Password": th.strong_password()})
    assert th.instance_total(cvm) == count

    # DeleteImages: gone, not launchable; the clones keep running.
    cvm.DeleteImages(ImageIds=[image_id])
    tfleet.image_ids.remove(image_id)
    assert th.images_of(cvm.DescribeImages(ImageIds=[image_id])) == []
    ih.assert_password_login(ip, password, port, what="(clone after DeleteImages)")


# ---------------------------------------------------------------------------------------------
# A key made through Alibaba, bound and deleted through Tencent; TerminateInstances
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ali_kind", ["legacy", "tea-v3"])
def test_alibaba_key_bound_through_tencent(tfleet, ali_kind):
    cvm = tfleet.cvm
    srv = tfleet.server
    ali = kw.make_sdk(ali_kind, srv)
    name = th.tname("alik")
    r = ali.create_key_pair(name, region=REGION)
    path = ih.write_private_key(tfleet.workdir / "keys", name, r["PrivateKeyBody"])
    d = th.key_by_name(cvm, name)
    assert d is not None and th.SKEY_RE.match(d["KeyId"]), d
    key_id = d["KeyId"]
    tfleet.key_ids.append(key_id)

    inst = tfleet.run_one({"KeyIds": [key_id]})
    iid = inst["InstanceId"]
    ip, port = th.login_address(inst)
    ih.assert_key_login(ip, path, port, what="(Alibaba-made key bound through Tencent)")
    expect_error(cvm.DeleteKeyPairs, "InvalidParameterValue.KeyPairNotSupported", KeyIds=[key_id])
    assert th.alibaba_key(ali, name) is not None

    cvm.TerminateInstances(InstanceIds=[iid])
    th.wait_gone(cvm, iid)
    assert ih.ssh_key(ip, path, port).returncode != 0, "a terminated instance still answers ssh"
    expect_error(cvm.TerminateInstances, "InvalidInstanceId.NotFound", InstanceIds=[iid])
    assert not th.describe_key(cvm, key_id).get("AssociatedInstanceIds")
    cvm.DeleteKeyPairs(KeyIds=[key_id])
    tfleet.key_ids.remove(key_id)
    assert th.alibaba_key(ali, name) is None


def test_tccli_instance_flow(tfleet):
    """The main instance flow through tccli: RunInstances, AssociateInstancesKeyPairs with ForceStop, DescribeInstances."""
    cvm = tfleet.cvm
    cli = th.Tccli(tfleet.server, tfleet.workdir / "home")
    k1, k2 = tfleet.key(), tfleet.key()
    r = cli.call("RunInstances", Placement={"Zone": th.ZONE}, ImageId=th.debian_image(cvm),
                 InstanceType=th.INSTANCE_TYPE, LoginSettings={"KeyIds": [k1.key_pair_id]})
    (iid,) = r["InstanceIdSet"]
    tfleet.instance_ids.append(iid)
    inst = th.wait_instance(cvm, iid, "RUNNING")
    ip, port = th.login_address(inst)
    ih.assert_key_login(ip, k1.path, port)
    e = th.expect_tccli_error(cli, "AssociateInstancesKeyPairs", "UnsupportedOperation.InstanceStateRunning",
                              unfold=True, InstanceIds=[iid], KeyIds=[k2.key_pair_id])
    assert e.message
    cli.call("AssociateInstancesKeyPairs", unfold=True, InstanceIds=[iid], KeyIds=[k2.key_pair_id], ForceStop=True)
    assert th.wait_operation(cvm, iid)["LatestOperationState"] == "SUCCESS"
    th.wait_instance(cvm, iid, "RUNNING")
    d = cli.call("DescribeInstances", unfold=True, Filters=[{"Name": "instance-id", "Values": [iid]}])
    (got,) = d["InstanceSet"]
    assert sorted(got["LoginSettings"]["KeyIds"]) == sorted([k1.key_pair_id, k2.key_pair_id])
    ih.assert_key_login(ip, k2.path, port, what="(bound by tccli)")
    cli.call("TerminateInstances", InstanceIds=[iid])
    th.wait_gone(cvm, iid)
