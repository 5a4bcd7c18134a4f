"""Two Keyward servers with real instances on one host, each with its own data directory, bridge and subnet: both
start, each one's guests reach its own metadata service at 100.100.100.200 and log in with their own keys; a third
server that asks for a bridge or subnet already in use refuses in one line naming the server that has it, and one whose
subnet overlaps an interface's network names that interface."""
import json
import os
import re
import subprocess

import pytest

import instance_helpers as ih
import kwhelpers as kw
from operator_helpers import ecs_call, one_error_line, run_to_exit

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="real instances need root (CI runs as root)")

NETWORKS = (("kwbrpa", "10.213.94"), ("kwbrpb", "10.213.95"))


def inside(instance_id, *command):
    return subprocess.run(["ip", "netns", "exec", f"kw-{instance_id}", *command], capture_output=True, text=True, timeout=30)


@pytest.fixture
def two_servers(tmp_path):
    servers = []
    try:
        for name, (bridge, subnet) in zip("ab", NETWORKS):
            server = kw.KeywardServer(tmp_path / name, kw.random_access_key_id(), kw.random_secret(),
                                      extra_args=["--driver", "sandbox", "--bridge", bridge, "--subnet", subnet])
            server.start()
            servers.append(server)
        yield servers
    finally:
        for server in servers:
            if server.running:
                for item in ecs_call(server, "DescribeInstances", PageSize=100)["Instances"]["Instance"]:
                    ecs_call(server, "DeleteInstance", InstanceId=item["InstanceId"], Force="true")
                server.stop()
        for bridge, _ in NETWORKS:
            subprocess.run(["ip", "link", "del", bridge], capture_output=True)


def test_two_servers_coexist_and_each_guest_sees_its_own_metadata(two_servers, tmp_path):
    for server in two_servers:
        assert "Metadata service: http://100.100.100.200" in server.log_text()
    # The second never holds the address (the first, or another server on this host, does): it translates.
    assert "inside each instance (served at 10.213.95.1:80)" in two_servers[1].log_text()
    instances = []
    for index, server in enumerate(two_servers):
        name = kw.uniq("coexist")
        key = tmp_path / f"{name}.pem"
        key.write_text(ecs_call(server, "CreateKeyPair", KeyPairName=name)["PrivateKeyBody"])
        key.chmod(0o600)
        run = ecs_call(server, "RunInstances", ImageId="debian_12_x64_keyward.vhd", InstanceType="ecs.g7.large", KeyPairName=name)
        instance_id = run["InstanceIdSets"]["InstanceIdSet"][0]
        item = ih.wait_settled(lambda: ecs_call(server, "DescribeInstances", InstanceIds=json.dumps([instance_id]))["Instances"]["Instance"], 1)[0]
        address = item["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]
        assert address.startswith(NETWORKS[index][1] + ".")
        instances.append((server, instance_id, address, key))
    for server, instance_id, address, key in instances:
        fetched = inside(instance_id, "python3", "-c",
                         "import urllib.request;print(urllib.request.urlopen('http://100.100.100.200/latest/meta-data/instance-id',timeout=5).read().decode())")
        assert fetched.returncode == 0 and fetched.stdout.strip() == instance_id, (fetched.stdout, fetched.stderr)
        login = subprocess.run(["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                                "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", f"root@{address}", "hostname"],
                               capture_output=True, text=True, timeout=30)
        assert login.returncode == 0, login.stderr


def test_a_bridge_or_subnet_in_use_is_refused_naming_its_server(two_servers, tmp_path):
    first = two_servers[0]
    for bridge, subnet, what in ((NETWORKS[0][0], "10.213.96", f"bridge {NETWORKS[0][0]}"), ("kwbrpc", NETWORKS[0][1], f"subnet {NETWORKS[0][1]}")):
        code, _, err = run_to_exit(["serve", "--listen", f"127.0.0.1:{kw.free_port()}", "--data", str(tmp_path / "third"), "--driver", "sandbox",
                                    "--bridge", bridge, "--subnet", subnet])
        line = one_error_line(err)
        assert code != 0 and what in line and f"data directory {first.data_dir}" in line, line
        assert "give this server its own --bridge and --subnet" in line
    # A network that holds both servers' subnets (a /20 over 10.213.80–95) would break the host's routes to them.
    code, _, err = run_to_exit(["serve", "--listen", f"127.0.0.1:{kw.free_port()}", "--data", str(tmp_path / "third"), "--driver", "sandbox",
                                "--bridge", "kwbrpc", "--subnet", "10.213.80.0/20"])
    line = one_error_line(err)
    assert code != 0 and re.search(r"subnet 10\.213\.80\.0/20 overlaps 10\.213\.9[45]\.1/24 of interface kwbrp[ab]: "
                                   r"give this server a --subnet no interface of this host uses", line), line
    assert subprocess.run(["ip", "link", "show", "kwbrpc"], capture_output=True).returncode != 0, "a refused start leaves no bridge"
