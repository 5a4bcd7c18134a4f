"""The web console (/console) in a real browser: headless chromium through Selenium (console_helpers.Browser),
written to the page contract ahead of the server's console.

* Fast tests on a simulated-driver server (no real instances) started with KEYWARD_ROOT_PASSWORD: sign-in, failures and
  throttling, CSRF, cookies, logout, session expiry (own servers, one at a time), a read-only RAM user, a RAM user who
  must change the password, key pairs, the policy editor, ActionTrail.
* The whole flow on real sandbox instances is in test_console_flow.py.

Every page visited is saved as PNG at 1280x800 and 390x844 (KEYWARD_SCREENSHOTS, default interop/.screenshots).
Needs root for the sandbox flow (like test_instances.py), chromium and chromium-driver (see console_setup.md).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

import access_helpers as ah
import console_helpers as ch
import instance_helpers as ih
import kwhelpers as kw
from console_pages import (
    ROOT_PASSWORD, NAV, NAV_PATHS, login_root, account_id, console_user, redirect_path, assert_labels,
    options, row_cells, private_key_fingerprint, keygen, create_key_pair_in_console, names_of_key_pairs,
)

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
    b.wait_text("#form-error", "CSRF")
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
    # The form stays usable on the same page: another name is created and downloaded, with its notice.
    other = kw.uniq("edweb2")
    b.fill("#keypair-name", other)
    b.click_button("Create Key Pair", navigates=False)
    b.wait_for_download(f"{other}.pem", 30)
    b.wait_text("#notice", f"Key pair {other} created")
    assert not b.exists("#form-error")
    assert names_of_key_pairs(console_server, other) == [other]

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


def test_region_menu_shows_each_regions_own_key_pairs(console_server, browser):
    """The header's Region menu: a key pair imported through the API in cn-shanghai is listed only there, the choice
    stays while moving between pages, and the menu cannot send the browser off the console."""
    b = browser
    name = kw.uniq("shanghai")
    ah.root_ecs(console_server).import_key_pair(name, kw.gen_ed25519_openssh(), region="cn-shanghai")
    login_root(b)
    assert b.label_of("region-choice") == "Region"
    assert not b.find_all(f'#keypair-table tr[data-keypair="{name}"]')
    b.fill("#region-choice", "cn-shanghai")
    b.click_button("Switch")
    b.wait(lambda: b.find_all(f'#keypair-table tr[data-keypair="{name}"]'), 15, "the cn-shanghai key pair listed")
    assert b.path == "/console/keypairs"
    b.screenshots("region-cn-shanghai")
    b.click_link("Instances")
    assert b.find("#region-choice option:checked").get_attribute("value") == "cn-shanghai"
    b.click_link("Key Pairs")
    assert b.find_all(f'#keypair-table tr[data-keypair="{name}"]')
    # Only console paths are gone back to.
    r = b.get_raw("/console/region?region=cn-hangzhou&back=https://elsewhere.example/x")
    assert r.status_code == 303 and r.headers["Location"] == "/console/keypairs", (r.status_code, r.headers.get("Location"))
    r = b.get_raw("/console/region?region=cn-hangzhou&back=//elsewhere.example/console/")
    assert r.headers["Location"] == "/console/keypairs"
    b.fill("#region-choice", "cn-hangzhou")
    b.click_button("Switch")
    b.wait(lambda: b.find("#region-choice option:checked").get_attribute("value") == "cn-hangzhou", 15, "back in cn-hangzhou")
    assert not b.find_all(f'#keypair-table tr[data-keypair="{name}"]')
