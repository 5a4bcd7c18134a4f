"""The web console's whole flow on real sandbox instances, in a real browser: the session sandbox server of
instance_fixtures (the one server that may hold the metadata address), root's console password set with
`keyward admin set-root-password`; ordered tests on one module fixture, each step built on the one before: key pairs,
an instance launched with the downloaded key and logged in with real ssh, Diagnose login, a second key bound with the
pending badge and a restart, a password after unbinding, a custom image with its findings, and Image Password Preset
refused by a deny policy.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Set

import pytest

import access_helpers as ah
import console_helpers as ch
import instance_helpers as ih
import kwhelpers as kw
from console_pages import (
    ROOT_PASSWORD, WAIT, SEVERITIES, INHERIT_DENY, login_root, console_user, assert_labels, options,
    row_cells, private_key_fingerprint, keygen,
)

pytest_plugins = ["instance_fixtures"]


# The whole flow on real sandbox instances
# ---------------------------------------------------------------------------------------------

@dataclass
class Flow:
    server: ih.SandboxServer
    fleet: object
    browser: ch.Browser
    workdir: Path
    root: object                      # ECS SDK as root
    web_pem: Optional[Path] = None    # downloaded by Create Key Pair
    second_name: str = ""
    second_key: Optional[Path] = None  # private key of the imported pair
    instance_id: str = ""
    ip: str = ""
    port: int = 22
    image_id: str = ""

    def need(self, *attrs: str) -> None:
        missing = [a for a in attrs if not getattr(self, a)]
        if missing:
            pytest.fail(f"an earlier step of the console flow failed: no {', '.join(missing)}")

    @property
    def detail(self) -> str:
        return f"/console/instances/{self.instance_id}"

    def bound(self) -> Set[str]:
        """The flow's key pairs bound to the instance, as DescribeKeyPairs says (InstanceIds)."""
        out = set()
        for name in ("web", self.second_name):
            for kp in kw.key_pairs(self.root.describe_key_pairs(name=name)):
                if kp["KeyPairName"] == name and self.instance_id in ih.key_pair_instance_ids(kp):
                    out.add(name)
        return out


@pytest.fixture(scope="module")
def console_sandbox(instance_server):
    """The session's sandbox server, given root's console password while stopped (`keyward admin
    set-root-password`): it is already running when this module starts, so its first start is past."""
    srv = instance_server
    if srv.running:
        assert srv.stop() == 0
    ch.set_root_password(srv, ROOT_PASSWORD)
    srv.start()
    return srv


@pytest.fixture(scope="module")
def flow(console_sandbox, module_fleet, tmp_path_factory):
    work = tmp_path_factory.mktemp("console-flow")
    b = ch.Browser(console_sandbox.base_url, work / "downloads")
    try:
        yield Flow(console_sandbox, module_fleet, b, work, ih.make_ecs("legacy", console_sandbox))
    finally:
        b.close()


def wait_status(b: ch.Browser, status: str, timeout: float = WAIT) -> None:
    b.wait(lambda: b.text("#status") == status, timeout, f"#status {status}", interval=0.5)


def wait_restarted(f: Flow) -> None:
    """The list shows the instance Running without the Pending restart badge; ECS agrees."""
    b = f.browser
    row = f'#instance-table tr[data-instance-id="{f.instance_id}"]'

    def done():
        b.open("/console/instances")
        return b.text(row + " td.status") == "Running" and not b.find_all(row + " td.pending span.badge")
    b.wait(done, WAIT, "the instance Running without Pending restart", interval=1)
    d = ih.describe_one(f.root, f.instance_id)
    assert d["Status"] == "Running" and d["CredentialsPendingRestart"] is False, d


def pending_badge(b: ch.Browser, f: Flow) -> str:
    b.open("/console/instances")
    return b.text(f'#instance-table tr[data-instance-id="{f.instance_id}"] td.pending span.badge')


