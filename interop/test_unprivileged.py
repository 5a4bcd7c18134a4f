"""Unprivileged sandboxes: `keyward serve` run by an ordinary user (with a subordinate id range, as `useradd`
gives) re-runs itself as root of a user namespace, where real sandboxes with a real sshd run on loopback ports."""
import json
import os
import pwd
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

import instance_helpers as ih

import kwhelpers as kw

USER = "kwunpriv"


@pytest.fixture(scope="module")
def unprivileged_server(tmp_path_factory):
    assert os.geteuid() == 0, "this test creates an ordinary user and needs root (CI runs as root)"
    for tool in ("newuidmap", "unshare", "bwrap", "runuser"):
        assert shutil.which(tool) or os.path.exists(f"/usr/bin/{tool}"), f"{tool} is missing (the test script installs uidmap)"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", USER], check=True)
    if USER not in Path("/etc/subuid").read_text():
        subprocess.run(["usermod", "--add-subuids", "300000-365535", "--add-subgids", "300000-365535", USER], check=True)
    home = Path(pwd.getpwnam(USER).pw_dir)
    binary = home / "keyward"
    staged = home / f".keyward-{os.getpid()}"
    shutil.copy(kw.keyward_binary(), staged)
    os.chmod(staged, 0o755)
    os.replace(staged, binary)  # a copy of an earlier run may still be executing
    data = home / f"data-{random.randrange(1 << 30)}"
    port, base = kw.free_port(), random.randrange(30000, 40000)
    ak, secret = kw.random_access_key_id(), kw.random_secret()
    log = open(tmp_path_factory.mktemp("unpriv") / "server.log", "wb")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "KEYWARD_ROOT_ACCESS_KEY_ID": ak, "KEYWARD_ROOT_ACCESS_KEY_SECRET": secret, "HOME": str(home)}
    proc = subprocess.Popen(["runuser", "-u", USER, "--", str(binary), "serve", "--listen", f"127.0.0.1:{port}", "--data", str(data),
                             "--driver", "sandbox", "--port-base", str(base), "--metadata-listen", "off"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(home))
    log_path = Path(log.name)
    deadline = time.monotonic() + 120
    while b"listening on" not in log_path.read_bytes():
        assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()[-3000:]
        time.sleep(0.1)
    text = log_path.read_text()
    assert "Instances: sandbox (bubblewrap + sshd, loopback" in text, text
    client = AcsClient(ak, secret, "cn-hangzhou", port=port, timeout=120)
    yield client, base
    subprocess.run(["pkill", "-TERM", "-f", "--", f"--listen 127.0.0.1:{port}"])
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    # Instances outlive the server by design: power off what this test ran.
    for info in data.glob("sandbox/instances/*/info.json"):
        try:
            os.kill(json.loads(info.read_text())["child-pid"], signal.SIGKILL)
        except (OSError, ValueError, KeyError):
            pass


def call(client, action, **params):
    request = CommonRequest(domain="127.0.0.1", version="2014-05-26", action_name=action)
    request.set_method("POST")
    request.set_protocol_type("http")
    for name, value in params.items():
        request.add_query_param(name, str(value))
    return json.loads(client.do_action_with_exception(request))


def test_unprivileged_instance_accepts_its_key_and_runs_as_the_user(unprivileged_server, tmp_path):
    client, base = unprivileged_server
    name = kw.uniq("unpriv")
    key = tmp_path / "key.pem"
    key.write_text(call(client, "CreateKeyPair", KeyPairName=name)["PrivateKeyBody"])
    key.chmod(0o600)
    run = call(client, "RunInstances", ImageId="debian_12_x64_keyward.vhd", InstanceType="ecs.g7.large", KeyPairName=name, Password="Passw0rd!x")
    instance_id = run["InstanceIdSets"]["InstanceIdSet"][0]
    described = ih.wait_settled(lambda: call(client, "DescribeInstances", InstanceIds=json.dumps([instance_id]))["Instances"]["Instance"], 1)[0]
    port = described["SshPort"]
    assert described["Status"] == "Running" and port > base
    login = subprocess.run(["ssh", "-i", str(key), "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "root@127.0.0.1", "id -u; cat /proc/self/uid_map"],
                           capture_output=True, text=True, timeout=30)
    assert login.returncode == 0, login.stderr
    lines = login.stdout.split("\n")
    assert lines[0] == "0"
    # Guest root is the unprivileged user on the host.
    assert lines[1].split()[:2] == ["0", str(pwd.getpwnam(USER).pw_uid)]
    listeners = subprocess.run(["ps", "-o", "user=", "-C", "sshd"], capture_output=True, text=True).stdout.split()
    assert USER in listeners
    # A bound key pair turns password login off here too.
    import paramiko
    ssh = paramiko.SSHClient()
    ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    with pytest.raises(paramiko.ssh_exception.AuthenticationException):
        ssh.connect("127.0.0.1", port=port, username="root", password="Passw0rd!x", look_for_keys=False, allow_agent=False, timeout=10)
    ssh.close()
    call(client, "DeleteInstance", InstanceId=instance_id, Force="true")
