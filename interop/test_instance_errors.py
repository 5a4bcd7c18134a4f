"""Error paths of the instance actions, raised by the official SDKs with the documented Code and HTTP status,
and leaving no trace: same instance count, same status, same binding, nothing pending.

Four instances serve the whole module: a running Linux instance with a key pair (`linux`), a stopped Linux
instance made by CreateInstance (`stopped`), a Windows instance (`windows`, state only) and a stopped Linux
instance of a Generation I non-I/O-optimized type (`old`)."""
import secrets
import string

import pytest

import instance_helpers as ih
import kwhelpers as kw
from instance_helpers import strong_password

pytest_plugins = ["instance_fixtures"]

SDKS = ["legacy", "tea-v3"]


@pytest.fixture(scope="module")
def world(module_fleet):
    f = module_fleet
    key = f.key()
    other = f.key()
    linux = f.run_one(key_pair_name=key.name)["InstanceId"]
    stopped = f.create(key_pair_name=key.name)
    windows = f.run_one(image_id=ih.WINDOWS_IMAGE, password=strong_password())["InstanceId"]
    old = f.create(instance_type="ecs.s2.large", password=strong_password())
    w = {"fleet": f, "key": key, "other": other, "linux": linux, "stopped": stopped, "windows": windows, "old": old}
    d = {i["InstanceId"]: i for i in ih.instances_of(f.legacy.describe_instances(
        instance_ids=[linux, stopped, windows, old]))}
    assert d[linux]["Status"] == "Running" and d[windows]["Status"] == "Running", d
    assert d[stopped]["Status"] == "Stopped" and d[old]["Status"] == "Stopped", d
    assert d[windows]["OSType"].lower() == "windows", d[windows]
    return w


def _missing_instance():
    return "i-kw" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(18))


def _snapshot(sdk, w):
    ids = [w["linux"], w["stopped"], w["windows"], w["old"]]
    state = {}
    for i in ih.instances_of(sdk.describe_instances(instance_ids=ids)):
        state[i["InstanceId"]] = (i["Status"], i.get("KeyPairName") or "", i["CredentialsPendingRestart"],
                                  i["ImageId"], i["HostName"], i["InstanceName"])
    return ih.instance_count(sdk), state


BAD_PASSWORDS = {
    "too-short": "Ab1!xyz",
    "too-long": "Aa1!" + "x" * 27,
    "two-classes": "abcdefgh1234",
    "lower-only": "abcdefghijkl",
    "space": "Abc 12345xyz",
    "non-ascii": "Pässword12!x",
    "backslash": "Abc\\12345xyz",
}

MISSING_KEY = "kw-missing-" + kw.token(8)

