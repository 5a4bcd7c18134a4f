"""Fixtures for the Keyward interop suite.

The server under test is `.build/debug/keyward` (override with KEYWARD_BIN). One server is
started per session on a fresh data dir (`server` fixture); tests that need to restart it call
`server.restart()` (same port, same data dir). Tests that need a pristine account/region start
their own extra server with the `fresh_server_factory` fixture.

Run:  python3 -m venv /tmp/v && /tmp/v/bin/pip install -r interop/requirements.txt
      /tmp/v/bin/python -m pytest interop          (needs ssh-keygen on PATH)
Env:  KEYWARD_BIN (server binary), KEYWARD_READY_TIMEOUT (seconds to wait for "listening on").
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import kwhelpers as kw

kw.scrub_proxy_env()


@pytest.fixture(scope="session")
def root_credentials():
    return kw.random_access_key_id(), kw.random_secret()


@pytest.fixture(scope="session")
def server(tmp_path_factory, root_credentials):
    ak, secret = root_credentials
    srv = kw.KeywardServer(tmp_path_factory.mktemp("keyward-data"), ak, secret)
    srv.start()
    yield srv
    if srv.running:
        srv.stop()


@pytest.fixture
def live_server(server):
    """The session server, (re)started if an earlier test left it stopped."""
    if not server.running:
        server.start()
    return server


@pytest.fixture
def fresh_server_factory(tmp_path_factory):
    started = []

    def make():
        srv = kw.KeywardServer(tmp_path_factory.mktemp("keyward-fresh"), kw.random_access_key_id(),
                               kw.random_secret())
        srv.start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        if srv.running:
            srv.stop()


@pytest.fixture(params=kw.SDK_NAMES)
def sdk(request, live_server):
    """The same test run once per SDK flavour: legacy (v1), tea-v3 (ACS3), tea-v2 (HMAC-SHA1 via Tea)."""
    return kw.make_sdk(request.param, live_server)


@pytest.fixture
def legacy(live_server):
    return kw.make_sdk("legacy", live_server)


@pytest.fixture
def tea(live_server):
    return kw.make_sdk("tea-v3", live_server)


@pytest.fixture
def tea2(live_server):
    return kw.make_sdk("tea-v2", live_server)


# ---------------------------------------------------------------------------------------------
# Public keys made with ssh-keygen at test time
# ---------------------------------------------------------------------------------------------

def _keygen(dirp: Path, name: str, *args: str) -> Path:
    f = dirp / name
    kw.run(["ssh-keygen", "-q", "-N", "", "-C", f"interop {name}", "-f", str(f), *args])
    return f


BASE_KEYS = {
    "rsa2048": ("-t", "rsa", "-b", "2048"),
    "rsa3072": ("-t", "rsa", "-b", "3072"),
    "dsa": ("-t", "dsa"),
    "ecdsa256": ("-t", "ecdsa", "-b", "256"),
    "ecdsa384": ("-t", "ecdsa", "-b", "384"),
    "ecdsa521": ("-t", "ecdsa", "-b", "521"),
    "ed25519": ("-t", "ed25519"),
}


def make_ssh_key(label: str, d: Path):
    """label = <base>[-cert|-rfc4716|-pkcs8] -> (public key text to import, expected MD5 fingerprint,
    the key's OpenSSH line or None for certificates).

    A fresh key is generated on every call, so no test depends on whether the server accepts the
    same public key under two names. The expected fingerprint is what `ssh-keygen -l -E md5` prints
    (for a certificate that is the certified key's fingerprint).
    """
    base, _, form = label.partition("-")
    stem = f"{label}-{kw.token()}"
    f = _keygen(d, stem, *BASE_KEYS[base])
    pub = Path(str(f) + ".pub")
    line = pub.read_text().strip()
    fp = kw.ssh_md5_fingerprint(pub)
    assert fp == kw.openssh_line_fingerprint(line)
    if form == "":
        return line, fp, line
    if form == "cert":
        ca = _keygen(d, f"ca-{stem}", "-t", "ed25519")
        kw.run(["ssh-keygen", "-q", "-s", str(ca), "-I", f"id-{label}", "-n", "root", str(pub)])
        cert = Path(str(f) + "-cert.pub")
        cert_line = cert.read_text().strip()
        assert "-cert-v01@openssh.com" in cert_line.split()[0]
        assert kw.ssh_md5_fingerprint(cert) == fp
        return cert_line, fp, None
    if form == "rfc4716":
        rfc = kw.run(["ssh-keygen", "-e", "-f", str(pub)])
        assert rfc.startswith("---- BEGIN SSH2 PUBLIC KEY ----")
        return rfc, fp, line
    if form == "pkcs8":
        p8 = kw.run(["ssh-keygen", "-e", "-m", "PKCS8", "-f", str(pub)])
        assert p8.startswith("-----BEGIN PUBLIC KEY-----")
        return p8, fp, line
    raise ValueError(label)


@pytest.fixture
def ssh_key(tmp_path):
    """Factory: ssh_key(label) -> (text, md5 fingerprint, openssh line or None)."""
    return lambda label: make_ssh_key(label, tmp_path)


@pytest.fixture
def workdir(tmp_path):
    return tmp_path
