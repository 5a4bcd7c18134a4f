"""The server's life around instance work in flight: a shutdown finishes within its bound while a launch runs, and a
restart after SIGKILL in the middle of a launch adopts or restarts every instance the killed server left (none stays
Pending or Starting, every Running one answers on its sshd port)."""
import os
import signal
import socket
import threading
import time

import pytest

import instance_helpers as ih
import kwhelpers as kw
from operator_helpers import ecs_call

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="real instances need root (CI runs as root)")


def sandbox_server(tmp_path, *extra):
    return kw.KeywardServer(tmp_path / "data", kw.random_access_key_id(), kw.random_secret(),
                            extra_args=["--driver", "sandbox", "--network", "loopback", "--port-base", str(20000 + os.getpid() % 20000),
                                        "--metadata-listen", "off", *extra])


def launch_in_background(server, amount):
    outcome = {}

    def run():
        try:
            outcome["reply"] = ecs_call(server, "RunInstances", ImageId="debian_12_x64_keyward.vhd", InstanceType="ecs.g7.large", Amount=amount)
        except Exception as error:  # the server goes away under it: that is the point
            outcome["error"] = error
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def wait_for_instances(server, at_least, limit=60):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        listed = ecs_call(server, "DescribeInstances", PageSize=100)["Instances"]["Instance"]
        if len(listed) >= at_least:
            return listed
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} instances recorded within {limit}s")


def test_restart_after_sigkill_mid_launch_settles_every_instance(tmp_path):
    server = sandbox_server(tmp_path)
    server.start()
    thread, _ = launch_in_background(server, 12)
    wait_for_instances(server, 12)
    server.kill()  # SIGKILL while the batch boots
    thread.join(timeout=30)
    server.start()
    try:
        # The launch jobs the killed server held are taken over by the new one at once and settle every instance.
        listed = ih.wait_settled(lambda: ecs_call(server, "DescribeInstances", PageSize=100)["Instances"]["Instance"], 12)
        assert len(listed) == 12
        assert {item["Status"] for item in listed} <= {"Running", "Stopped"}, [item["Status"] for item in listed]
        for item in listed:
            if item["Status"] != "Running":
                assert item.get("StartFailure"), item
                continue
            with socket.create_connection(("127.0.0.1", item["SshPort"]), timeout=5) as connection:
                assert connection.recv(64).startswith(b"SSH-2.0-"), item["InstanceId"]
        for item in listed:
            ecs_call(server, "DeleteInstance", InstanceId=item["InstanceId"], Force="true")
    finally:
        server.stop()


def test_shutdown_is_bounded_while_a_launch_runs(tmp_path):
    server = sandbox_server(tmp_path, "--shutdown-timeout", "3")
    server.start()
    thread, _ = launch_in_background(server, 20)
    wait_for_instances(server, 1)
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(timeout=30)
    elapsed = time.monotonic() - started
    server.proc = None
    thread.join(timeout=30)
    assert elapsed < 3 + 5, f"shutdown took {elapsed:.1f}s with a 3 s bound"
    assert code in (0, 1)
    server.start()
    try:
        listed = ih.wait_settled(lambda: ecs_call(server, "DescribeInstances", PageSize=100)["Instances"]["Instance"], 1)
        assert {item["Status"] for item in listed} <= {"Running", "Stopped"}
        for item in listed:
            ecs_call(server, "DeleteInstance", InstanceId=item["InstanceId"], Force="true")
    finally:
        server.stop()