def test_flow_key_pairs(flow):
    f, b = flow, flow.browser
    login_root(b)
    b.screenshots("flow-01-keypairs")

    # Create Key Pair `web` (RSA): PKCS#8 PEM downloaded once.
    b.click_link("Create Key Pair")
    b.fill("#keypair-name", "web")
    b.fill("#key-type", "rsa")
    b.screenshots("flow-02-create-key-pair")
    b.click_button("Create Key Pair", navigates=False)
    pem = b.wait_for_download("web.pem")
    f.fleet.key_names.append("web")
    notice = b.wait_text("#notice", "cannot be downloaded again")
    assert "web" in notice, notice
    b.screenshots("flow-03-key-pair-created")
    assert pem.read_text().startswith("-----BEGIN PRIVATE KEY-----"), pem.read_text()[:80]
    os.chmod(pem, 0o600)
    fp = private_key_fingerprint(pem)
    b.open("/console/keypairs")
    assert row_cells(b, '#keypair-table tr[data-keypair="web"]', "name", "fingerprint", "type") == \
        {"name": "web", "fingerprint": fp, "type": "RSA"}
    (kp,) = kw.key_pairs(f.root.describe_key_pairs(name="web"))
    assert kp["KeyPairFingerPrint"] == fp
    f.web_pem = pem

    # Import a second key (ssh-keygen) through the textarea.
    key = keygen(f.workdir / "keys", "second", "-t", "ed25519")
    pub = Path(str(key) + ".pub")
    name = "web-second"
    b.click_link("Import Key Pair")
    b.fill("#keypair-name", name)
    b.fill("#public-key", pub.read_text().strip())
    b.screenshots("flow-04-import-key-pair")
    b.click_button("Import Key Pair")
    b.wait(lambda: b.path == "/console/keypairs", 15, "the list after Import")
    f.fleet.key_names.append(name)
    assert name in b.text("#notice")
    assert row_cells(b, f'#keypair-table tr[data-keypair="{name}"]', "name", "fingerprint", "type") == \
        {"name": name, "fingerprint": kw.ssh_md5_fingerprint(pub), "type": "ED25519"}
    b.screenshots("flow-05-key-pair-imported")
    f.second_name, f.second_key = name, key

    # A bad key: the parser's error, nothing added.
    bad = "web-bad"
    b.click_link("Import Key Pair")
    b.fill("#keypair-name", bad)
    b.fill("#public-key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA!!not-base64!! broken")
    b.click_button("Import Key Pair")
    assert b.path == "/console/keypairs/import"
    assert b.wait(lambda: b.text("#form-error"), 10, "the parser's error").strip()
    b.screenshots("flow-06-import-bad-key")
    assert kw.names_of(f.root.describe_key_pairs(name=bad)) == []