# (name, call(sdk, world), HTTP status, Code)
CASES = [
    # Key pairs on Windows and on non-I/O-optimized types.
    ("run-windows-with-key", lambda s, w: s.run_instances(image_id=ih.WINDOWS_IMAGE, key_pair_name=w["key"].name),
     403, "DependencyViolation.WindowsInstance"),
    ("create-windows-with-key", lambda s, w: s.create_instance(image_id=ih.WINDOWS_IMAGE, key_pair_name=w["key"].name),
     403, "DependencyViolation.WindowsInstance"),
    ("replace-disk-windows-image-with-key", lambda s, w: s.replace_system_disk(
        w["stopped"], image_id=ih.WINDOWS_IMAGE, key_pair_name=w["key"].name),
     403, "DependencyViolation.WindowsInstance"),
] + [
    (f"run-{t}-with-key", (lambda t: lambda s, w: s.run_instances(instance_type=t, key_pair_name=w["key"].name))(t),
     400, "InvalidInstanceType.ValueNotSupported") for t in ih.OLD_INSTANCE_TYPES
] + [
    # Status rules.
    ("start-running", lambda s, w: s.start_instance(w["linux"]), 403, "IncorrectInstanceStatus"),
    ("reboot-stopped", lambda s, w: s.reboot_instance(w["stopped"]), 403, "IncorrectInstanceStatus"),
    ("stop-stopped", lambda s, w: s.stop_instance(w["stopped"]), 403, "IncorrectInstanceStatus"),
    ("delete-running-without-force", lambda s, w: s.delete_instance(w["linux"]), 403, "IncorrectInstanceStatus"),
    ("delete-running-force-false", lambda s, w: s.delete_instance(w["linux"], force=False), 403,
     "IncorrectInstanceStatus"),
    ("replace-disk-running", lambda s, w: s.replace_system_disk(w["linux"], image_id=ih.LINUX_IMAGE,
                                                               key_pair_name=w["other"].name),
     403, "IncorrectInstanceStatus"),
    # PasswordInherit.
    ("run-inherit-with-password", lambda s, w: s.run_instances(password_inherit=True, password=strong_password()),
     400, "InvalidPasswordParam.Mismatch"),
    ("replace-disk-inherit-with-password", lambda s, w: s.replace_system_disk(
        w["stopped"], image_id=ih.LINUX_IMAGE, password_inherit=True, password=strong_password()),
     400, "InvalidPasswordParam.Mismatch"),
    ("run-inherit-public-image", lambda s, w: s.run_instances(password_inherit=True),
     400, "InvalidParameter.PasswordInherit"),
    ("replace-disk-inherit-public-image", lambda s, w: s.replace_system_disk(
        w["stopped"], image_id=ih.LINUX_IMAGE, password_inherit=True),
     400, "InvalidParameter.PasswordInherit"),
] + [
    (f"run-password-{k}", (lambda p: lambda s, w: s.run_instances(password=p))(p), 400, "InvalidPassword.Malformed")
    for k, p in BAD_PASSWORDS.items()
] + [
    (f"modify-password-{k}", (lambda p: lambda s, w: s.modify_instance_attribute(w["linux"], password=p))(p),
     400, "InvalidPassword.Malformed") for k, p in BAD_PASSWORDS.items()
] + [
    ("create-password-malformed", lambda s, w: s.create_instance(password=BAD_PASSWORDS["two-classes"]),
     400, "InvalidPassword.Malformed"),
    ("replace-disk-password-malformed", lambda s, w: s.replace_system_disk(
        w["stopped"], image_id=ih.LINUX_IMAGE, password=BAD_PASSWORDS["too-short"]),
     400, "InvalidPassword.Malformed"),
    # Unknown instance.
    ("start-missing", lambda s, w: s.start_instance(_missing_instance()), 404, "InvalidInstanceId.NotFound"),
    ("stop-missing", lambda s, w: s.stop_instance(_missing_instance()), 404, "InvalidInstanceId.NotFound"),
    ("reboot-missing", lambda s, w: s.reboot_instance(_missing_instance()), 404, "InvalidInstanceId.NotFound"),
    ("delete-missing", lambda s, w: s.delete_instance(_missing_instance(), force=True), 404,
     "InvalidInstanceId.NotFound"),
    ("modify-missing", lambda s, w: s.modify_instance_attribute(_missing_instance(), password=strong_password()),
     404, "InvalidInstanceId.NotFound"),
    ("replace-disk-missing", lambda s, w: s.replace_system_disk(_missing_instance(), image_id=ih.LINUX_IMAGE,
                                                               password=strong_password()),
     404, "InvalidInstanceId.NotFound"),
    ("create-image-missing", lambda s, w: s.create_image(_missing_instance(), image_name="kwimg-" + kw.token()),
     404, "InvalidInstanceId.NotFound"),
    # Unknown image.
    ("run-missing-image", lambda s, w: s.run_instances(image_id="m-kwmissing" + kw.token(8)), 404,
     "InvalidImageId.NotFound"),
    ("create-missing-image", lambda s, w: s.create_instance(image_id="m-kwmissing" + kw.token(8)), 404,
     "InvalidImageId.NotFound"),
    ("replace-disk-missing-image", lambda s, w: s.replace_system_disk(
        w["stopped"], image_id="m-kwmissing" + kw.token(8), password=strong_password()),
     404, "InvalidImageId.NotFound"),
    # Unknown key pair.
    ("run-missing-key", lambda s, w: s.run_instances(key_pair_name=MISSING_KEY), 400, "InvalidKeyPairName.NotFound"),
    ("create-missing-key", lambda s, w: s.create_instance(key_pair_name=MISSING_KEY), 400,
     "InvalidKeyPairName.NotFound"),
    ("attach-missing-key", lambda s, w: s.attach_key_pair(MISSING_KEY, [w["linux"]]), 400,
     "InvalidKeyPairName.NotFound"),
    ("detach-missing-key", lambda s, w: s.detach_key_pair(MISSING_KEY, [w["linux"]]), 400,
     "InvalidKeyPairName.NotFound"),
    ("replace-disk-missing-key", lambda s, w: s.replace_system_disk(
        w["stopped"], image_id=ih.LINUX_IMAGE, key_pair_name=MISSING_KEY),
     400, "InvalidKeyPairName.NotFound"),
]


