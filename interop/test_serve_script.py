"""The README's run command, as a new user runs it: ./serve.sh from another working directory, with a relative data
path, then a key pair and a real instance through the official SDK, and a login with the key it returned."""
import os
import subprocess
import time
from pathlib import Path

import pytest

import instance_helpers as ih
import kwhelpers as kw
from operator_helpers import banner_credentials, clean_env

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(os.geteuid() != 0, reason="real instances need root (CI runs as root)")
def test_serve_script_from_another_directory_gives_real_instances(tmp_path):
    work = tmp_path / "somewhere"
    work.mkdir()
    port = kw.free_port()
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with open(out, "wb") as o, open(err, "wb") as e:
        # The default network (namespaces on a bridge) and metadata service, on a bridge and subnet of the test's own.
        proc = subprocess.Popen([str(REPO / "serve.sh"), "--listen", f"127.0.0.1:{port}", "--data", "kwdata", "--bridge", "kwbrss",
                                 "--subnet", "10.213.93"],
                                cwd=work, stdin=subprocess.DEVNULL, stdout=o, stderr=e, env=clean_env())
    try:
        deadline = time.monotonic() + 600
        while "Metrics:" not in out.read_text(errors="replace"):
            assert proc.poll() is None, f"serve.sh exited with {proc.returncode}: {err.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "no banner from serve.sh"
            time.sleep(0.2)
        banner = out.read_text()
        assert f"Keyward listening on http://127.0.0.1:{port}" in banner
        assert "Instances: sandbox (bubblewrap + sshd" in banner
        assert (work / "kwdata" / "keyward.sqlite3").exists()
        ak, secret = banner_credentials(banner)

        from alibabacloud_ecs20140526 import models as ecs
        from alibabacloud_ecs20140526.client import Client
        from alibabacloud_tea_openapi.models import Config
        client = Client(Config(access_key_id=ak, access_key_secret=secret, region_id="cn-hangzhou", endpoint=f"127.0.0.1:{port}",
                               protocol="http"))
        created = client.create_key_pair(ecs.CreateKeyPairRequest(region_id="cn-hangzhou", key_pair_name="first"))
        key = tmp_path / "first.pem"
        key.write_text(created.body.private_key_body)
        key.chmod(0o600)
        run = client.run_instances(ecs.RunInstancesRequest(region_id="cn-hangzhou", image_id="debian_12_x64_keyward.vhd",
                                                           instance_type="ecs.g7.large", key_pair_name="first"))
        instance_id = run.body.instance_id_sets.instance_id_set[0]
        def statuses():
            described = client.describe_instances(ecs.DescribeInstancesRequest(region_id="cn-hangzhou", instance_ids=f'["{instance_id}"]'))
            return [{"InstanceId": i.instance_id, "Status": i.status} for i in described.body.instances.instance]
        ih.wait_settled(statuses, 1)
        described = client.describe_instances(ecs.DescribeInstancesRequest(region_id="cn-hangzhou", instance_ids=f'["{instance_id}"]'))
        instance = described.body.instances.instance[0]
        assert instance.status == "Running"
        address = instance.vpc_attributes.private_ip_address.ip_address[0]
        assert address.startswith("10.213.93.")
        login = subprocess.run(["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                                "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", f"root@{address}", "echo logged-in-as-$(id -un)"],
                               capture_output=True, text=True, timeout=60)
        assert login.stdout.strip() == "logged-in-as-root", login.stderr
        import re
        import urllib.request
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        assert re.search(r'keyward_credential_applies_total\{(result="applied",by="sandbox"|by="sandbox",result="applied")\} 1\b', metrics), metrics
        assert 'keyward_instances{status="Running"} 1.0' in metrics
        client.delete_instance(ecs.DeleteInstanceRequest(instance_id=instance_id, force=True))
    finally:
        proc.terminate()
        try:
            assert proc.wait(timeout=60) == 0
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            subprocess.run(["ip", "link", "del", "kwbrss"], capture_output=True)