def test_flow_create_instance_and_connect(flow):
    f, b = flow, flow.browser
    f.need("web_pem")
    b.open("/console/instances")
    b.screenshots("flow-07-instances")
    b.click_link("Create Instance")
    assert b.path == "/console/instances/create"
    assert_labels(b, {"image": "Image", "instance-type": "Instance Type", "instance-name": "Instance Name",
                      "cred-keypair": "Key Pair", "cred-password": "Custom Password",
                      "cred-inherit": "Image Password Preset", "keypair": "Key Pair", "password": "Password",
                      "confirm-password": "Confirm Password"})
    assert b.find("#cred-keypair").is_selected() and not b.find("#cred-inherit").is_selected()
    assert not b.find("#inherit-warning").is_displayed()
    assert ih.LINUX_IMAGE in [v for v, _ in options(b, "#image")]
    name = "kwconsole-" + kw.token(6)
    b.fill("#image", ih.LINUX_IMAGE)
    b.fill("#instance-type", ih.INSTANCE_TYPE)
    b.fill("#instance-name", name)
    b.fill("#keypair", "web")
    b.screenshots("flow-08-create-instance")
    b.click_button("Create Instance")
    m = b.wait(lambda: re.fullmatch(r"/console/instances/([^/]+)", b.path), 60, "the new instance's page")
    f.instance_id = m.group(1)
    f.fleet.track([f.instance_id])
    assert b.text("h1") == name
    assert b.text("#status") in ("Pending", "Starting", "Running")
    b.screenshots("flow-09-instance-starting")
    b.driver.execute_script("window.__kwSamePage = true")
    wait_status(b, "Running")
    assert b.driver.execute_script("return window.__kwSamePage === true"), "#status reached Running by a reload"

    inst = ih.describe_one(f.root, f.instance_id)
    assert inst["Status"] == "Running" and inst["KeyPairName"] == "web", inst
    f.ip, f.port = ih.private_ip(inst), int(inst.get("SshPort") or 22)
    b.open(f.detail)
    assert b.text("#address") == f.ip
    assert "web" in b.text("#keypairs").replace(",", " ").split()
    assert not b.find_all("#pending span.badge")
    b.screenshots("flow-10-instance-running")
    b.open("/console/instances")
    row = f'#instance-table tr[data-instance-id="{f.instance_id}"]'
    assert row_cells(b, row, "name", "status", "address", "keypair") == \
        {"name": name, "status": "Running", "address": f.ip, "keypair": "web"}
    assert not b.find_all(row + " td.pending span.badge")

    b.open(f.detail)
    b.click_link("Connect")
    assert b.path == f"{f.detail}/connect"
    command = b.text("#ssh-command")
    assert command == f"ssh -i web.pem root@{f.ip} -p {f.port}"
    b.screenshots("flow-11-connect")
    argv = shlex.split(command)
    r = subprocess.run([argv[0], *ih.SSH_OPTS, *argv[1:], "id -un"], cwd=str(f.web_pem.parent), capture_output=True,
                       text=True, timeout=60, env=ih.clean_env())
    assert r.returncode == 0 and r.stdout.strip() == "root", (r.returncode, r.stdout, r.stderr)


def diagnosis(b: ch.Browser) -> dict:
    """The doctor's steps as the page lists them: step id -> status."""
    b.wait(lambda: b.find_all("ol#diagnosis li[data-step]"), 60, "the diagnosis steps")
    return {li.get_attribute("data-step"): li.get_attribute("data-status") for li in b.find_all("ol#diagnosis li[data-step]")}


def test_flow_diagnose_login(flow):
    """Diagnose login: with the bound key's public key every step but the real login passes; with the downloaded private
    key the real login passes too."""
    f, b = flow, flow.browser
    f.need("instance_id", "web_pem")
    b.open(f.detail)
    b.click_link("Diagnose login")
    assert b.path == f"{f.detail}/diagnose"
    assert b.label_of("private-key") == "Private key (optional)"
    b.click_button("Diagnose login")
    steps = diagnosis(b)
    assert steps.get("key-authorized") == "passed" and steps.get("sshd-listening") == "passed", steps
    assert steps.get("login") == "skipped", steps
    assert "failed" not in steps.values(), steps
    b.screenshots("flow-11b-diagnose-public-key")

    b.open(f"{f.detail}/diagnose")
    b.find("#private-key").send_keys(str(f.web_pem))
    b.wait(lambda: "PRIVATE KEY" in (b.driver.execute_script("return document.getElementById('private-key-text').value") or ""), 10,
           "the private key read into the form")
    b.click_button("Diagnose login")
    steps = diagnosis(b)
    assert steps.get("login") == "passed", steps
    assert "Every step passed" in b.text("#verdict"), b.text("#verdict")
    b.screenshots("flow-11c-diagnose-private-key")


