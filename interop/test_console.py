"""The web console (/console) in a real browser: headless chromium through Selenium (console_helpers.Browser),
written to the page contract ahead of the server's console.

* Fast tests on a simulated-driver server (no real instances) started with KEYWARD_ROOT_PASSWORD: sign-in, failures and
  throttling, CSRF, cookies, logout, session expiry (own servers, one at a time), a read-only RAM user, a RAM user who
  must change the password, key pairs, the policy editor, ActionTrail.
* The whole flow on real sandbox instances (the session sandbox server of instance_fixtures, the one server that may
  hold the metadata address; root's console password set with `keyward admin set-root-password`): ordered tests on one
  module fixture, each step built on the one before.

Every page visited is saved as PNG at 1280x800 and 390x844 (KEYWARD_SCREENSHOTS, default interop/.screenshots).
Needs root for the sandbox flow (like test_instances.py), chromium and chromium-driver (see console_setup.md).
"""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Set
from urllib.parse import parse_qs, urlparse

import pytest

import access_helpers as ah
import console_helpers as ch
import instance_helpers as ih
import kwhelpers as kw

pytest_plugins = ["instance_fixtures"]

ROOT_PASSWORD = "Kw-Console-" + kw.token(10)      # 8 to 32 characters
WAIT = 180.0                                       # sandbox boots, restarts and image scans: seconds each
NAV = ["Key Pairs", "Instances", "Images", "Auto Scaling", "Users", "Groups", "Roles", "Policies", "AccessKeys",
       "ActionTrail"]
NAV_PATHS = ["/console/keypairs", "/console/instances", "/console/images", "/console/scaling", "/console/ram/users",
             "/console/ram/groups", "/console/ram/roles", "/console/ram/policies", "/console/accesskeys",
             "/console/audit"]
SEVERITIES = ("info", "low", "medium", "high", "critical")
INHERIT_DENY = {"Effect": "Deny", "Action": "ecs:RunInstances", "Resource": "*",
                "Condition": {"Bool": {"ecs:PasswordInherit": "true"}}}


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def console_server(tmp_path_factory):
    """A simulated-driver server whose root console password comes from KEYWARD_ROOT_PASSWORD at its first start."""
    srv = ch.ConsoleServer(tmp_path_factory.mktemp("keyward-console"), {"KEYWARD_ROOT_PASSWORD": ROOT_PASSWORD})
    srv.start()
    yield srv
    if srv.running:
        srv.stop()


@pytest.fixture
def browser(console_server, tmp_path):
    b = ch.Browser(console_server.base_url, tmp_path / "downloads")
    yield b
    b.close()


def login_root(b: ch.Browser) -> None:
    b.login("root", ROOT_PASSWORD)
    b.wait(lambda: b.path == "/console/keypairs", 15, "root's first page, /console/keypairs")
    assert b.text("#whoami") == "root"


def account_id(server) -> str:
    return ah.tea_sts(server).GetCallerIdentity()["AccountId"]


def console_user(server, policies: Iterable = (), reset_required: bool = False):
    """A RAM user with `policies` and a login profile. Returns (login name NAME@ACCOUNT_ID, password, user name)."""
    user, _, _ = ah.new_ram_user(server, policies, with_key=False)
    password = ih.strong_password()
    ah.tea_ram(server).CreateLoginProfile(UserName=user, Password=password, PasswordResetRequired=reset_required)
    return f"{user}@{account_id(server)}", password, user


def redirect_path(resp) -> str:
    assert 300 <= resp.status_code < 400, f"expected a redirect, got {resp.status_code}: {resp.text[:500]}"
    return urlparse(resp.headers["Location"]).path


def assert_labels(b: ch.Browser, labels: dict) -> None:
    got = {i: b.label_of(i) for i in labels}
    assert got == labels, got


def options(b: ch.Browser, css: str):
    return [(o.get_attribute("value"), " ".join(o.text.split())) for o in b.find_all(css + " option")]


def row_cells(b: ch.Browser, row_css: str, *cells: str) -> dict:
    return {c: b.text(f"{row_css} td.{c}") for c in cells}


def private_key_fingerprint(pem: Path) -> str:
    """MD5 fingerprint (`ssh-keygen -l -E md5`) of the public half derived from a private key file."""
    with tempfile.TemporaryDirectory() as d:      # not beside the download: the download directory stays as is
        pub = Path(d) / (pem.stem + ".pub")
        pub.write_text(ih.run_cmd(["ssh-keygen", "-y", "-f", str(pem)], check=True).stdout)
        return kw.ssh_md5_fingerprint(pub)


