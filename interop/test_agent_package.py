"""The agent as a fleet host installs it: the static binary from packaging/build.sh, in a sandbox with no Swift
runtime, joins over TLS (trusting the server's CA, or its pinned fingerprint) and applies a key pair to a real sshd;
a wrong certificate is a clear error and nothing is applied. And the .deb carries the binary, units and configs."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

import kwhelpers as kw
from agent_helpers import RemoteHost, make_host_root, require_root_tools, ssh_login
from operator_helpers import Serve, banner_credentials, run_to_exit


def packaged(name: str) -> Path:
    value = os.environ.get(name)
    assert value and Path(value).exists(), (f"{name} is not set: ./test.sh builds the package first "
                                            "(packaging/build.sh --debug --output DIR, then KEYWARD_STATIC_BIN=DIR/keyward KEYWARD_DEB=DIR/*.deb)")
    return Path(value)


def rpc(ak, secret, port, cert, version, action, **params):
    client = AcsClient(ak, secret, "cn-hangzhou", port=port, verify=str(cert))
    request = CommonRequest(domain="127.0.0.1", version=version, action_name=action)
    request.set_method("POST")
    request.set_protocol_type("https")
    for key, value in params.items():
        request.add_query_param(key, value)
    return json.loads(client.do_action_with_exception(request))


@pytest.fixture
def tls_server(tmp_path):
    port = kw.free_port()
    server = Serve(["--listen", f"0.0.0.0:{port}", "--data", str(tmp_path / "server"), "--driver", "simulated", "--metadata-listen", "off"])
    banner = server.start(tmp_path)
    ak, secret = banner_credentials(banner)
    fingerprint = re.search(r"TLS fingerprint:\s+(SHA256:[0-9A-F:]+)", banner).group(1)
    yield {"port": port, "ak": ak, "secret": secret, "cert": tmp_path / "server/tls/cert.pem", "fingerprint": fingerprint}
    server.stop()


def test_static_agent_joins_over_tls_without_the_swift_runtime_and_applies_a_key_pair(tls_server, tmp_path):
    require_root_tools()
    static = packaged("KEYWARD_STATIC_BIN")
    ldd = subprocess.run(["ldd", str(static)], capture_output=True, text=True).stdout
    assert "libswift" not in ldd and "libFoundation" not in ldd, ldd
    binary_dir = tmp_path / "bin" / "usr"
    binary_dir.mkdir(parents=True)
    shutil.copy(static, binary_dir / "keyward")
    root = make_host_root(tmp_path, tls_server["ak"], tls_server["secret"])
    (root / "etc/keyward").mkdir(exist_ok=True)
    shutil.copy(tls_server["cert"], root / "etc/keyward/ca.pem")
    host = RemoteHost(root, str(binary_dir / "keyward"), swift_runtime=False)
    port, ak, secret, cert = tls_server["port"], tls_server["ak"], tls_server["secret"], tls_server["cert"]
    url = f"https://127.0.0.1:{port}"

    runtime = subprocess.run(host.sandbox("/bin/sh", "-c", "test ! -e /opt/swift && find /usr /lib* -name 'libswift*.so*' 2>/dev/null | wc -l"),
                             capture_output=True, text=True, timeout=120)
    assert runtime.returncode == 0 and runtime.stdout.strip() == "0", (runtime.stdout, runtime.stderr)

    token = rpc(ak, secret, port, cert, "2026-11-01", "CreateAgentRegistrationToken", InstanceName="fleet-1")["Token"]
    # A wrong pinned certificate, or no trust at all: a clear error, and nothing joined or applied.
    pinned_wrong = host.agent(url, "--token", token, "--server-fingerprint", "SHA256:" + ":".join(["00"] * 32))
    assert pinned_wrong.returncode != 0 and "does not match --server-fingerprint" in pinned_wrong.stderr, pinned_wrong.stderr
    untrusted = host.agent(url, "--token", token)
    assert untrusted.returncode != 0 and "certificate is not trusted" in untrusted.stderr, untrusted.stderr
    plain = host.agent(f"http://10.213.99.1:{port}", "--token", token)
    assert plain.returncode != 0 and "HTTPS only" in plain.stderr, plain.stderr
    assert not (root / "var/lib/keyward-agent/identity.json").exists()
    assert not (root / "root/.ssh/authorized_keys").exists() or (root / "root/.ssh/authorized_keys").read_text().strip() == ""

    joined = host.agent(url, "--token", token, "--ca", "/etc/keyward/ca.pem")
    assert joined.returncode == 0, joined.stderr
    instance_id = host.identity()["instanceId"]

    name = kw.uniq("fleetkey")
    created = rpc(ak, secret, port, cert, "2014-05-26", "CreateKeyPair", RegionId="cn-hangzhou", KeyPairName=name)
    key = tmp_path / "fleet.pem"
    key.write_text(created["PrivateKeyBody"])
    key.chmod(0o600)
    attached = rpc(ak, secret, port, cert, "2014-05-26", "AttachKeyPair", RegionId="cn-hangzhou", KeyPairName=name,
                   InstanceIds=json.dumps([instance_id]))
    assert attached["FailCount"] == 0, attached
    rpc(ak, secret, port, cert, "2014-05-26", "RebootInstance", InstanceId=instance_id)
    # The pinned fingerprint the server printed is the other way to trust it.
    applied = host.agent(url, "--server-fingerprint", tls_server["fingerprint"])
    assert applied.returncode == 0 and "applied credentials" in applied.stdout, applied.stderr
    ssh_port = kw.free_port()
    host.start_sshd(ssh_port)
    try:
        login = ssh_login(key, ssh_port)
        assert login.returncode == 0 and login.stdout.strip() == "0", login.stderr
    finally:
        host.stop_sshd()
    described = rpc(ak, secret, port, cert, "2014-05-26", "DescribeInstances", RegionId="cn-hangzhou", InstanceIds=json.dumps([instance_id]))
    assert described["Instances"]["Instance"][0]["CredentialsPendingRestart"] is False


def test_deb_carries_the_binary_units_and_configuration(tmp_path):
    deb = packaged("KEYWARD_DEB")
    info = subprocess.run(["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Package: keyward\b", info) and "Depends:" in info
    tree = tmp_path / "tree"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
    for path in ("usr/bin/keyward", "lib/systemd/system/keyward.service", "lib/systemd/system/keyward-agent.service",
                 "etc/keyward/keyward.json", "etc/default/keyward-agent"):
        assert (tree / path).exists(), path
    subprocess.run(["dpkg-deb", "-e", str(deb), str(tmp_path / "control")], check=True)
    assert "/etc/keyward/keyward.json" in (tmp_path / "control/conffiles").read_text()
    unit = (tree / "lib/systemd/system/keyward.service").read_text()
    assert "ExecStart=/usr/bin/keyward serve --config /etc/keyward/keyward.json" in unit
    assert "ExecStart=/usr/bin/keyward agent $KEYWARD_AGENT_ARGS" in (tree / "lib/systemd/system/keyward-agent.service").read_text()
    code, out, _ = run_to_exit(["--version"])
    packaged_version = subprocess.run([str(tree / "usr/bin/keyward"), "--version"], capture_output=True, text=True).stdout
    assert packaged_version.split()[:2] == out.split()[:2]
    # The default configuration is one the server accepts (paths moved under the test's own directory).
    port = kw.free_port()
    server = Serve(["--config", str(tree / "etc/keyward/keyward.json"), "--listen", f"0.0.0.0:{port}", "--data", str(tmp_path / "data"),
                    "--server-key-file", str(tmp_path / "server.key"), "--driver", "simulated", "--metadata-listen", "off"])
    banner = server.start(tmp_path)
    server.stop()
    assert f"listening on https://0.0.0.0:{port}" in banner
    assert all(json.loads(line) for line in server.stderr().splitlines() if line.strip()), "the packaged config logs JSON"
