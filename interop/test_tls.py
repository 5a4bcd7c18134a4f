"""HTTPS: the operator's certificate or a self-signed one, trusted by each SDK through its own CA option; plain HTTP
off loopback only when asked for."""
import re
import socket
import ssl
import stat
import subprocess

import pytest

import kwhelpers as kw
from operator_helpers import SIMULATED, Serve, banner_credentials, banner_snippet, describe_regions_legacy, tea_client


def test_non_loopback_listener_speaks_https_with_a_self_signed_certificate_both_sdks_trust(tmp_path):
    port = kw.free_port()
    data = tmp_path / "d"
    server = Serve(["--listen", f"0.0.0.0:{port}", "--data", str(data), *SIMULATED])
    banner = server.start(tmp_path)
    try:
        assert f"listening on https://0.0.0.0:{port}" in banner
        cert = data / "tls" / "cert.pem"
        key = data / "tls" / "key.pem"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        fingerprint = re.search(r"TLS fingerprint:\s+(SHA256:[0-9A-F:]+)", banner).group(1)
        der = ssl.PEM_cert_to_DER_cert(cert.read_text())
        import hashlib
        assert fingerprint == "SHA256:" + ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
        assert f'ca="{cert}"' in banner and f'verify="{cert}"' in banner
        ak, secret = banner_credentials(banner)

        assert describe_regions_legacy(ak, secret, port, verify=str(cert), https=True)["Regions"]["Region"]
        from alibabacloud_ecs20140526 import models as ecs
        created = tea_client(ak, secret, port, ca=str(cert), https=True).create_key_pair(
            ecs.CreateKeyPairRequest(region_id="cn-hangzhou", key_pair_name="over-tls"))
        assert created.body.private_key_body.startswith("-----BEGIN")
        # The banner's Tencent snippet, as printed, trusts the same certificate.
        from tencentcloud.cvm.v20170312 import models as cvm_models
        cvm = banner_snippet(banner, "Tencent Cloud Python SDK")["cvm"]
        zones = cvm.DescribeZones(cvm_models.DescribeZonesRequest()).ZoneSet
        assert "ap-guangzhou-3" in [z.Zone for z in zones]

        # Without trusting the certificate, the SDK refuses the connection.
        with pytest.raises(Exception) as refused:
            describe_regions_legacy(ak, secret, port, https=True)
        assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value) or "certificate verify failed" in str(refused.value)
        # Plain HTTP is not spoken there.
        with pytest.raises(Exception):
            describe_regions_legacy(ak, secret, port)
    finally:
        assert server.stop() == 0
    again = Serve(["--listen", f"0.0.0.0:{port}", "--data", str(data), *SIMULATED])
    banner = again.start(tmp_path)
    try:
        assert fingerprint in banner, "the self-signed certificate is reused on restart"
    finally:
        again.stop()


def operator_certificate(directory):
    """A self-signed P-256 certificate for 127.0.0.1 that is its own CA, as an operator's files: (cert, key)."""
    cert, key = directory / "c.pem", directory / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_operator_certificate_files_and_http2(tmp_path):
    cert, key = operator_certificate(tmp_path)
    port = kw.free_port()
    server = Serve(["--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "d"), "--tls-cert", str(cert), "--tls-key", str(key), *SIMULATED])
    banner = server.start(tmp_path)
    try:
        ak, secret = banner_credentials(banner)
        assert describe_regions_legacy(ak, secret, port, verify=str(cert), https=True)["Regions"]["Region"]
        context = ssl.create_default_context(cafile=str(cert))
        context.set_alpn_protocols(["h2", "http/1.1"])
        with socket.create_connection(("127.0.0.1", port)) as raw, context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.selected_alpn_protocol() == "h2"
    finally:
        server.stop()


def test_plain_http_on_a_public_address_needs_the_flag_and_says_what_it_exposes(tmp_path):
    port = kw.free_port()
    server = Serve(["--listen", f"0.0.0.0:{port}", "--data", str(tmp_path / "d"), "--allow-plain-http", *SIMULATED])
    banner = server.start(tmp_path)
    try:
        assert f"listening on http://0.0.0.0:{port}" in banner
        assert "WARNING: plain HTTP on a non-loopback address" in banner and "private keys" in banner
        from tencentcloud.cvm.v20170312 import models as cvm_models
        cvm = banner_snippet(banner, "Tencent Cloud Python SDK")["cvm"]
        assert cvm.DescribeRegions(cvm_models.DescribeRegionsRequest()).TotalCount >= 4
        ak, secret = banner_credentials(banner)
        assert describe_regions_legacy(ak, secret, port)["Regions"]["Region"]
    finally:
        server.stop()


def test_console_over_https_logs_root_on_with_the_printed_password_and_secure_cookies(tmp_path):
    """The banner prints root's console password once; over HTTPS the console's cookies are Secure and HSTS is sent."""
    import requests
    cert, key = operator_certificate(tmp_path)
    port = kw.free_port()
    data = tmp_path / "d"
    server = Serve(["--listen", f"127.0.0.1:{port}", "--data", str(data), "--tls-cert", str(cert), "--tls-key", str(key), *SIMULATED])
    banner = server.start(tmp_path)
    try:
        line = next(l for l in banner.splitlines() if l.startswith("Console:"))
        assert f"https://127.0.0.1:{port}/console" in line, line
        password = re.search(r"password: (\S+)", line).group(1)
        base = f"https://127.0.0.1:{port}"
        browser = requests.Session()
        # Per request: REQUESTS_CA_BUNDLE in the environment would win over a session's own `verify`.
        page = browser.get(base + "/console/login", verify=str(cert))
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        signed = browser.post(base + "/console/login", data={"csrf": token, "username": "root", "password": password}, allow_redirects=False,
                              verify=str(cert))
        assert signed.status_code == 303 and signed.headers["Location"] == "/console/keypairs", (signed.status_code, signed.text[:300])
        cookie = next(c for c in signed.raw.headers.getlist("Set-Cookie") if c.startswith("keyward_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
        listing = browser.get(base + "/console/keypairs", verify=str(cert))
        assert listing.status_code == 200 and '<span id="whoami" title="Signed in as">root</span>' in listing.text
    finally:
        assert server.stop() == 0
    # Shown once: the next start says where the password came from, not the password.
    again = Serve(["--listen", f"127.0.0.1:{port}", "--data", str(data), "--tls-cert", str(cert), "--tls-key", str(key), *SIMULATED])
    banner = again.start(tmp_path)
    try:
        line = next(l for l in banner.splitlines() if l.startswith("Console:"))
        assert password not in banner and "password:" not in line, line
    finally:
        again.stop()