def keygen(directory: Path, name: str, *args: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / name
    kw.run(["ssh-keygen", "-q", "-N", "", "-C", f"console {name}", "-f", str(key), *args])
    return key


def create_key_pair_in_console(b: ch.Browser, name: str, key_type: str) -> Path:
    """Create Key Pair through the form; returns the downloaded NAME.pem (mode 0600)."""
    b.open("/console/keypairs/create")
    b.fill("#keypair-name", name)
    b.fill("#key-type", key_type)
    b.click_button("Create Key Pair", navigates=False)
    pem = b.wait_for_download(f"{name}.pem")
    notice = b.wait_text("#notice", "cannot be downloaded again")
    assert name in notice, notice
    os.chmod(pem, 0o600)
    return pem


def names_of_key_pairs(server, name: str):
    return kw.names_of(ah.root_ecs(server).describe_key_pairs(name=name))


# ---------------------------------------------------------------------------------------------
# Sign-in, navigation, cookies, logout
# ---------------------------------------------------------------------------------------------

def test_root_login_and_navigation(console_server, browser):
    b = browser
    assert redirect_path(b.get_raw("/console", cookies={})) == "/console/login"
    b.open("/console")
    assert b.path == "/console/login"
    assert b.exists("main#main") and b.exists("h1") and b.exists("#login-form")
    assert_labels(b, {"username": "Username", "password": "Password"})
    b.screenshots("login")

    login_root(b)
    assert b.text("h1") == "Key Pairs"
    assert redirect_path(b.get_raw("/console")) == "/console/keypairs"
    b.open("/console")
    assert b.path == "/console/keypairs"
    nav = 'nav[aria-label="Console"]'
    assert [" ".join(a.text.split()) for a in b.find_all(nav + " a")] == NAV
    for text, path in zip(NAV, NAV_PATHS):
        b.click_link(text, within=nav)
        assert b.path == path, (text, b.path)
        assert b.exists("main#main") and b.text("h1"), f"{path} has no heading"
        assert not b.exists("#error"), f"{path}: {b.text('#error')}"
        assert b.text("#whoami") == "root"
        b.screenshots("nav-" + path.rsplit("/", 1)[1])
    assert b.text("h1") == "ActionTrail"


def test_wrong_password_and_unknown_user(console_server, browser):
    b = browser
    b.login("root", ROOT_PASSWORD + "x")
    assert b.path == "/console/login"
    b.wait_text("#form-error", "incorrect")
    b.screenshots("login-incorrect")
    b.login("nosuchuser-" + kw.token() + "@" + account_id(console_server), ROOT_PASSWORD)
    assert b.path == "/console/login"
    b.wait_text("#form-error", "incorrect")
    b.open("/console/keypairs")
    assert b.path == "/console/login", "a failed sign-in opened a session"


def test_throttling_after_five_failures(console_server, browser):
    b = browser
    login, password, _ = console_user(console_server, ["AliyunECSReadOnlyAccess"])
    for attempt in range(1, 6):
        b.login(login, password + "-wrong")
        assert b.path == "/console/login", attempt
        text = b.text("#form-error")
        assert "incorrect" in text, (attempt, text)
    b.login(login, password)                     # the right password, after 5 failures
    assert b.path == "/console/login"
    b.wait_text("#form-error", "Too many failed")
    b.screenshots("login-throttled")
    login_root(b)                                 # another login name is not throttled


def test_cookie_attributes(console_server, browser):
    b = browser
    login_root(b)
    c = b.cookie("keyward_session")
    assert c is not None, b.driver.get_cookies()
    assert c["httpOnly"] is True
    assert c["sameSite"] == "Strict"
    assert c["path"] == "/console"
    assert c["secure"] is False                   # plain http here; Secure only under TLS
    assert "keyward_session" not in b.driver.execute_script("return document.cookie")


def test_logout(console_server, browser):
    b = browser
    login_root(b)
    old = b.cookies()
    b.screenshots("keypairs-before-logout")
    b.click_button("Log Out", within="#logout-form")
    assert b.path == "/console/login"
    b.screenshots("after-logout")
    b.open("/console/keypairs")
    assert b.path == "/console/login"
    assert redirect_path(b.get_raw("/console/keypairs", cookies=old)) == "/console/login", \
        "the session cookie still works after Log Out"


def test_csrf_refused(console_server, browser):
    b = browser
    login_root(b)
    b.open("/console/keypairs/create")
    form = "form:has(#keypair-name)"
    data = b.form_data(form)
    assert data.get("csrf"), f"the form carries no csrf field: {data}"
    name_field = b.find("#keypair-name").get_attribute("name")
    assert name_field, "#keypair-name has no name"

    missing, wrong = kw.uniq("nocsrf"), kw.uniq("badcsrf")
    r = b.post_raw("/console/keypairs/create", {**{k: v for k, v in data.items() if k != "csrf"}, name_field: missing})
    assert r.status_code == 403, (r.status_code, r.text[:500])
    assert "CSRF" in (b.html_text(r.text, "#error") or ""), r.text[:1000]
    r = b.post_raw("/console/keypairs/create", {**data, "csrf": "0" * len(data["csrf"]), name_field: wrong})
    assert r.status_code == 403, (r.status_code, r.text[:500])
    assert "CSRF" in (b.html_text(r.text, "#error") or ""), r.text[:1000]

    # The same refusal in the browser: the form submitted with its csrf field altered.
    tampered = kw.uniq("tampered")
    b.driver.execute_script("arguments[0].querySelector('[name=csrf]').value = 'tampered'", b.find(form))
    b.fill("#keypair-name", tampered)
    b.click_button("Create Key Pair", navigates=False)
    b.wait_text("#error", "CSRF")
    b.screenshots("csrf-refused")
    for name in (missing, wrong, tampered):
        assert names_of_key_pairs(console_server, name) == [], f"{name} was created without a valid csrf"
    assert b.downloads() == []

    # Control: the same raw POST with the csrf of a freshly rendered form goes through.
    b.open("/console/keypairs/create")
    made = kw.uniq("withcsrf")
    r = b.post_raw("/console/keypairs/create", {**b.form_data(form), name_field: made})
    assert r.status_code < 400, (r.status_code, r.text[:500])
    assert names_of_key_pairs(console_server, made) == [made]


def _expiry(tmp_path, label: str, env: dict, active_for: float, then_sleep: float):
    """Its own server (one at a time, simulated): log in, use the console every 0.5 s for `active_for` seconds (the
    session must live), leave it alone for `then_sleep` seconds, reload: the login page says the session expired."""
    srv = ch.ConsoleServer(tmp_path / "data", {"KEYWARD_ROOT_PASSWORD": ROOT_PASSWORD, **env})
    srv.start()
    try:
        with ch.browser_session(srv.base_url, tmp_path / "downloads") as b:
            login_root(b)
            deadline = time.monotonic() + active_for
            while time.monotonic() < deadline:
                time.sleep(0.5)
                b.driver.refresh()
                assert b.path == "/console/keypairs", "the session ended while in use"
            time.sleep(then_sleep)
            b.driver.refresh()
            assert b.path == "/console/login"
            b.wait_text("#login-notice", "expired")
            b.screenshots(f"login-expired-{label}")
    finally:
        srv.stop()


def test_session_idle_expiry(tmp_path):
    _expiry(tmp_path, "idle", {"KEYWARD_CONSOLE_IDLE_TIMEOUT": "2"}, active_for=3, then_sleep=3)


def test_session_absolute_expiry(tmp_path):
    _expiry(tmp_path, "absolute", {"KEYWARD_CONSOLE_IDLE_TIMEOUT": "60", "KEYWARD_CONSOLE_ABSOLUTE_TIMEOUT": "5"},
            active_for=2.5, then_sleep=3.5)


# ---------------------------------------------------------------------------------------------
# RAM users in the console
# ---------------------------------------------------------------------------------------------

def test_read_only_user(console_server, browser):
    b = browser
    root_key = kw.uniq("rootkey")
    ah.root_ecs(console_server).import_key_pair(root_key, kw.gen_ed25519_openssh())
    login, password, _ = console_user(console_server, ["AliyunECSReadOnlyAccess"])
    b.login(login, password)
    b.wait(lambda: b.path == "/console/keypairs", 15, "the key pair list")
    assert b.text("#whoami") == login
    assert b.text(f'#keypair-table tr[data-keypair="{root_key}"] td.name') == root_key
    b.screenshots("readonly-keypairs")

    b.click_link("Create Key Pair")
    assert b.path == "/console/keypairs/create"
    denied = kw.uniq("rodenied")
    b.fill("#keypair-name", denied)
    b.click_button("Create Key Pair", navigates=False)
    b.wait_text("#form-error", "ecs:CreateKeyPair")
    b.screenshots("readonly-create-refused")
    assert names_of_key_pairs(console_server, denied) == []
    assert b.downloads() == []


def test_password_reset_required(console_server, browser):
    b = browser
    login, old, user = console_user(console_server, ["AliyunECSReadOnlyAccess"], reset_required=True)
    b.login(login, old)
    b.wait(lambda: b.path == "/console/password", 15, "the Change Password page")
    assert b.text("h1") == "Change Password"
    assert_labels(b, {"new-password": "New Password", "confirm-password": "Confirm Password"})
    b.screenshots("change-password")
    b.open("/console/keypairs")
    assert b.path == "/console/password", "other pages must send back to /console/password until it is changed"

    new = ih.strong_password()
    b.fill("#new-password", new)
    b.fill("#confirm-password", new)
    b.click_button("Change Password")
    b.wait(lambda: b.path == "/console/keypairs", 15, "the key pair list after the change")
    assert b.text("#whoami") == login
    b.screenshots("after-password-change")
    assert ah.tea_ram(console_server).GetLoginProfile(UserName=user)["LoginProfile"]["PasswordResetRequired"] is False

    b.click_button("Log Out", within="#logout-form")
    b.login(login, old)
    assert b.path == "/console/login"
    b.wait_text("#form-error", "incorrect")
    b.login(login, new)
    b.wait(lambda: b.path == "/console/keypairs", 15, "the key pair list with the new password")


# ---------------------------------------------------------------------------------------------
# Key pairs, policies, ActionTrail (no instance needed)
# ---------------------------------------------------------------------------------------------

def test_create_ed25519_key_pair_search_duplicate_delete(console_server, browser):
    b = browser
    login_root(b)
    b.click_link("Create Key Pair")
    assert b.path == "/console/keypairs/create"
    assert_labels(b, {"keypair-name": "Key Pair Name", "key-type": "Key Type"})
    assert options(b, "#key-type") == [("rsa", "RSA"), ("ed25519", "Ed25519")]
    warning = b.text("#pem-warning")
    assert "downloaded once" in warning and "cannot be downloaded again" in warning, warning
    b.screenshots("create-key-pair")

    name = kw.uniq("edweb")
    pem = create_key_pair_in_console(b, name, "ed25519")
    b.screenshots("key-pair-created-ed25519")
    assert pem.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----"), pem.read_text()[:80]
    fp = private_key_fingerprint(pem)
    (kp,) = kw.key_pairs(ah.root_ecs(console_server).describe_key_pairs(name=name))
    assert kp["KeyPairFingerPrint"] == fp

    b.open("/console/keypairs")
    row = f'#keypair-table tr[data-keypair="{name}"]'
    assert row_cells(b, row, "name", "fingerprint", "type", "bound") == \
        {"name": name, "fingerprint": fp, "type": "ED25519", "bound": ""}
    assert b.text(row + " td.created")

    # Search: a name prefix, as a GET ?name=
    prefix = name.rsplit("-", 1)[0] + "-"
    assert b.label_of("search-name") == "Key Pair Name"
    b.fill("#search-name", prefix)
    b.click_button("Search")
    assert parse_qs(urlparse(b.driver.current_url).query).get("name") == [prefix], b.driver.current_url
    shown = [r.get_attribute("data-keypair") for r in b.find_all("#keypair-table tr[data-keypair]")]
    assert shown == [name], shown
    b.screenshots("key-pair-search")

    # A duplicate name: the API's own message, nothing downloaded.
    with pytest.raises(kw.ApiError) as ei:
        ah.root_ecs(console_server).create_key_pair(name)
    b.open("/console/keypairs/create")
    b.fill("#keypair-name", name)
    b.click_button("Create Key Pair", navigates=False)
    # The Tea SDK wraps the message ("code: 400, … request id: …"): the page shows ECS's code and its words.
    b.wait_text("#form-error", ei.value.code)
    assert "already exist" in b.text("#form-error"), b.text("#form-error")
    b.screenshots("key-pair-duplicate")
    assert b.downloads() == [f"{name}.pem"]

    # Delete
    b.open(f"/console/keypairs/{name}/delete")
    assert b.text("h1") == "Delete Key Pair"
    assert b.exists("#bound-instances") and b.find_all("#bound-instances li") == []
    b.screenshots("delete-key-pair")
    b.click_button("Delete")
    b.wait(lambda: b.path == "/console/keypairs", 15, "the list after Delete")
    assert b.text("#notice") == f"Key pair {name} deleted."
    assert names_of_key_pairs(console_server, name) == []


def test_import_key_pair_from_pub_file(console_server, browser, tmp_path):
    b = browser
    login_root(b)
    key = keygen(tmp_path / "keys", "imported", "-t", "rsa", "-b", "3072")
    pub = Path(str(key) + ".pub")
    b.open("/console/keypairs")
    b.click_link("Import Key Pair")
    assert b.path == "/console/keypairs/import"
    assert_labels(b, {"keypair-name": "Key Pair Name", "public-key": "Public Key", "public-key-file": "Upload .pub file"})
    name = kw.uniq("fileimp")
    b.fill("#keypair-name", name)
    b.fill("#public-key-file", pub)
    b.wait(lambda: b.find("#public-key").get_attribute("value").strip() == pub.read_text().strip(), 10,
           "the textarea filled from the .pub file")
    b.screenshots("import-key-pair")
    b.click_button("Import Key Pair")
    b.wait(lambda: b.path == "/console/keypairs", 15, "the list after Import")
    assert name in b.text("#notice")
    row = f'#keypair-table tr[data-keypair="{name}"]'
    assert row_cells(b, row, "name", "fingerprint", "type") == \
        {"name": name, "fingerprint": kw.ssh_md5_fingerprint(pub), "type": "RSA"}
    b.screenshots("key-pair-imported")


def test_policy_editor(console_server, browser):
    b = browser
    ram = ah.tea_ram(console_server)
    login_root(b)
    b.open("/console/ram/policies")
    b.click_link("Create Policy")
    assert_labels(b, {"policy-name": "Policy Name", "policy-document": "Policy Document"})
    valid = ah.policy_doc(ah.allow("ecs:DescribeKeyPairs"))
    b.fill("#policy-document", valid)
    b.wait(lambda: b.text("#policy-validation") == "Valid policy document.", 10, "the valid verdict")
    b.screenshots("policy-valid")

    b.fill("#policy-document", '{"Version":"1"')
    verdict = b.wait(lambda: (lambda t: t if t and t != "Valid policy document." else None)(b.text("#policy-validation")),
                     10, "the parser's error")
    b.screenshots("policy-invalid")
    bad_name = ah.name("badpol")
    b.fill("#policy-name", bad_name)
    # Submitted as the browser would, whatever the page's script does with an invalid document.
    form = b.find("form:has(#policy-document)")
    r = b.post_raw(urlparse(form.get_attribute("action")).path, b.form_data("form:has(#policy-document)"))
    assert r.status_code < 500 and (b.html_text(r.text, "#form-error") or ""), \
        f"an invalid document was not refused (verdict shown: {verdict!r}): {r.status_code} {r.text[:500]}"
    with pytest.raises(kw.ApiError):
        ram.GetPolicy(PolicyType="Custom", PolicyName=bad_name)

    good_name = ah.name("conpol")
    b.open("/console/ram/policies")
    b.click_link("Create Policy")
    b.fill("#policy-name", good_name)
    b.fill("#policy-document", valid)
    b.wait(lambda: b.text("#policy-validation") == "Valid policy document.", 10, "the valid verdict")
    b.click_button("Create Policy")
    got = ram.GetPolicy(PolicyType="Custom", PolicyName=good_name)
    assert json.loads(got["DefaultPolicyVersion"]["PolicyDocument"]) == json.loads(valid)
    b.open("/console/ram/policies")
    assert good_name in b.text("#policy-table") and bad_name not in b.text("#policy-table")
    b.screenshots("policies")


def test_actiontrail_lists_console_create_key_pair(console_server, browser):
    b = browser
    login_root(b)
    name = kw.uniq("trail")
    create_key_pair_in_console(b, name, "ed25519")
    b.click_link("ActionTrail", within='nav[aria-label="Console"]')
    assert b.path == "/console/audit" and b.text("h1") == "ActionTrail"

    def rows():
        out = []
        for r in b.find_all("#audit-table tr"):
            cells = {}
            for c in ("time", "user", "action", "resource", "result"):
                tds = r.find_elements("css selector", "td." + c)
                cells[c] = " ".join(tds[0].text.split()) if tds else ""
            if cells["action"] == "CreateKeyPair" and name in cells["resource"]:
                out.append(cells)
        if not out:
            b.driver.refresh()
        return out
    found = b.wait(rows, 15, f"the CreateKeyPair of {name} in ActionTrail")
    assert len(found) == 1, found
    (row,) = found
    assert row["user"] == "root" and row["result"] == "Success" and row["time"], row
    b.screenshots("actiontrail")


# ---------------------------------------------------------------------------------------------
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
