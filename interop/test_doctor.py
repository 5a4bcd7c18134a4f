"""`keyward doctor` against real sandboxed sshd instances, each fault injected one at a time: the checklist stops
at the step that explains the fault, and says how to fix it."""
import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

import instance_helpers as ih
import kwhelpers as kw

BRIDGE, SUBNET = "kwbrd0", "10.213.8"
LAUNCHED = []  # instance ids this module ran: its teardown removes only their namespaces


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory):
    assert os.geteuid() == 0, "doctor tests run sandbox instances and need root (CI runs as root)"
    for tool in ("bwrap", "ssh", "iptables"):
        assert shutil.which(tool), f"{tool} is missing (the test script installs it)"
    server = kw.KeywardServer(tmp_path_factory.mktemp("doctor-data"), kw.random_access_key_id(), kw.random_secret(),
                              extra_args=["--driver", "sandbox", "--bridge", BRIDGE, "--subnet", SUBNET, "--metadata-listen", "off"])
    server.start()
    yield server
    server.stop()
    for instance_id in LAUNCHED:
        subprocess.run(["ip", "netns", "del", f"kw-{instance_id}"], capture_output=True)
    subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)


class Api:
    def __init__(self, server):
        self.server = server
        self.client = AcsClient(server.ak, server.secret, "cn-hangzhou", port=server.port)

    def call(self, action, **params):
        request = CommonRequest(domain=self.server.host, version="2014-05-26", action_name=action)
        request.set_method("POST")
        request.set_protocol_type("http")
        for name, value in params.items():
            request.add_query_param(name, str(value))
        return json.loads(self.client.do_action_with_exception(request))


