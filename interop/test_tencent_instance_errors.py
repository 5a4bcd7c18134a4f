"""Error paths of the Tencent CVM instance actions on the simulated-driver server (no sandboxes): each documented
code, and no state change after a refused call (same count, state, keys, latest operation).
The ssh-level behaviour is in test_tencent_instances.py. Reference: tencent-cvm-api.md §4, §6, §8."""
from __future__ import annotations

import pytest

import kwhelpers as kw
import tencent_helpers as th
from tencent_helpers import ZONE, expect_error, expect_one_of

MALFORMED_INSTANCE = ("InvalidInstanceId.Malformed", "InvalidParameterValue.InstanceIdMalformed")


@pytest.fixture(params=th.SIGN_METHODS)
def cvm(request, live_server):
    return th.Cvm(live_server, sign_method=request.param)


@pytest.fixture
def tc3(live_server):
    return th.Cvm(live_server)


@pytest.fixture
def world(tc3):
    key = tc3.ImportKeyPair(KeyName=th.tname("iw"), ProjectId=0, PublicKey=kw.gen_ed25519_openssh())["KeyId"]
    other = tc3.ImportKeyPair(KeyName=th.tname("iw"), ProjectId=0, PublicKey=kw.gen_ed25519_openssh())["KeyId"]
    (running,) = th.run_instances(tc3, login={"KeyIds": [key]})
    (stopped,) = th.run_instances(tc3, login={"Password": th.strong_password()})
    th.wait_instance(tc3, running, "RUNNING")
    th.wait_instance(tc3, stopped, "RUNNING")
    tc3.StopInstances(InstanceIds=[stopped])
    th.wait_instance(tc3, stopped, "STOPPED")
    w = {"key": key, "other": other, "running": running, "stopped": stopped}
    yield w
    tc3.TerminateInstances(InstanceIds=[running, stopped])
    for i in (running, stopped):
        th.wait_gone(tc3, i)
    tc3.DeleteKeyPairs(KeyIds=[key, other])


def snapshot(cvm, w):
    out = {}
    for i in th.instances_of(cvm.DescribeInstances(InstanceIds=[w["running"], w["stopped"]])):
        out[i["InstanceId"]] = (i["InstanceState"], th.bound_keys(i), i.get("LatestOperation"),
                                i.get("LatestOperationState"), i["InstanceName"])
    return th.instance_total(cvm), out


def test_run_instances_errors_create_nothing(cvm, world):
    before = snapshot(cvm, world)
    image = th.debian_image(cvm)
    base = dict(Placement={"Zone": ZONE}, ImageId=image, InstanceType=th.INSTANCE_TYPE)

    def run(code, **over):
        params = dict(base)
        params.update(over)
        expect_error(cvm.RunInstances, code, **params)

    run("InvalidZone.MismatchRegion", Placement={"Zone": th.OTHER_REGION_ZONE}, LoginSettings={"Password": th.strong_password()})
    run("InvalidImageId.NotFound", ImageId=th.missing_image_id(), LoginSettings={"Password": th.strong_password()})
    run("InvalidImageId.Malformed", ImageId="img-12", LoginSettings={"Password": th.strong_password()})
    run("InvalidParameterCombination", LoginSettings={"Password": th.strong_password(), "KeyIds": [world["key"]]})
    run("InvalidKeyPairId.Malformed", LoginSettings={"KeyIds": ["skey-1122"]})
    expect_one_of(cvm.RunInstances, ("InvalidParameterValue.KeyPairNotFound", "ResourceNotFound.KeyPairNotFound"),
                  LoginSettings={"KeyIds": [th.missing_key_id()]}, **base)
    run("InvalidParameterValue.InvalidPassword", LoginSettings={"Password": "abc"})
    expect_one_of(cvm.RunInstances, ("InvalidParameterValue.InstanceTypeNotFound", "InvalidInstanceType.Malformed"),
                  InstanceType="ecs.g7.large", LoginSettings={"Password": th.strong_password()},
                  **{k: v for k, v in base.items() if k != "InstanceType"})
    assert snapshot(cvm, world) == before


