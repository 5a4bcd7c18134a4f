"""What the console suites share: the root password they start servers with, and how they read the console's pages."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable
from urllib.parse import urlparse

import access_helpers as ah
import console_helpers as ch
import instance_helpers as ih
import kwhelpers as kw

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