def test_flow_bind_second_key_and_restart(flow):
    f, b = flow, flow.browser
    f.need("instance_id", "second_key")
    b.open(f.detail)
    b.click_link("Bind Key Pair")
    assert b.path == f"{f.detail}/bind"
    assert b.label_of("keypair") == "Key Pair"
    assert "restart" in b.text("#restart-notice").lower()
    b.fill("#keypair", f.second_name)
    b.screenshots("flow-12-bind")
    b.click_button("Bind Key Pair")
    assert b.wait(lambda: b.text("#notice"), 15, "the bind notice")
    b.screenshots("flow-13-bound")

    bound = f.bound()
    assert f.second_name in bound, bound
    d = ih.describe_one(f.root, f.instance_id)
    assert d["CredentialsPendingRestart"] is True, d
    results = b.driver.current_window_handle
    b.driver.switch_to.new_window("tab")          # the list, leaving the result page and its "Restart now"
    try:
        assert pending_badge(b, f) == "Pending restart"
        cell = b.text(f'#instance-table tr[data-instance-id="{f.instance_id}"] td.keypair')
        assert set(cell.replace(",", " ").split()) == bound, cell
        b.screenshots("flow-14-list-pending-restart")
    finally:
        b.driver.close()
        b.driver.switch_to.window(results)

    b.click_button("Restart now")
    b.wait(lambda: b.path == f.detail, 60, "the instance page after Restart now")
    wait_status(b, "Running")
    wait_restarted(f)
    b.screenshots("flow-15-restarted")
    r = ih.ssh_key(f.ip, f.second_key, f.port, command="id -un")
    assert r.returncode == 0 and r.stdout.strip() == "root", (r.returncode, r.stdout, r.stderr)
    if "web" in bound:
        ih.assert_key_login(f.ip, f.web_pem, f.port, what="(web, still bound)")
    else:
        ih.assert_key_refused(f.ip, f.web_pem, f.port, what="(web, replaced by the second key)")


def test_flow_unbind_reset_password_and_restart(flow):
    f, b = flow, flow.browser
    f.need("instance_id", "second_name")
    bound = f.bound()
    b.open(f"{f.detail}/unbind")
    assert {v for v, _ in options(b, "#keypair") if v} == bound
    assert "restart" in b.text("#restart-notice").lower()
    b.screenshots("flow-16-unbind")
    for name in sorted(bound):
        b.open(f"{f.detail}/unbind")
        b.fill("#keypair", name)
        b.click_button("Unbind Key Pair")
        assert b.wait(lambda: b.text("#notice"), 15, f"the unbind notice for {name}")
    b.screenshots("flow-17-unbound")
    assert f.bound() == set()
    b.open(f.detail)
    assert not set(b.text("#keypairs").replace(",", " ").split()) & {"web", f.second_name}
    b.click_link("Connect")
    assert b.text("#ssh-command") == f"ssh root@{f.ip} -p {f.port}"
    b.screenshots("flow-18-connect-no-key")

    b.open(f.detail)
    b.click_link("Reset Instance Password")
    assert b.path == f"{f.detail}/password"
    assert_labels(b, {"new-password": "New Password", "confirm-password": "Confirm Password"})

    def rules():
        classes = [set((li.get_attribute("class") or "").split()) for li in b.find_all("ul#password-rules li")]
        assert classes, "no password rules"
        assert all(len(c & {"met", "unmet"}) == 1 for c in classes), classes
        return classes
    b.fill("#new-password", "a")
    b.wait(lambda: any("unmet" in c for c in rules()), 5, "an unmet rule for 'a'")
    password = ih.strong_password()
    b.fill("#new-password", password)
    b.wait(lambda: all("met" in c for c in rules()), 5, "every rule met")
    b.fill("#confirm-password", password)
    b.screenshots("flow-19-reset-password")
    b.click_button("Reset Instance Password")
    b.wait(lambda: b.path == f.detail, 30, "the instance page after the reset")
    assert b.text("#notice")
    assert b.text("#pending span.badge") == "Pending restart"
    b.screenshots("flow-20-password-pending")
    assert pending_badge(b, f) == "Pending restart"

    b.open(f.detail)
    b.click_button("Restart")
    wait_restarted(f)
    b.open(f.detail)
    b.screenshots("flow-21-restarted-with-password")
    ih.assert_password_login(f.ip, password, f.port, what="(console password reset + Restart)")