@pytest.fixture
def instance(sandbox_server, tmp_path):
    """A running instance with a bound key pair: (api, instance id, address, rootfs, key path)."""
    api = Api(sandbox_server)
    name = kw.uniq("doc")
    created = api.call("CreateKeyPair", KeyPairName=name)
    key = tmp_path / "key.pem"
    key.write_text(created["PrivateKeyBody"])
    key.chmod(0o600)
    run = api.call("RunInstances", ImageId="debian_12_x64_keyward.vhd", InstanceType="ecs.g7.large", KeyPairName=name)
    instance_id = run["InstanceIdSets"]["InstanceIdSet"][0]
    LAUNCHED.append(instance_id)
    described = ih.wait_settled(lambda: api.call("DescribeInstances", InstanceIds=json.dumps([instance_id]))["Instances"]["Instance"], 1)[0]
    address = described["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
    rootfs = sandbox_server.data_dir / "sandbox" / "instances" / instance_id / "rootfs"
    yield api, instance_id, address, rootfs, key
    api.call("DeleteInstance", InstanceId=instance_id, Force="true")


def doctor(server, address, key, rootfs=None, port=22, netns=None):
    cmd = [server.binary, "doctor", "--host", address, "--port", str(port), "--key", str(key), "--format", "json"]
    if rootfs:
        cmd += ["--root", str(rootfs)]
    if netns:
        cmd += ["--netns", netns]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    steps = json.loads(result.stdout)
    return result.returncode, steps


def failed_step(steps):
    failed = [s for s in steps if s["status"] == "failed"]
    assert len(failed) <= 1, steps
    assert not failed or failed[0] == steps[-1], "the checklist stops at the first failing step"
    return failed[0] if failed else None


def test_healthy_instance_passes_every_step_and_logs_in(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    code, steps = doctor(sandbox_server, address, key, rootfs, netns=f"kw-{instance_id}")
    assert code == 0, steps
    assert failed_step(steps) is None
    assert [s["id"] for s in steps][-1] == "login" and steps[-1]["status"] == "passed"
    assert all(s["status"] == "passed" for s in steps), steps


def test_unbound_key_is_reported_first(sandbox_server, instance, tmp_path):
    api, instance_id, address, rootfs, key = instance
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    code, steps = doctor(sandbox_server, address, other, rootfs)
    step = failed_step(steps)
    assert code == 1 and step["id"] == "key-authorized"
    assert "AttachKeyPair" in step["fix"]


def test_closed_port(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    code, steps = doctor(sandbox_server, address, key, rootfs, port=2222)
    step = failed_step(steps)
    assert step["id"] == "port-open" and "22" in step["fix"]


def test_something_else_on_the_port(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]

    def serve():
        for _ in range(4):
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        code, steps = doctor(sandbox_server, "127.0.0.1", key, rootfs, port=port)
    finally:
        listener.close()
    assert failed_step(steps)["id"] == "sshd-listening"


def test_broken_sshd_config(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    with open(rootfs / "etc/ssh/sshd_config", "a") as config:
        config.write("\nNoSuchKeyword yes\n")
    code, steps = doctor(sandbox_server, address, key, rootfs)
    step = failed_step(steps)
    assert step["id"] == "sshd-config-valid" and "NoSuchKeyword" in step["detail"]


def test_world_writable_home_breaks_strict_modes(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    os.chmod(rootfs / "root", 0o777)
    code, steps = doctor(sandbox_server, address, key, rootfs)
    step = failed_step(steps)
    assert step["id"] == "strict-modes" and "/root" in step["detail"]
    # sshd agrees: the key is refused.
    assert subprocess.run(["ssh", "-i", str(key), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "IdentitiesOnly=yes", f"root@{address}", "true"], capture_output=True).returncode != 0


def test_firewall_drop_is_named(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    netns = f"kw-{instance_id}"
    subprocess.run(["ip", "netns", "exec", netns, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "DROP"], check=True)
    code, steps = doctor(sandbox_server, address, key, rootfs, netns=netns)
    step = failed_step(steps)
    assert step["id"] == "port-open" and "--dport 22" in step["detail"] and "firewall" in step["fix"]


def test_firewall_rule_for_the_port_is_flagged(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    netns = f"kw-{instance_id}"
    # Drops only one unrelated source: the connection works, but the rule is still worth naming.
    subprocess.run(["ip", "netns", "exec", netns, "iptables", "-A", "INPUT", "-s", "192.0.2.7", "-p", "tcp", "--dport", "22", "-j", "REJECT"], check=True)
    code, steps = doctor(sandbox_server, address, key, rootfs, netns=netns)
    assert failed_step(steps)["id"] == "firewall"


def test_hosts_deny(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    (rootfs / "etc/hosts.deny").write_text("sshd: ALL\n")
    code, steps = doctor(sandbox_server, address, key, rootfs)
    # Debian's sshd honours TCP wrappers: it accepts, then closes without a banner.
    step = failed_step(steps)
    assert step["id"] == "port-open" and "hosts.deny" in step["detail"] and "hosts.deny" in step["fix"]


def test_hosts_deny_for_another_daemon_is_not_blamed(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    (rootfs / "etc/hosts.deny").write_text("vsftpd: ALL\n")
    code, steps = doctor(sandbox_server, address, key, rootfs)
    assert code == 0 and failed_step(steps) is None


def test_expired_account(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    shadow = rootfs / "etc/shadow"
    lines = shadow.read_text().splitlines()
    lines = [":".join(l.split(":")[:7] + ["1"] + l.split(":")[8:]) if l.startswith("root:") else l for l in lines]
    shadow.write_text("\n".join(lines) + "\n")
    code, steps = doctor(sandbox_server, address, key, rootfs)
    step = failed_step(steps)
    assert step["id"] == "pam-account" and "expired" in step["detail"]


def test_rescue_boot_target(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    target = rootfs / "etc/systemd/system/default.target"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        target.unlink()
    target.symlink_to("/lib/systemd/system/rescue.target")
    code, steps = doctor(sandbox_server, address, key, rootfs)
    assert failed_step(steps)["id"] == "boot-target"


def test_publickey_disabled(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    (rootfs / "etc/ssh/sshd_config.d/0.conf").write_text("PubkeyAuthentication no\n")
    api.call("RebootInstance", InstanceId=instance_id)
    code, steps = doctor(sandbox_server, address, key, rootfs)
    step = failed_step(steps)
    assert step["id"] == "publickey-offered" and "PubkeyAuthentication" in step["fix"]


def audit(server, rootfs, *args):
    result = subprocess.run([server.binary, "instance", "audit", "--root", str(rootfs), "--format", "json", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    start = result.stdout.index("{")
    return result, json.loads(result.stdout[start:])


def rule_ids(report):
    return {finding["ruleId"] for finding in report["findings"]}


def test_instance_audit_compares_keys_users_and_live_sshd_then_fixes(sandbox_server, instance, tmp_path):
    api, instance_id, address, rootfs, key = instance
    bound = api.call("DescribeKeyPairs", KeyPairName=api.call("DescribeInstances", InstanceIds=json.dumps([instance_id]))
                     ["Instances"]["Instance"][0]["KeyPairName"])["KeyPairs"]["KeyPair"][0]["KeyPairFingerPrint"]
    stray = tmp_path / "stray"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stray)], check=True)
    with open(rootfs / "root/.ssh/authorized_keys", "a") as keys:
        keys.write(Path(f"{stray}.pub").read_text())
    with open(rootfs / "etc/passwd", "a") as passwd:
        passwd.write("olduser:x:1001:1001::/home/olduser:/bin/bash\n")
    with open(rootfs / "etc/shadow", "a") as shadow:
        shadow.write("olduser:$6$salt$4Y2EoXZ3f2E9D5A6qk9TnYB2o3d3m1n4Zp4GqRr7dC8yJv0J1Q5bq0yE9m0x9H3g7e8q5r0t2u4w6y8z0A1B2C:19000:0:99999:7:::\n")
    (rootfs / "home/olduser/.ssh").mkdir(parents=True)
    (rootfs / "home/olduser/.ssh/authorized_keys").write_text(Path(f"{stray}.pub").read_text())
    (rootfs / "etc/ssh/sshd_config.d/0.conf").write_text("PasswordAuthentication yes\n")

    result, report = audit(sandbox_server, rootfs, "--expected-key", bound, "--baseline-user", "root", "--fail-on", "high")
    found = rule_ids(report)
    assert result.returncode == 1
    assert {"KW-LIVE-001", "KW-LIVE-003", "KW-LIVE-004"} <= found, found
    assert "KW-LIVE-002" not in found  # the bound key is there
    text = json.dumps(report)
    assert "$6$salt$" not in text

    result = subprocess.run([sandbox_server.binary, "instance", "audit", "--root", str(rootfs), "--expected-key", bound, "--baseline-user", "root",
                             "--fix", "--leftover-user", "olduser", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert "fixed:" in result.stdout, result.stderr
    _, after = audit(sandbox_server, rootfs, "--expected-key", bound, "--baseline-user", "root", "--baseline-user", "olduser")
    assert not {"KW-LIVE-001", "KW-LIVE-004"} & rule_ids(after), after["findings"]
    shadow = (rootfs / "etc/shadow").read_text()
    assert [l for l in shadow.splitlines() if l.startswith("olduser:")][0].split(":")[1] in ("*", "!")

    api.call("RebootInstance", InstanceId=instance_id)
    # The reboot re-applies the bound credentials; the stray key stays gone, the bound key works.
    def login(path):
        return subprocess.run(["ssh", "-i", str(path), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                               "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", f"root@{address}", "true"], capture_output=True).returncode
    assert login(key) == 0
    assert login(stray) != 0


def test_guest_root_cannot_reach_kernel_settings_or_sysrq(sandbox_server, instance):
    api, instance_id, address, rootfs, key = instance
    probe = subprocess.run(["ssh", "-i", str(key), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                            "-o", "IdentitiesOnly=yes", f"root@{address}",
                            "grep ' /proc/sys ' /proc/self/mountinfo; stat -c %t:%T /proc/sysrq-trigger 2>/dev/null || echo absent; "
                            "echo probe > /proc/sys/kernel/hostname && echo WRITABLE || echo refused"],
                           capture_output=True, text=True, timeout=30)
    assert probe.returncode == 0, probe.stderr
    lines = probe.stdout.strip().splitlines()
    assert " ro," in lines[0] or " ro " in lines[0], lines
    host_has_sysrq = os.path.exists("/proc/sysrq-trigger")
    assert lines[1] == ("1:3" if host_has_sysrq else "absent"), "the SysRq trigger must be /dev/null inside the sandbox"
    assert lines[-1] == "refused"