@pytest.mark.parametrize("kind", SDKS)
@pytest.mark.parametrize("name,call,status,code", CASES, ids=[c[0] for c in CASES])
def test_error_is_raised_and_changes_nothing(world, kind, name, call, status, code):
    sdk = world["fleet"].sdk(kind)
    before = _snapshot(sdk, world)
    with pytest.raises(kw.ApiError) as ei:
        call(sdk, world)
    e = ei.value
    assert (e.status, e.code) == (status, code), f"{name}: expected HTTP {status} {code}, got {e}"
    assert e.request_id, e
    after = _snapshot(sdk, world)
    assert after == before, f"{name} changed state:\nbefore {before}\nafter  {after}"


@pytest.mark.parametrize("kind", SDKS)
def test_key_pair_on_windows_or_old_type_fails_per_instance(world, kind):
    """AttachKeyPair answers per instance: the Windows and the non-I/O-optimized instance fail with the documented
    codes, the Linux one succeeds (re-attaching its own pair), and nothing else changes."""
    sdk = world["fleet"].sdk(kind)
    before = _snapshot(sdk, world)
    key = world["key"].name
    r = sdk.attach_key_pair(key, [world["windows"], world["old"], world["stopped"]])
    assert int(r["TotalCount"]) == 3 and int(r["FailCount"]) == 2, r
    res = {x["InstanceId"]: x for x in ih.results_of(r)}
    assert res[world["windows"]]["Success"] is False
    assert res[world["windows"]]["Code"] == "DependencyViolation.WindowsInstance", res
    assert res[world["old"]]["Success"] is False
    assert res[world["old"]]["Code"] == "DependencyViolation.IoOptimize", res
    assert res[world["stopped"]]["Success"] is True and res[world["stopped"]]["Code"] == "200", res
    after = _snapshot(sdk, world)
    # The stopped instance re-attached the pair it already had; the other three are exactly as before.
    for iid in (world["linux"], world["windows"], world["old"]):
        assert after[1][iid] == before[1][iid], (iid, before[1][iid], after[1][iid])
    assert after[0] == before[0]
    assert after[1][world["stopped"]][1] == key


def test_running_instance_unchanged_after_all_errors(world):
    """The running instance kept its key and has no password logon, after every refused request above."""
    sdk = world["fleet"].legacy
    d = ih.describe_one(sdk, world["linux"])
    assert d["Status"] == "Running" and d["KeyPairName"] == world["key"].name, d
    assert d["CredentialsPendingRestart"] is False, d
    sdk.reboot_instance(world["linux"])
    ip = ih.private_ip(ih.describe_one(sdk, world["linux"]))
    ih.assert_key_login(ip, world["key"].path)
    ih.assert_key_refused(ip, world["other"].path)
