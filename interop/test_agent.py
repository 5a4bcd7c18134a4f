"""The guest agent: a remote Linux host joins with a one-time token, then applies the credentials the control
plane binds to it (at start, and whenever RebootInstance asks), and a real sshd on that host accepts the key.

The "remote host" is a bubblewrap sandbox with its own /etc, /root, /home and /var (a copy of the Linux public
image) sharing the host's network, where the real `keyward agent` and a real sshd run."""
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkcore.acs_exception.exceptions import ServerException

import kwhelpers as kw

def _require_root_tools():
    assert os.geteuid() == 0, "the guest agent test runs sandboxes and needs root (CI runs as root)"
    for tool in ("bwrap", "ssh-keygen", "ssh"):
        assert shutil.which(tool), f"{tool} is missing (the test script installs bubblewrap and openssh)"
    assert os.path.exists("/usr/sbin/sshd"), "openssh-server is missing"


def _token(server, name=None, seconds=None):
    client = AcsClient(server.ak, server.secret, "cn-hangzhou", port=server.port)
    request = CommonRequest(domain=server.host, version="2026-11-01", action_name="CreateAgentRegistrationToken")
    request.set_method("POST")
    request.set_protocol_type("http")
    if name:
        request.add_query_param("InstanceName", name)
    if seconds:
        request.add_query_param("ValidSeconds", str(seconds))
    return json.loads(client.do_action_with_exception(request))["Token"]


class RemoteHost:
    """A host's root filesystem copied from the Linux public image, run in a sandbox on the host network."""

    def __init__(self, root: Path, binary: str):
        self.root = root
        self.binary = binary
        self.sshd = None

    def sandbox(self, *command):
        swift_root = "/opt/swift" if os.path.isdir("/opt/swift") else None
        args = ["bwrap", "--unshare-pid", "--die-with-parent", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                "--symlink", "usr/sbin", "/sbin", "--symlink", "usr/lib", "/lib"]
        if os.path.exists("/usr/lib64"):
            args += ["--symlink", "usr/lib64", "/lib64"]
        for part in ("etc", "root", "home", "var"):
            args += ["--bind", str(self.root / part), "/" + part]
        # The fresh /tmp and /run come first: the binary may live under /tmp and is bound on top of them.
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--perms", "0755", "--dir", "/run/sshd"]
        binary_dir = str(Path(self.binary).resolve().parent.parent)
        args += ["--ro-bind", binary_dir, binary_dir]
        if swift_root:
            args += ["--ro-bind", swift_root, swift_root]
        return args + list(command)

    def agent(self, server, *extra):
        cmd = self.sandbox(str(Path(self.binary).resolve()), "agent", "--server", server.base_url,
                           "--state-directory", "/var/lib/keyward-agent", "--once", *extra)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    def daemon(self, server):
        cmd = self.sandbox(str(Path(self.binary).resolve()), "agent", "--server", server.base_url,
                           "--state-directory", "/var/lib/keyward-agent", "--interval", "1")
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def identity(self):
        return json.loads((self.root / "var/lib/keyward-agent/identity.json").read_text())

    def start_sshd(self, port):
        self.sshd = subprocess.Popen(self.sandbox("/usr/sbin/sshd", "-D", "-e", "-p", str(port), "-o", "ListenAddress=127.0.0.1"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("sshd in the remote host did not start")

    def stop_sshd(self):
        if self.sshd:
            self.sshd.kill()
            self.sshd.wait()
            self.sshd = None


@pytest.fixture
def remote_host(server, tmp_path):
    _require_root_tools()
    image = server.data_dir / "sandbox" / "images" / "debian_12_x64_keyward.vhd" / "rootfs"
    root = tmp_path / "host"
    if image.exists():
        subprocess.run(["cp", "-a", str(image), str(root)], check=True)
    else:
        # The key pair suite's server simulates instances; build the host root the same way the sandbox driver does.
        builder = kw.KeywardServer(tmp_path / "builder", server.ak, server.secret,
                                   extra_args=["--driver", "sandbox", "--network", "loopback", "--port-base", str(kw.free_port()),
                                               "--metadata-listen", "off"])
        builder.start()
        builder.stop()
        subprocess.run(["cp", "-a", str(tmp_path / "builder/sandbox/images/debian_12_x64_keyward.vhd/rootfs"), str(root)], check=True)
    (root / "etc/hostname").write_text("edge-host\n")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "etc/ssh/ssh_host_ed25519_key")], check=True)
    host = RemoteHost(root, server.binary)
    yield host
    host.stop_sshd()