def test_flow_custom_image_findings(flow):
    f, b = flow, flow.browser
    f.need("instance_id")
    b.open(f.detail)
    b.click_link("Create Custom Image")
    assert b.path == f"{f.detail}/image"
    assert b.label_of("image-name") == "Image Name"
    name = "kwconsole-img-" + kw.token(6)
    b.fill("#image-name", name)
    b.screenshots("flow-22-create-image")
    b.click_button("Create Custom Image")
    m = b.wait(lambda: re.fullmatch(r"/console/images/([^/]+)", b.path), 120, "the image's page")
    f.fleet.image_ids.append(m.group(1))
    f.server.images.add(m.group(1))
    image_id = m.group(1)
    b.driver.execute_script("window.__kwSamePage = true")
    b.wait(lambda: b.find_all("ul#findings li") and b.find("#severity-counts").is_displayed()
           and "Scanning" not in b.text("#severity-counts"), WAIT, "the scan's findings", interval=1)
    assert b.driver.execute_script("return window.__kwSamePage === true"), "the findings came by a reload"
    counts = {}
    for li in b.find_all("ul#findings li"):
        sev, rule = li.get_attribute("data-severity"), li.get_attribute("data-rule")
        assert sev in SEVERITIES and rule, (sev, rule)
        assert li.find_element("css selector", ".path").text.strip(), rule
        assert li.find_element("css selector", ".fix").text.strip(), rule
        counts[sev] = counts.get(sev, 0) + 1
    summary = b.text("#severity-counts").lower()
    for sev, n in counts.items():
        assert re.search(rf"\b{n}\s*{sev}\b|\b{sev}\W*{n}\b", summary), (summary, counts)
    b.screenshots("flow-23-image-findings")

    b.open("/console/images")
    row = f'#image-table tr[data-image-id="{image_id}"]'
    assert b.text(row + " td.name") == name
    assert "Scanning" not in b.text(row + " td.findings")
    assert ih.LINUX_IMAGE not in [r.get_attribute("data-image-id") for r in b.find_all("#image-table tr[data-image-id]")]
    assert b.exists("#public-images")
    b.screenshots("flow-24-images")
    ah.wait_image_available(f.root, image_id, limit=WAIT)
    f.image_id = image_id


def test_flow_ram_user_refused_image_password_preset(flow):
    f, b = flow, flow.browser
    f.need("image_id")
    login, password, _ = console_user(f.server, [ah.policy_doc(ah.allow("ecs:*"), INHERIT_DENY)])
    before = ih.instance_count(f.root)
    b.open("/console/keypairs")
    b.click_button("Log Out", within="#logout-form")
    b.login(login, password)
    b.wait(lambda: b.path == "/console/keypairs", 15, "the RAM user's key pair list")
    assert b.text("#whoami") == login

    def form(cred: str):
        b.open("/console/instances/create")
        b.fill("#image", f.image_id)
        b.fill("#instance-type", ih.INSTANCE_TYPE)
        b.fill("#instance-name", "kwconsole-ram-" + kw.token(6))
        assert not b.find("#inherit-warning").is_displayed()
        b.fill(cred, True)

    form("#cred-inherit")
    b.wait(lambda: b.find("#inherit-warning").is_displayed(), 5, "#inherit-warning shown")
    warning = b.text("#inherit-warning").lower()
    assert "preset password" in warning and "every instance" in warning, warning
    b.screenshots("flow-25-inherit-warning")
    b.click_button("Create Instance")
    err = b.wait_text("#form-error", "ecs:RunInstances", 30)
    assert "explicit deny" in err.lower() or "not allowed" in err.lower(), err
    b.screenshots("flow-26-inherit-refused")
    assert ih.instance_count(f.root) == before, "a refused RunInstances made an instance"

    # Control: the same user, image and form with a password of its own is let through.
    form("#cred-password")
    own = ih.strong_password()
    b.fill("#password", own)
    b.fill("#confirm-password", own)
    b.click_button("Create Instance")
    m = b.wait(lambda: re.fullmatch(r"/console/instances/([^/]+)", b.path), 60, "the control instance's page")
    f.fleet.track([m.group(1)])
    b.screenshots("flow-27-ram-user-instance")
    assert ih.instance_count(f.root) == before + 1
