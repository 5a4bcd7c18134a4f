"""Helpers for the real-instance interop tests (test_instances.py, test_instance_errors.py, test_metadata.py).

* SandboxServer - `keyward serve --driver sandbox --network namespaces` on its own bridge and subnet; the
  metadata service on 100.100.100.200:80 (KEYWARD_INTEROP_METADATA_LISTEN=HOST:PORT overrides it, e.g. when
  another Keyward on this machine already holds 100.100.100.200:80).
* LegacyEcs / TeaEcs - the official SDKs' instance, image and key-binding requests (aliyun-python-sdk-ecs
  request classes, alibabacloud_ecs20140526 request models). Both return the response body as it came over the
  wire (a dict), so Keyward's non-standard fields (SshPort, CredentialsPendingRestart,
  ImagePresetCredentialsRemoved, DescribeKeyPairs InstanceIds) are visible with either SDK; the Tea SDK still
  parses every response into its own model first.
* Logins: the real `ssh` client for keys, paramiko for passwords (password and keyboard-interactive),
  ssh-keyscan for host keys.
* Metadata: requests made from inside an instance's network namespace (`ip netns exec kw-<id> python ...`).
* cloud-init: Debian's cloud-init package fetched with `apt-get download` and unpacked with `dpkg -x`.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import kwhelpers as kw

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------------
# Constants of the contract
# --------------------------------------------------------------------------------------------

LINUX_IMAGE = "debian_12_x64_keyward.vhd"
WINDOWS_IMAGE = "win2022_datacenter_x64_keyward.vhd"
INSTANCE_TYPE = "ecs.g7.large"
# Generation I, non-I/O-optimized families: key pairs are refused.
OLD_INSTANCE_TYPES = ("ecs.t1.small", "ecs.s1.small", "ecs.s2.large", "ecs.s3.medium", "ecs.m1.medium",
                      "ecs.m2.medium", "ecs.c1.small", "ecs.c2.medium")

BRIDGE = os.environ.get("KEYWARD_INTEROP_BRIDGE", "kwbrt0")
SUBNET = os.environ.get("KEYWARD_INTEROP_SUBNET", "10.213.7")
METADATA_LISTEN = os.environ.get("KEYWARD_INTEROP_METADATA_LISTEN")  # None: the server's default 100.100.100.200:80


def metadata_base_url() -> str:
    if not METADATA_LISTEN:
        return "http://100.100.100.200"
    host, _, port = METADATA_LISTEN.rpartition(":")
    return f"http://{host}" if port == "80" else f"http://{host}:{port}"


def namespace_of(instance_id: str) -> str:
    return "kw-" + instance_id


# --------------------------------------------------------------------------------------------
# Preconditions
# --------------------------------------------------------------------------------------------

def require_root_and_tools() -> None:
    """Fails (never skips) with a clear message when the instance suite cannot run here."""
    if os.geteuid() != 0:
        raise AssertionError("the real-instance tests run bubblewrap sandboxes in network namespaces and must run as "
                             "root (CI runs as root): run `sudo ./test.sh` or `sudo .venv/bin/python -m pytest interop`")
    missing = [tool for tool in ("bwrap", "ip", "ssh", "ssh-keygen", "ssh-keyscan") if not shutil.which(tool)]
    if not os.path.exists("/usr/sbin/sshd"):
        missing.append("/usr/sbin/sshd")
    if missing:
        raise AssertionError(f"missing for the instance tests: {missing} (apt packages bubblewrap, openssh-server, "
                             "openssh-client, iproute2)")
    import importlib.util
    missing_py = [m for m in ("paramiko", "yaml", "jinja2", "jsonschema", "jsonpatch", "configobj")
                  if importlib.util.find_spec(m) is None]
    if missing_py:
        raise AssertionError(f"missing from the test virtualenv: {missing_py} (paramiko, and cloud-init's "
                             "dependencies): pip install -r interop/requirements.txt")


def check_metadata_address_free() -> None:
    """Only one server can hold the metadata address: fail clearly if another one (e.g. a developer's Keyward)
    already listens there."""
    host, port = ("100.100.100.200", 80) if not METADATA_LISTEN else (METADATA_LISTEN.rpartition(":")[0],
                                                                      int(METADATA_LISTEN.rpartition(":")[2]))
    if not run_cmd(["ip", "-o", "addr", "show", "to", host + "/32"]).stdout.strip():
        return
    s = socket.socket()
    s.settimeout(1)
    try:
        busy = s.connect_ex((host, port)) == 0
    finally:
        s.close()
    if busy:
        raise AssertionError(f"something already listens on {host}:{port} (another Keyward with real instances?): "
                             "stop it, or run this suite beside it with KEYWARD_INTEROP_METADATA_LISTEN="
                             f"{SUBNET}.1:8775 (and a free KEYWARD_INTEROP_BRIDGE/KEYWARD_INTEROP_SUBNET)")


def run_cmd(cmd: Sequence[str], timeout: float = 60, check: bool = False, env=None) -> subprocess.CompletedProcess:
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"{list(cmd)} failed ({r.returncode}): {r.stderr.strip()} {r.stdout.strip()}")
    return r


def clean_env() -> Dict[str, str]:
    env = dict(os.environ)
    for v in kw._PROXY_VARS:
        env.pop(v, None)
    return env


def netns_names() -> List[str]:
    out = run_cmd(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


# --------------------------------------------------------------------------------------------
# The sandbox server
# --------------------------------------------------------------------------------------------

class SandboxServer(kw.KeywardServer):
    """A Keyward with real instances. One per session: only one server can hold 100.100.100.200:80."""

    def __init__(self, data_dir: Path, ak: str, secret: str):
        args = ["--driver", "sandbox", "--network", "namespaces", "--bridge", BRIDGE, "--subnet", SUBNET]
        if METADATA_LISTEN:
            args += ["--metadata-listen", METADATA_LISTEN]
        super().__init__(data_dir, ak, secret, extra_args=args)
        self.launched: set = set()        # every instance id a test launched through this server
        self.images: set = set()          # custom images made by tests
        self.banner = ""

    def start(self) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        super().start()
        # The banner is written in one piece after "listening on".
        deadline = time.monotonic() + 5
        text = ""
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[offset:].decode(errors="replace")
            if "Metadata service:" in text:
                break
            time.sleep(0.05)
        self.banner = text
        assert "Instances: sandbox" in text, f"the server did not report sandbox instances; log:\n{text[-3000:]}"
        expected = metadata_base_url()
        assert f"Metadata service: {expected}" in text, \
            f"the server did not report the metadata service at {expected}; log:\n{text[-3000:]}"

    def sigkill(self) -> None:
        """Kills the server process (not its sandboxes) as a crash would."""
        assert self.proc is not None, "server not running"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None


def teardown_sandbox_server(srv: SandboxServer, netns_before: Iterable[str]) -> List[str]:
    """Deletes every instance and custom image the tests left, stops the server, removes the namespaces of the
    instances it ran and its bridge. Returns notes about what had to be cleaned up by hand."""
    notes: List[str] = []
    if not srv.running:
        try:
            srv.start()
        except Exception as e:  # the server is broken: clean the host by hand below
            notes.append(f"could not restart the server for cleanup: {e}")
    if srv.running:
        sdk = LegacyEcs(srv.host, srv.port, srv.ak, srv.secret)
        try:
            for inst in describe_all_instances(sdk):
                notes.append(f"instance {inst['InstanceId']} was left by a test")
                try:
                    sdk.delete_instance(inst["InstanceId"], force=True)
                except kw.ApiError as e:
                    notes.append(f"delete {inst['InstanceId']}: {e}")
            for image_id in list(srv.images):
                try:
                    sdk.delete_image(image_id, force=True)
                except kw.ApiError:
                    pass
        except Exception as e:
            notes.append(f"cleanup through the API failed: {e}")
        try:
            srv.stop()
        except AssertionError as e:
            notes.append(str(e))
    before = set(netns_before)
    ours = {namespace_of(i) for i in srv.launched}
    for ns in netns_names():
        if ns in before or not ns.startswith("kw-"):
            continue
        if ns not in ours:
            # Not launched through a fleet: ours only if its address is in this server's subnet.
            addrs = run_cmd(["ip", "-n", ns, "-4", "-o", "addr", "show"]).stdout
            if f" {SUBNET}." not in addrs:
                continue
            notes.append(f"namespace {ns} of an untracked instance")
        # Processes left in a namespace of ours are sandboxes our server started: end them by pid.
        pids = run_cmd(["ip", "netns", "pids", ns]).stdout.split()
        if pids:
            notes.append(f"namespace {ns} still had processes {pids} after the server stopped")
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run_cmd(["ip", "netns", "del", ns])
    if run_cmd(["ip", "link", "show", BRIDGE]).returncode == 0:
        run_cmd(["ip", "link", "del", BRIDGE])
    return notes


# --------------------------------------------------------------------------------------------
# SDK wrappers for instances
# --------------------------------------------------------------------------------------------

def strong_password() -> str:
    """8-30 characters with all four classes, from the documented special set."""
    core = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
    return "Kw" + core + secrets.choice("!@#%^*-_+=") + str(secrets.randbelow(10)) + "a"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class LegacyEcs(kw.LegacySdk):
    """aliyun-python-sdk-ecs request classes (signature v1)."""

    def run_instances(self, image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE, amount=None, name=None,
                      host_name=None, key_pair_name=None, password=None, password_inherit=None,
                      user_data=None, http_tokens=None, http_endpoint=None) -> dict:
        req = self._mod("RunInstancesRequest")
        req.set_ImageId(image_id)
        req.set_InstanceType(instance_type)
        if amount is not None:
            req.set_Amount(amount)
        if name is not None:
            req.set_InstanceName(name)
        if host_name is not None:
            req.set_HostName(host_name)
        if key_pair_name is not None:
            req.set_KeyPairName(key_pair_name)
        if password is not None:
            req.set_Password(password)
        if password_inherit is not None:
            req.set_PasswordInherit(password_inherit)
        if user_data is not None:
            req.set_UserData(user_data)
        if http_tokens is not None:
            req.set_HttpTokens(http_tokens)
        if http_endpoint is not None:
            req.set_HttpEndpoint(http_endpoint)
        return self._call(req)

    def create_instance(self, image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE, name=None, host_name=None,
                        key_pair_name=None, password=None, password_inherit=None) -> dict:
        req = self._mod("CreateInstanceRequest")
        req.set_ImageId(image_id)
        req.set_InstanceType(instance_type)
        for setter, value in (("set_InstanceName", name), ("set_HostName", host_name),
                              ("set_KeyPairName", key_pair_name), ("set_Password", password),
                              ("set_PasswordInherit", password_inherit)):
            if value is not None:
                getattr(req, setter)(value)
        return self._call(req)

    def describe_instances(self, instance_ids=None, key_pair_name=None, status=None, name=None,
                           page_number=None, page_size=None, image_id=None) -> dict:
        req = self._mod("DescribeInstancesRequest")
        if instance_ids is not None:
            req.set_InstanceIds(instance_ids if isinstance(instance_ids, str) else json.dumps(list(instance_ids)))
        for setter, value in (("set_KeyPairName", key_pair_name), ("set_Status", status),
                              ("set_InstanceName", name), ("set_PageNumber", page_number),
                              ("set_PageSize", page_size), ("set_ImageId", image_id)):
            if value is not None:
                getattr(req, setter)(value)
        return self._call(req)

    def describe_instance_status(self, instance_ids=None, page_number=None, page_size=None) -> dict:
        req = self._mod("DescribeInstanceStatusRequest")
        if instance_ids:
            req.set_InstanceIds(list(instance_ids))
        if page_number is not None:
            req.set_PageNumber(page_number)
        if page_size is not None:
            req.set_PageSize(page_size)
        return self._call(req)

    def _one(self, cls: str, instance_id: str, **setters) -> dict:
        req = self._mod(cls)
        req.set_InstanceId(instance_id)
        for k, v in setters.items():
            if v is not None:
                getattr(req, "set_" + k)(v)
        return self._call(req)

    def start_instance(self, instance_id):
        return self._one("StartInstanceRequest", instance_id)

    def stop_instance(self, instance_id):
        return self._one("StopInstanceRequest", instance_id)

    def reboot_instance(self, instance_id):
        return self._one("RebootInstanceRequest", instance_id)

    def delete_instance(self, instance_id, force=None):
        return self._one("DeleteInstanceRequest", instance_id, Force=force)

    def delete_instances(self, instance_ids, force=None) -> dict:
        req = self._mod("DeleteInstancesRequest")
        req.set_InstanceIds(list(instance_ids))
        if force is not None:
            req.set_Force(force)
        return self._call(req)

    def modify_instance_attribute(self, instance_id, password=None, name=None, host_name=None):
        return self._one("ModifyInstanceAttributeRequest", instance_id, Password=password, InstanceName=name,
                         HostName=host_name)

    def attach_key_pair(self, key_pair_name, instance_ids) -> dict:
        req = self._mod("AttachKeyPairRequest")
        req.set_KeyPairName(key_pair_name)
        req.set_InstanceIds(instance_ids if isinstance(instance_ids, str) else json.dumps(list(instance_ids)))
        return self._call(req)

    def detach_key_pair(self, key_pair_name, instance_ids) -> dict:
        req = self._mod("DetachKeyPairRequest")
        req.set_KeyPairName(key_pair_name)
        req.set_InstanceIds(instance_ids if isinstance(instance_ids, str) else json.dumps(list(instance_ids)))
        return self._call(req)

    def create_image(self, instance_id, image_name=None) -> dict:
        return self._one("CreateImageRequest", instance_id, ImageName=image_name)

    def describe_images(self, image_id=None, owner_alias=None, page_size=None) -> dict:
        req = self._mod("DescribeImagesRequest")
        if image_id is not None:
            req.set_ImageId(image_id)
        if owner_alias is not None:
            req.set_ImageOwnerAlias(owner_alias)
        if page_size is not None:
            req.set_PageSize(page_size)
        return self._call(req)

    def delete_image(self, image_id, force=None) -> dict:
        req = self._mod("DeleteImageRequest")
        req.set_ImageId(image_id)
        if force is not None:
            req.set_Force(force)
        return self._call(req)

    def replace_system_disk(self, instance_id, image_id=None, password=None, key_pair_name=None,
                            password_inherit=None) -> dict:
        return self._one("ReplaceSystemDiskRequest", instance_id, ImageId=image_id, Password=password,
                         KeyPairName=key_pair_name, PasswordInherit=password_inherit)


def _recording_client_class():
    from alibabacloud_ecs20140526.client import Client

    class RecordingClient(Client):
        """The official client; remembers the body of the last response before the model drops unknown fields."""
        last_raw = None

        def call_api(self, params, request, runtime):
            self.last_raw = None
            result = super().call_api(params, request, runtime)
            self.last_raw = result
            return result

    return RecordingClient


class TeaEcs(kw.TeaSdk):
    """alibabacloud_ecs20140526 request models (ACS3-HMAC-SHA256, or HMAC-SHA1 in v2 mode)."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.client.__class__ = _recording_client_class()

    def _call(self, fn, req) -> dict:
        model_map = super()._call(fn, req)       # parsed by the SDK's response model (raises ApiError on errors)
        raw = self.client.last_raw
        assert raw is not None and isinstance(raw.get("body"), dict), raw
        body = raw["body"]
        # Every standard field the model knows came through unchanged.
        for k, v in model_map.items():
            if k in body and not isinstance(v, (dict, list)):
                assert body[k] == v, (k, body[k], v)
        return body

    @property
    def m(self):
        from alibabacloud_ecs20140526 import models
        return models

    def run_instances(self, image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE, amount=None, name=None,
                      host_name=None, key_pair_name=None, password=None, password_inherit=None,
                      user_data=None, http_tokens=None, http_endpoint=None) -> dict:
        req = self.m.RunInstancesRequest(
            region_id=kw.DEFAULT_REGION, image_id=image_id, instance_type=instance_type, amount=amount,
            instance_name=name, host_name=host_name, key_pair_name=key_pair_name, password=password,
            password_inherit=password_inherit, user_data=user_data, http_tokens=http_tokens,
            http_endpoint=http_endpoint)
        return self._call(self.client.run_instances, req)

    def create_instance(self, image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE, name=None, host_name=None,
                        key_pair_name=None, password=None, password_inherit=None) -> dict:
        req = self.m.CreateInstanceRequest(
            region_id=kw.DEFAULT_REGION, image_id=image_id, instance_type=instance_type, instance_name=name,
            host_name=host_name, key_pair_name=key_pair_name, password=password, password_inherit=password_inherit)
        return self._call(self.client.create_instance, req)

    def describe_instances(self, instance_ids=None, key_pair_name=None, status=None, name=None,
                           page_number=None, page_size=None, image_id=None) -> dict:
        if instance_ids is not None and not isinstance(instance_ids, str):
            instance_ids = json.dumps(list(instance_ids))
        req = self.m.DescribeInstancesRequest(
            region_id=kw.DEFAULT_REGION, instance_ids=instance_ids, key_pair_name=key_pair_name, status=status,
            instance_name=name, page_number=page_number, page_size=page_size, image_id=image_id)
        return self._call(self.client.describe_instances, req)

    def describe_instance_status(self, instance_ids=None, page_number=None, page_size=None) -> dict:
        req = self.m.DescribeInstanceStatusRequest(
            region_id=kw.DEFAULT_REGION, instance_id=list(instance_ids) if instance_ids else None,
            page_number=page_number, page_size=page_size)
        return self._call(self.client.describe_instance_status, req)

    def start_instance(self, instance_id):
        return self._call(self.client.start_instance, self.m.StartInstanceRequest(instance_id=instance_id))

    def stop_instance(self, instance_id):
        return self._call(self.client.stop_instance, self.m.StopInstanceRequest(instance_id=instance_id))

    def reboot_instance(self, instance_id):
        return self._call(self.client.reboot_instance, self.m.RebootInstanceRequest(instance_id=instance_id))

    def delete_instance(self, instance_id, force=None):
        return self._call(self.client.delete_instance, self.m.DeleteInstanceRequest(instance_id=instance_id, force=force))

    def delete_instances(self, instance_ids, force=None) -> dict:
        req = self.m.DeleteInstancesRequest(region_id=kw.DEFAULT_REGION, instance_id=list(instance_ids), force=force)
        return self._call(self.client.delete_instances, req)

    def modify_instance_attribute(self, instance_id, password=None, name=None, host_name=None):
        req = self.m.ModifyInstanceAttributeRequest(instance_id=instance_id, password=password, instance_name=name,
                                                    host_name=host_name)
        return self._call(self.client.modify_instance_attribute, req)

    def attach_key_pair(self, key_pair_name, instance_ids) -> dict:
        ids = instance_ids if isinstance(instance_ids, str) else json.dumps(list(instance_ids))
        req = self.m.AttachKeyPairRequest(region_id=kw.DEFAULT_REGION, key_pair_name=key_pair_name, instance_ids=ids)
        return self._call(self.client.attach_key_pair, req)

    def detach_key_pair(self, key_pair_name, instance_ids) -> dict:
        ids = instance_ids if isinstance(instance_ids, str) else json.dumps(list(instance_ids))
        req = self.m.DetachKeyPairRequest(region_id=kw.DEFAULT_REGION, key_pair_name=key_pair_name, instance_ids=ids)
        return self._call(self.client.detach_key_pair, req)

    def create_image(self, instance_id, image_name=None) -> dict:
        req = self.m.CreateImageRequest(region_id=kw.DEFAULT_REGION, instance_id=instance_id, image_name=image_name)
        return self._call(self.client.create_image, req)

    def describe_images(self, image_id=None, owner_alias=None, page_size=None) -> dict:
        req = self.m.DescribeImagesRequest(region_id=kw.DEFAULT_REGION, image_id=image_id,
                                           image_owner_alias=owner_alias, page_size=page_size)
        return self._call(self.client.describe_images, req)

    def delete_image(self, image_id, force=None) -> dict:
        req = self.m.DeleteImageRequest(region_id=kw.DEFAULT_REGION, image_id=image_id, force=force)
        return self._call(self.client.delete_image, req)

    def replace_system_disk(self, instance_id, image_id=None, password=None, key_pair_name=None,
                            password_inherit=None) -> dict:
        req = self.m.ReplaceSystemDiskRequest(instance_id=instance_id, image_id=image_id, password=password,
                                              key_pair_name=key_pair_name, password_inherit=password_inherit)
        return self._call(self.client.replace_system_disk, req)


def make_ecs(kind: str, server: kw.KeywardServer):
    if kind == "legacy":
        return LegacyEcs(server.host, server.port, server.ak, server.secret)
    if kind == "tea-v3":
        return TeaEcs(server.host, server.port, server.ak, server.secret, mode="v3")
    if kind == "tea-v2":
        return TeaEcs(server.host, server.port, server.ak, server.secret, mode="v2")
    raise ValueError(kind)


# --------------------------------------------------------------------------------------------
# Response helpers
# --------------------------------------------------------------------------------------------

def instances_of(resp: dict) -> List[dict]:
    return ((resp.get("Instances") or {}).get("Instance")) or []


def instance_ids_of(run_resp: dict) -> List[str]:
    return list(((run_resp.get("InstanceIdSets") or {}).get("InstanceIdSet")) or [])


def results_of(resp: dict) -> List[dict]:
    return ((resp.get("Results") or {}).get("Result")) or []


def images_of(resp: dict) -> List[dict]:
    return ((resp.get("Images") or {}).get("Image")) or []


def private_ip(inst: dict) -> str:
    ips = inst["VpcAttributes"]["PrivateIpAddress"]["IpAddress"]
    assert ips and ips[0], f"no private address for {inst.get('InstanceId')}: {inst.get('VpcAttributes')}"
    return ips[0]


def presets_removed(inst: dict) -> List[str]:
    return list(((inst.get("ImagePresetCredentialsRemoved") or {}).get("Item")) or [])


def describe_one(sdk, instance_id: str) -> dict:
    found = instances_of(sdk.describe_instances(instance_ids=[instance_id]))
    assert [i["InstanceId"] for i in found] == [instance_id], found
    return found[0]


LAUNCH_WAIT = 180.0


def wait_settled(fetch, expected: int, limit: float = LAUNCH_WAIT) -> List[dict]:
    """Polls `fetch()` (DescribeInstances entries as dicts) until `expected` instances are listed and none is Pending or
    Starting: RunInstances and CreateInstance return with the instances Pending, as ECS does."""
    deadline = time.monotonic() + limit
    while True:
        found = fetch()
        if len(found) >= expected and all(i["Status"] not in ("Pending", "Starting") for i in found):
            return found
        assert time.monotonic() < deadline, f"instances still launching after {limit:.0f} s: {[(i['InstanceId'], i['Status']) for i in found]}"
        time.sleep(0.2)


def wait_launched(sdk, instance_ids: List[str], limit: float = LAUNCH_WAIT) -> List[dict]:
    """DescribeInstances until each of `instance_ids` has left Pending and Starting (Running after RunInstances, Stopped
    after CreateInstance or a failed launch)."""
    return wait_settled(lambda: instances_of(sdk.describe_instances(instance_ids=list(instance_ids))), len(instance_ids), limit)


def describe_all_instances(sdk, **filters) -> List[dict]:
    out, page = [], 1
    while True:
        r = sdk.describe_instances(page_number=page, page_size=100, **filters)
        items = instances_of(r)
        out.extend(items)
        if len(items) < 100 or len(out) >= int(r["TotalCount"]):
            return out
        page += 1


def instance_count(sdk) -> int:
    return int(sdk.describe_instances(page_size=1)["TotalCount"])


def key_pair_instance_ids(kp: dict) -> List[str]:
    """Keyward's non-standard DescribeKeyPairs field: the instances the pair is bound to."""
    return list(((kp.get("InstanceIds") or {}).get("InstanceId")) or [])


def is_true(v) -> bool:
    return v is True or (isinstance(v, str) and v.lower() == "true")


# --------------------------------------------------------------------------------------------
# Key pairs with private keys
# --------------------------------------------------------------------------------------------

class KeyFile:
    """A key pair made by CreateKeyPair: its name, id and the private key written to a 0600 file."""

    def __init__(self, name: str, key_pair_id: str, fingerprint: str, path: Path):
        self.name = name
        self.key_pair_id = key_pair_id
        self.fingerprint = fingerprint
        self.path = path
        self.public_line = run_cmd(["ssh-keygen", "-y", "-f", str(path)], check=True).stdout.strip()

    @property
    def blob(self) -> Tuple[str, str]:
        return kw.openssh_blob(self.public_line)

    def __repr__(self):
        return f"KeyFile({self.name})"


def write_private_key(directory: Path, name: str, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.pem"
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(body if body.endswith("\n") else body + "\n")
    os.chmod(path, 0o600)
    return path


# --------------------------------------------------------------------------------------------
# Logins
# --------------------------------------------------------------------------------------------

SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=5", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR"]


def ssh_key(ip: str, key: Path, port: int = 22, command: str = "echo ok; id -u", user: str = "root",
            timeout: float = 30) -> subprocess.CompletedProcess:
    cmd = ["ssh", "-i", str(key), *SSH_OPTS, "-o", "PreferredAuthentications=publickey", "-p", str(port),
           f"{user}@{ip}", command]
    return run_cmd(cmd, timeout=timeout, env=clean_env())


def assert_key_login(ip: str, key: Path, port: int = 22, what: str = "") -> None:
    r = ssh_key(ip, key, port)
    assert r.returncode == 0 and r.stdout.split() == ["ok", "0"], \
        f"key login {what} to root@{ip}:{port} with {key.name} failed: rc={r.returncode} out={r.stdout!r} err={r.stderr!r}"


def assert_key_refused(ip: str, key: Path, port: int = 22, what: str = "") -> None:
    r = ssh_key(ip, key, port)
    assert r.returncode == 255 and "Permission denied" in r.stderr, \
        f"key {key.name} should be refused {what} by root@{ip}:{port}: rc={r.returncode} out={r.stdout!r} err={r.stderr!r}"


def _transport(ip: str, port: int):
    import paramiko
    sock = socket.create_connection((ip, port), timeout=10)
    t = paramiko.Transport(sock)
    t.banner_timeout = 15
    t.auth_timeout = 30
    t.start_client(timeout=15)
    return t


def password_login(ip: str, password: str, port: int = 22, command: str = "echo ok; id -u",
                   user: str = "root") -> str:
    """Logs in with the password method (paramiko, no keys, no agent); returns the command's output.
    Raises paramiko's exceptions when the login is refused."""
    import paramiko
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(ip, port=port, username=user, password=password, look_for_keys=False, allow_agent=False,
                       timeout=10, banner_timeout=15, auth_timeout=30)
        _, stdout, _ = client.exec_command(command, timeout=30)
        return stdout.read().decode()
    finally:
        client.close()


def assert_password_login(ip: str, password: str, port: int = 22, what: str = "") -> None:
    try:
        out = password_login(ip, password, port)
    except Exception as e:
        raise AssertionError(f"password login {what} to root@{ip}:{port} failed: {type(e).__name__}: {e}") from None
    assert out.split() == ["ok", "0"], out


def password_methods_result(ip: str, password: str, port: int = 22, user: str = "root") -> Dict[str, str]:
    """Tries the password with the 'password' method and with 'keyboard-interactive' (answering every prompt with
    it) on separate connections. Returns {method: 'accepted' | 'not-offered' | 'rejected'}."""
    import paramiko
    out = {}
    for method in ("password", "keyboard-interactive"):
        t = _transport(ip, port)
        try:
            if method == "password":
                t.auth_password(user, password)
            else:
                t.auth_interactive(user, lambda title, instructions, prompts: [password for _ in prompts])
            out[method] = "accepted" if t.is_authenticated() else "rejected"
        except paramiko.BadAuthenticationType:
            out[method] = "not-offered"
        except paramiko.AuthenticationException:
            out[method] = "rejected"
        finally:
            t.close()
    return out


def assert_password_refused(ip: str, password: str, port: int = 22, what: str = "") -> Dict[str, str]:
    res = password_methods_result(ip, password, port)
    assert "accepted" not in res.values(), f"password should be refused {what} by root@{ip}:{port}, got {res}"
    return res


def host_keys(ip: str, port: int = 22) -> set:
    """(type, blob) of every host key the sshd presents (ssh-keyscan)."""
    r = run_cmd(["ssh-keyscan", "-T", "5", "-p", str(port), ip], timeout=30, env=clean_env())
    keys = set()
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and not line.startswith("#"):
            keys.add((parts[1], parts[2]))
    assert keys, f"ssh-keyscan {ip}:{port} found no host key: {r.stderr}"
    return keys


# --------------------------------------------------------------------------------------------
# Inside an instance's network namespace
# --------------------------------------------------------------------------------------------

_FETCH = r"""
import json, sys, urllib.request, urllib.error
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
out = []
for r in json.loads(sys.argv[1]):
    req = urllib.request.Request(r["url"], method=r.get("method", "GET"), headers=r.get("headers") or {},
                                 data=b"" if r.get("method") == "PUT" else None)
    try:
        resp = opener.open(req, timeout=10)
        out.append({"status": resp.status, "body": resp.read().decode(errors="replace"),
                    "content_type": resp.headers.get("Content-Type", "")})
    except urllib.error.HTTPError as e:
        out.append({"status": e.code, "body": e.read().decode(errors="replace"),
                    "content_type": e.headers.get("Content-Type", "")})
    except Exception as e:
        out.append({"status": None, "body": repr(e), "content_type": ""})
print(json.dumps(out))
"""


def netns_run(instance_id: Optional[str], argv: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs argv in the instance's network namespace (or on the host when instance_id is None)."""
    prefix = ["ip", "netns", "exec", namespace_of(instance_id)] if instance_id else []
    return run_cmd(prefix + list(argv), timeout=timeout, env=clean_env())


def metadata_requests(instance_id: Optional[str], requests_: List[dict]) -> List[dict]:
    """Each request: {"path": "/latest/...", "method": "GET"|"PUT", "headers": {...}} (or "url"). Made from the
    instance's namespace, so the metadata service sees the instance's own address."""
    base = metadata_base_url()
    reqs = [dict(r, url=r.get("url") or base + r["path"]) for r in requests_]
    r = netns_run(instance_id, [sys.executable, "-c", _FETCH, json.dumps(reqs)])
    assert r.returncode == 0, f"metadata client in {instance_id or 'host'} failed: {r.stderr}"
    return json.loads(r.stdout)


def metadata_get(instance_id: Optional[str], path: str, headers: Optional[dict] = None) -> dict:
    return metadata_requests(instance_id, [{"path": path, "headers": headers or {}}])[0]


def metadata_from_host_loopback(method: str, path: str, headers: Optional[dict] = None) -> dict:
    """A request to the metadata service from a host process using 127.0.0.1 as its source address (which any
    process on the host, root or not, can do)."""
    import http.client
    base = metadata_base_url()[len("http://"):]
    host, _, port = base.partition(":")
    conn = http.client.HTTPConnection(host, int(port or 80), timeout=10, source_address=("127.0.0.1", 0))
    try:
        conn.request(method, path, body=b"" if method == "PUT" else None, headers=headers or {})
        resp = conn.getresponse()
        return {"status": resp.status, "body": resp.read().decode(errors="replace")}
    finally:
        conn.close()


def metadata_token(instance_id: str, ttl: int = 60) -> str:
    r = metadata_requests(instance_id, [{"path": "/latest/api/token", "method": "PUT",
                                         "headers": {"X-aliyun-ecs-metadata-token-ttl-seconds": str(ttl)}}])[0]
    assert r["status"] == 200 and r["body"].strip(), f"token PUT from {instance_id}: {r}"
    return r["body"].strip()


# --------------------------------------------------------------------------------------------
# cloud-init (Debian's package, unpacked, never installed)
# --------------------------------------------------------------------------------------------

CLOUDINIT_CACHE = Path(os.environ.get("KEYWARD_INTEROP_CLOUDINIT_CACHE", "/tmp/kw-cloudinit"))


def cloudinit_package_root() -> Path:
    """dist-packages of Debian's cloud-init (apt-get download + dpkg -x), cached across runs."""
    root = CLOUDINIT_CACHE / "root" / "usr" / "lib" / "python3" / "dist-packages"
    if (root / "cloudinit" / "sources" / "DataSourceAliYun.py").exists():
        return root
    CLOUDINIT_CACHE.mkdir(parents=True, exist_ok=True)
    debs = sorted(CLOUDINIT_CACHE.glob("cloud-init_*.deb"))
    if not debs:
        work = Path(tempfile.mkdtemp(dir=CLOUDINIT_CACHE))
        os.chmod(work, 0o755)  # apt's _apt user may write there
        def download():
            return subprocess.run(["apt-get", "download", "cloud-init"], cwd=str(work), capture_output=True,
                                  text=True, timeout=300)
        r = download()
        if r.returncode != 0:  # no package lists yet on a fresh machine
            run_cmd(["apt-get", "update", "-qq"], timeout=600)
            r = download()
        assert r.returncode == 0, f"apt-get download cloud-init failed: {r.stderr}"
        for deb in work.glob("cloud-init_*.deb"):
            shutil.move(str(deb), str(CLOUDINIT_CACHE / deb.name))
        shutil.rmtree(work, ignore_errors=True)
        debs = sorted(CLOUDINIT_CACHE.glob("cloud-init_*.deb"))
    assert debs, "no cloud-init .deb downloaded"
    tmp_root = Path(tempfile.mkdtemp(dir=CLOUDINIT_CACHE))
    run_cmd(["dpkg", "-x", str(debs[-1]), str(tmp_root)], check=True, timeout=120)
    final = CLOUDINIT_CACHE / "root"
    if not (root / "cloudinit").exists():
        shutil.rmtree(final, ignore_errors=True)
        tmp_root.rename(final)
    else:
        shutil.rmtree(tmp_root, ignore_errors=True)
    assert (root / "cloudinit" / "sources" / "DataSourceAliYun.py").exists(), "cloud-init package has no AliYun datasource"
    return root


def run_cloudinit_aliyun(instance_id: str, workdir: Path) -> dict:
    """Runs cloud-init's AliYun datasource (driver: cloudinit_aliyun_driver.py) inside the instance's namespace."""
    pkg = cloudinit_package_root()
    workdir.mkdir(parents=True, exist_ok=True)
    r = netns_run(instance_id, [sys.executable, str(HERE / "cloudinit_aliyun_driver.py"), str(pkg),
                                metadata_base_url(), str(workdir)], timeout=120)
    assert r.returncode == 0, f"cloud-init driver failed in {instance_id}: rc={r.returncode}\n{r.stderr[-4000:]}"
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    assert lines, f"no JSON from the cloud-init driver: {r.stdout[-2000:]} {r.stderr[-2000:]}"
    return json.loads(lines[-1])
