"""An instance accepts its old or its new logon credentials, never neither, whatever point of a credential change the
control plane is killed at.

One real sandbox instance (root; the instance suite's server and fixtures). Each round changes its credentials the
two ways users do, in turn: a new key pair bound (which turns password login off), then the key unbound and a new
password set (password login on again). The change is pending until a restart, so the round sends RebootInstance and
kills the server with SIGKILL at a random point of it: before the stop, between stop and start, during the apply of
the disk (authorized_keys, /etc/shadow, the sshd settings), while sshd starts, or after. The server is started again on
the same data; it settles what was cut short (reconcile). Then, once the instance is Running:

* the old credentials or the new ones log in (real ssh with the key; the password method through paramiko);
* what DescribeInstances reports agrees: when it says the change is no longer pending, the new credentials log in;
* a change still pending after the kill takes effect with a reboot that is not interrupted.

Env: RELIABILITY_APPLY_KILLS (default 100; test.sh runs 5), RELIABILITY_SEED (random; printed)."""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Optional

import instance_helpers as ih
import kwhelpers as kw
import killrounds as kr

pytest_plugins = ["instance_fixtures"]

KILLS = kr.env_int("RELIABILITY_APPLY_KILLS", 100)
SETTLE_LIMIT = 120.0


@dataclass
class Credentials:
    """What should let root in: a key (password login off) or a password (no key bound)."""
    key: Optional[ih.KeyFile] = None
    password: Optional[str] = None

    def __str__(self) -> str:
        return f"key {self.key.name}" if self.key else "a password"

    def log_in(self, ip: str) -> bool:
        if self.key:
            return ih.ssh_key(ip, self.key.path, timeout=20).returncode == 0
        return ih.password_methods_result(ip, self.password)["password"] == "accepted"


def wait_running(sdk, instance_id: str) -> dict:
    deadline = time.monotonic() + SETTLE_LIMIT
    last = None
    while time.monotonic() < deadline:
        try:
            last = ih.describe_one(sdk, instance_id)
            if last["Status"] == "Running":
                return last
        except kw.ApiError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{instance_id} was not Running {SETTLE_LIMIT}s after the restart: {last}")


def reboot_in_background(sdk, instance_id: str) -> threading.Event:
    """Sends RebootInstance from a thread; the event is set once it was answered."""
    answered = threading.Event()

    def send():
        try:
            sdk.reboot_instance(instance_id)
            answered.set()
        except Exception:  # noqa: BLE001 - the server dies under it
            pass
    threading.Thread(target=send, daemon=True).start()
    return answered


def test_kill_during_credential_apply(fleet, sandbox):
    seed = kr.env_int("RELIABILITY_SEED", random.SystemRandom().randrange(1 << 31))
    rng = random.Random(seed)
    sdk = fleet.sdk("legacy")
    current = Credentials(password=ih.strong_password())
    inst = fleet.run_one(sdk, password=current.password)
    iid, ip = inst["InstanceId"], ih.private_ip(inst)
    assert current.log_in(ip), "the first password does not log in"

    # How long an uninterrupted reboot takes: the kills fall anywhere in it, and a little after.
    began = time.monotonic()
    sdk.reboot_instance(iid)
    wait_running(sdk, iid)
    window = (time.monotonic() - began) * 1.3

    outcomes = {"old": 0, "new": 0, "both": 0}
    during = 0
    for round_number in range(KILLS):
        if current.key is None:
            new = Credentials(key=fleet.key(sdk))
            sdk.attach_key_pair(new.key.name, [iid])
        else:
            new = Credentials(password=ih.strong_password())
            sdk.detach_key_pair(current.key.name, [iid])
            sdk.modify_instance_attribute(iid, password=new.password)
        delay = rng.uniform(0, window)
        answered = reboot_in_background(sdk, iid)
        time.sleep(delay)
        sandbox.sigkill()
        killed_during = not answered.is_set()
        during += killed_during
        sandbox.start()

        settled = wait_running(sdk, iid)
        old_works, new_works = current.log_in(ip), new.log_in(ip)
        where = (f"round {round_number + 1} of {KILLS} (seed {seed}): killed {delay:.2f}s into a reboot of about "
                 f"{window / 1.3:.2f}s ({'before' if killed_during else 'after'} it was answered), changing {current} to {new}")
        assert old_works or new_works, f"{where}: neither the old nor the new credentials log in; {settled}"
        pending = ih.is_true(settled.get("CredentialsPendingRestart"))
        if not pending:
            assert new_works, f"{where}: the change is reported applied but the new credentials do not log in; {settled}"
        outcomes["both" if old_works and new_works else "new" if new_works else "old"] += 1
        if pending or not new_works:
            sdk.reboot_instance(iid)
            wait_running(sdk, iid)
            assert new.log_in(ip), f"{where}: the pending change did not take effect at the next reboot"
        current = new

    # A long run must have put a good share of its kills inside the reboot, or it says little (about 60% fall there).
    if KILLS >= 20:
        assert during >= KILLS // 4, f"only {during} of {KILLS} kills fell before the reboot was answered (window {window:.2f}s)"
    kr.SUMMARIES.append(f"credential apply: {KILLS} kills (seed {seed}), {during} of them before the reboot was answered "
                        f"(reboot about {window / 1.3:.2f}s); afterwards the "
                        f"old credentials alone logged in {outcomes['old']} times, the new alone {outcomes['new']}, "
                        f"both {outcomes['both']}")
