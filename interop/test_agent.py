"""The guest agent: a remote Linux host joins with a one-time token, then applies the credentials the control
plane binds to it (at start, and whenever RebootInstance asks), and a real sshd on that host accepts the key.

The "remote host" is a bubblewrap sandbox with its own /etc, /root, /home and /var (a copy of the Linux public
image) sharing the host's network, where the real `keyward agent` and a real sshd run."""
import json
import shutil
import time

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkcore.acs_exception.exceptions import ServerException

import kwhelpers as kw
from agent_helpers import RemoteHost, make_host_root, require_root_tools, ssh_login


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


@pytest.fixture
def remote_host(server, tmp_path):
    require_root_tools()
    image = server.data_dir / "sandbox" / "images" / "debian_12_x64_keyward.vhd" / "rootfs"
    host = RemoteHost(make_host_root(tmp_path, server.ak, server.secret, image), server.binary)
    yield host
    host.stop_sshd()


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
        assert ssh_login(key, port).returncode != 0
        assert describe()["CredentialsPendingRestart"] is True

        reboot = CommonRequest(domain=live_server.host, version="2014-05-26", action_name="RebootInstance")
        reboot.set_method("POST"); reboot.set_protocol_type("http")
        reboot.add_query_param("InstanceId", instance_id)
        legacy.do_action_with_exception(reboot)
        deadline = time.monotonic() + 15
        login = ssh_login(key, port)
        while login.returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.5)
            login = ssh_login(key, port)
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