def test_describe_instances_errors(cvm, world):
    expect_error(cvm.DescribeInstances, "InvalidFilter", Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    expect_error(cvm.DescribeInstances, "InvalidParameter", InstanceIds=[world["running"]],
                 Filters=[{"Name": "instance-state", "Values": ["RUNNING"]}])
    expect_one_of(cvm.DescribeInstances, MALFORMED_INSTANCE, InstanceIds=["ins-1122"])
    assert th.instances_of(cvm.DescribeInstances(InstanceIds=[th.missing_instance_id()])) == []


def test_state_refusals_change_nothing(cvm, world):
    before = snapshot(cvm, world)
    running, stopped = world["running"], world["stopped"]
    expect_error(cvm.StartInstances, "UnsupportedOperation.InstanceStateRunning", InstanceIds=[running])
    expect_error(cvm.StopInstances, "UnsupportedOperation.InstanceStateStopped", InstanceIds=[stopped])
    expect_error(cvm.RebootInstances, "UnsupportedOperation.InstanceStateStopped", InstanceIds=[stopped])
    expect_error(cvm.AssociateInstancesKeyPairs, "UnsupportedOperation.InstanceStateRunning", InstanceIds=[running],
                 KeyIds=[world["other"]])
    expect_error(cvm.AssociateInstancesKeyPairs, "UnsupportedOperation.InstanceStateRunning", InstanceIds=[running],
                 KeyIds=[world["other"]], ForceStop=False)
    expect_error(cvm.DisassociateInstancesKeyPairs, "UnsupportedOperation.InstanceStateRunning", InstanceIds=[running],
                 KeyIds=[world["key"]])
    expect_error(cvm.ResetInstancesPassword, "UnsupportedOperation.InstanceStateRunning", InstanceIds=[running],
                 Password=th.strong_password())
    # A weak password is refused before any ForceStop shutdown.
    for weak in ("abc", "abcdefgh1234", "/Abcdefg123!", "Aa1!" + "x" * 27):
        expect_error(cvm.ResetInstancesPassword, "InvalidParameterValue.InvalidPassword", InstanceIds=[running],
                     Password=weak, ForceStop=True)
    assert snapshot(cvm, world) == before


def test_unknown_and_malformed_ids_change_nothing(cvm, world):
    before = snapshot(cvm, world)
    gone = th.missing_instance_id()
    for action, extra in (("StartInstances", {}), ("StopInstances", {}), ("RebootInstances", {}),
                          ("TerminateInstances", {}),
                          ("ResetInstancesPassword", {"Password": th.strong_password(), "ForceStop": True}),
                          ("AssociateInstancesKeyPairs", {"KeyIds": [world["other"]], "ForceStop": True}),
                          ("DisassociateInstancesKeyPairs", {"KeyIds": [world["key"]], "ForceStop": True})):
        expect_error(getattr(cvm, action), "InvalidInstanceId.NotFound", InstanceIds=[gone], **extra)
        expect_one_of(getattr(cvm, action), MALFORMED_INSTANCE, InstanceIds=["ins-1122"], **extra)
    # One unknown id in a batch: nothing happens to the known one.
    expect_error(cvm.TerminateInstances, "InvalidInstanceId.NotFound", InstanceIds=[world["running"], gone])
    expect_error(cvm.AssociateInstancesKeyPairs, "InvalidKeyPairId.NotFound", InstanceIds=[world["stopped"]],
                 KeyIds=[th.missing_key_id()])
    expect_error(cvm.AssociateInstancesKeyPairs, "InvalidKeyPairId.Malformed", InstanceIds=[world["stopped"]],
                 KeyIds=["skey-1122"])
    assert snapshot(cvm, world) == before


def test_bound_key_cannot_be_deleted(cvm, world):
    before = th.key_total(cvm)
    expect_error(cvm.DeleteKeyPairs, "InvalidParameterValue.KeyPairNotSupported", KeyIds=[world["key"]])
    assert th.key_total(cvm) == before
    d = th.describe_key(cvm, world["key"])
    assert d is not None and d["AssociatedInstanceIds"] == [world["running"]], d


def test_stopped_instance_accepts_key_and_password_without_force_stop(tc3, world):
    stopped = world["stopped"]
    tc3.AssociateInstancesKeyPairs(InstanceIds=[stopped], KeyIds=[world["other"]])
    inst = th.wait_operation(tc3, stopped)
    assert inst["LatestOperationState"] == "SUCCESS", inst
    assert inst["InstanceState"] == "STOPPED", "binding a key to a stopped instance must not start it"
    assert th.bound_keys(inst) == [world["other"]]
    tc3.DisassociateInstancesKeyPairs(InstanceIds=[stopped], KeyIds=[world["other"]])
    assert th.bound_keys(th.wait_operation(tc3, stopped)) == []
    tc3.ResetInstancesPassword(InstanceIds=[stopped], Password=th.strong_password())
    inst = th.wait_operation(tc3, stopped)
    assert inst["LatestOperationState"] == "SUCCESS" and inst["InstanceState"] == "STOPPED", inst


def test_terminate_instances(tc3):
    ids = th.run_instances(tc3, login={"Password": th.strong_password()}, count=2)
    for i in ids:
        th.wait_instance(tc3, i, "RUNNING")
    count = th.instance_total(tc3)
    tc3.TerminateInstances(InstanceIds=ids)
    for i in ids:
        th.wait_gone(tc3, i)
    assert th.instance_total(tc3) == count - 2
    expect_error(tc3.TerminateInstances, "InvalidInstanceId.NotFound", InstanceIds=[ids[0]])


def test_dry_run_checks_everything_and_creates_nothing(tc3, world):
    before = snapshot(tc3, world)
    base = dict(Placement={"Zone": ZONE}, ImageId=th.debian_image(tc3), InstanceType=th.INSTANCE_TYPE, DryRun=True)
    expect_error(tc3.RunInstances, "DryRunOperation", LoginSettings={"KeyIds": [world["key"]]}, **base)
    # A dry run still refuses what the launch would refuse.
    expect_error(tc3.RunInstances, "InvalidParameterValue.InvalidPassword", LoginSettings={"Password": "abc"}, **base)
    expect_one_of(tc3.RunInstances, ("InvalidParameterValue.KeyPairNotFound", "ResourceNotFound.KeyPairNotFound"),
                  LoginSettings={"KeyIds": [th.missing_key_id()]}, **base)
    assert snapshot(tc3, world) == before


def _windows_image(cvm):
    images = th.images_of(cvm.DescribeImages(Filters=[{"Name": "platform", "Values": ["Windows"]}], Limit=100))
    assert images, "no public Windows image"
    return images[0]["ImageId"]


def test_windows_takes_no_keys_and_its_own_password_rule(tc3, world):
    before = snapshot(tc3, world)
    base = dict(Placement={"Zone": ZONE}, ImageId=_windows_image(tc3), InstanceType=th.INSTANCE_TYPE)
    expect_error(tc3.RunInstances, "UnsupportedOperation.KeyPairUnsupportedWindows", LoginSettings={"KeyIds": [world["key"]]}, **base)
    # 8 characters of four classes pass Linux's rule, not Windows' (12 to 30).
    expect_error(tc3.RunInstances, "InvalidParameterValue.InvalidPassword", LoginSettings={"Password": "Abcd123!"}, **base)
    assert snapshot(tc3, world) == before
    (iid,) = th.run_instances(tc3, image_id=base["ImageId"], login={"Password": "Abcdefgh123!"})
    try:
        th.wait_instance(tc3, iid, "RUNNING")
        tc3.StopInstances(InstanceIds=[iid])
        th.wait_instance(tc3, iid, "STOPPED")
        expect_error(tc3.ResetInstancesPassword, "InvalidParameterValue.InvalidPassword", InstanceIds=[iid], Password="Abcd123!x")
        # A batch mixing Linux and Windows follows the Windows rule.
        expect_error(tc3.ResetInstancesPassword, "InvalidParameterValue.InvalidPassword", InstanceIds=[world["stopped"], iid],
                     Password="Abcd123!x")
        tc3.ResetInstancesPassword(InstanceIds=[world["stopped"], iid], Password="Abcdefgh123!")
    finally:
        tc3.TerminateInstances(InstanceIds=[iid])
        th.wait_gone(tc3, iid)


def test_disassociating_a_key_that_is_not_bound_changes_nothing(tc3, world):
    before = snapshot(tc3, world)
    expect_error(tc3.DisassociateInstancesKeyPairs, "InvalidParameterValue", InstanceIds=[world["stopped"]], KeyIds=[world["other"]])
    # One instance of the batch lacks the key: neither changes.
    expect_error(tc3.DisassociateInstancesKeyPairs, "InvalidParameterValue", InstanceIds=[world["running"], world["stopped"]],
                 KeyIds=[world["key"]], ForceStop=True)
    assert snapshot(tc3, world) == before