def _ssh(key: Path, port: int) -> subprocess.CompletedProcess:
    return subprocess.run(["ssh", "-i", str(key), "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", "root@127.0.0.1", "id -u"],
                          capture_output=True, text=True, timeout=30)


def test_agent_joins_with_a_one_time_token_and_applies_bound_key_at_reboot(live_server, remote_host, tea, tmp_path):
    token = _token(live_server, name="edge-1")
    first = remote_host.agent(live_server, "--token", token)
    assert first.returncode == 0, first.stderr
    instance_id = remote_host.identity()["instanceId"]

    legacy = AcsClient(live_server.ak, live_server.secret, "cn-hangzhou", port=live_server.port)

    def describe():
        req = CommonRequest(domain=live_server.host, version="2014-05-26", action_name="DescribeInstances")
        req.set_method("POST"); req.set_protocol_type("http")
        req.add_query_param("InstanceIds", json.dumps([instance_id]))
        return json.loads(legacy.do_action_with_exception(req))["Instances"]["Instance"][0]

    listed = describe()
    assert listed["InstanceName"] == "edge-1" and listed["Status"] == "Running" and listed["HostName"] == "edge-host"

    # The token is single-use.
    second_root = remote_host.root.parent / "other"
    shutil.copytree(remote_host.root, second_root, symlinks=True)
    shutil.rmtree(second_root / "var/lib/keyward-agent")
    other = RemoteHost(second_root, remote_host.binary)
    reuse = other.agent(live_server, "--token", token)
    assert reuse.returncode != 0 and "403" in reuse.stderr

    # Bound but not applied: the running agent applies only when told (a start or reboot).
    port = kw.free_port()
    daemon = remote_host.daemon(live_server)
    try:
        remote_host.start_sshd(port)
        time.sleep(1.5)
        key_name = kw.uniq("agentkey")
        created = tea.create_key_pair(name=key_name)
        key = tmp_path / "agent.pem"
        key.write_text(created["PrivateKeyBody"])
        key.chmod(0o600)
        attach = CommonRequest(domain=live_server.host, version="2014-05-26", action_name="AttachKeyPair")
        attach.set_method("POST"); attach.set_protocol_type("http")
        attach.add_query_param("KeyPairName", key_name)
        attach.add_query_param("InstanceIds", json.dumps([instance_id]))
        result = json.loads(legacy.do_action_with_exception(attach))
        assert result["FailCount"] == 0, result
        time.sleep(2.5)
        assert _ssh(key, port).returncode != 0
        assert describe()["CredentialsPendingRestart"] is True

        reboot = CommonRequest(domain=live_server.host, version="2014-05-26", action_name="RebootInstance")
        reboot.set_method("POST"); reboot.set_protocol_type("http")
        reboot.add_query_param("InstanceId", instance_id)
        legacy.do_action_with_exception(reboot)
        deadline = time.monotonic() + 15
        login = _ssh(key, port)
        while login.returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.5)
            login = _ssh(key, port)
        assert login.returncode == 0 and login.stdout.strip() == "0", login.stderr
    finally:
        daemon.kill()
        daemon.wait()
    dropin = (remote_host.root / "etc/ssh/sshd_config.d/00-keyward.conf").read_text()
    assert "PasswordAuthentication no" in dropin and "KbdInteractiveAuthentication no" in dropin
    mode = (remote_host.root / "root/.ssh/authorized_keys").stat().st_mode & 0o777
    assert mode == 0o600
    assert describe()["CredentialsPendingRestart"] is False


def test_agent_refuses_unknown_token_and_forged_identity(live_server, remote_host):
    bad = remote_host.agent(live_server, "--token", "kwreg-not-a-token")
    assert bad.returncode != 0 and "403" in bad.stderr
    good = remote_host.agent(live_server, "--token", _token(live_server))
    assert good.returncode == 0, good.stderr
    identity_file = remote_host.root / "var/lib/keyward-agent/identity.json"
    identity = json.loads(identity_file.read_text())
    identity["secret"] = "forged" + identity["secret"][6:]
    identity_file.write_text(json.dumps(identity))
    forged = remote_host.agent(live_server)
    assert forged.returncode != 0 and "401" in forged.stderr


def test_registration_token_validity_is_bounded(live_server):
    with pytest.raises(ServerException) as raised:
        _token(live_server, seconds=10 * 86400)
    assert raised.value.get_error_code() == "InvalidParameter"
