"""The main command as an operator runs it: paths, start-up failures, TLS with each SDK's own CA option, configuration
sources, the server key outside the data directory, metrics, health, JSON logs and --version."""
import json
import os
import re
import socket
import ssl
import stat
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import kwhelpers as kw
from operator_helpers import Serve, banner_credentials, clean_env, one_error_line, run_to_exit

SIMULATED = ["--driver", "simulated", "--metadata-listen", "off"]


def describe_regions_legacy(ak, secret, port, verify=None, https=False):
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
    client = AcsClient(ak, secret, "cn-hangzhou", port=port, **({"verify": verify} if verify else {}))
    request = DescribeRegionsRequest()
    request.set_endpoint("127.0.0.1")
    if https:
        request.set_protocol_type("https")
    return json.loads(client.do_action_with_exception(request))


def tea_client(ak, secret, port, ca=None, https=False):
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config
    config = Config(access_key_id=ak, access_key_secret=secret, region_id="cn-hangzhou", endpoint=f"127.0.0.1:{port}",
                    protocol="https" if https else "http")
    if ca:
        config.ca = ca
    return Client(config)


# ---------------------------------------------------------------------------------------------------------------
# Paths and start-up failures
# ---------------------------------------------------------------------------------------------------------------

def test_relative_data_path_from_another_working_directory(tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    port = kw.free_port()
    server = Serve(["--listen", f"127.0.0.1:{port}", "--data", "./rel/data", *SIMULATED], cwd=work)
    banner = server.start(tmp_path)
    try:
        ak, secret = banner_credentials(banner)
        assert describe_regions_legacy(ak, secret, port)["Regions"]["Region"]
        assert (work / "rel" / "data" / "keyward.sqlite3").exists()
    finally:
        assert server.stop() == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox instances need root (CI runs as root)")
def test_relative_data_path_prepares_the_public_image_for_real_sandboxes(tmp_path):
    work = tmp_path / "cwd"
    work.mkdir()
    port = kw.free_port()
    server = Serve(["--listen", f"127.0.0.1:{port}", "--data", "kwdata", "--driver", "sandbox", "--network", "loopback",
                    "--port-base", str(kw.free_port()), "--metadata-listen", "off"], cwd=work)
    banner = server.start(tmp_path, timeout=180)
    try:
        assert "sandbox (bubblewrap" in banner
        assert list((work / "kwdata" / "sandbox" / "images").glob("*/rootfs/etc/passwd"))
    finally:
        assert server.stop() == 0


def test_second_server_on_the_same_data_directory_refuses_in_one_line(tmp_path):
    first = Serve(["--listen", f"127.0.0.1:{kw.free_port()}", "--data", str(tmp_path / "d"), *SIMULATED])
    first.start(tmp_path)
    try:
        code, out, err = run_to_exit(["serve", "--listen", f"127.0.0.1:{kw.free_port()}", "--data", str(tmp_path / "d"), *SIMULATED])
        assert code != 0
        line = one_error_line(err)
        assert "is in use by the Keyward server with pid" in line and str(tmp_path / "d") in line
        assert "listening" not in out
    finally:
        assert first.stop() == 0


def test_listen_address_in_use_is_one_clear_line(tmp_path):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    try:
        code, out, err = run_to_exit(["serve", "--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "d"), *SIMULATED])
    finally:
        blocker.close()
    assert code != 0
    line = one_error_line(err)
    assert f"cannot listen on --listen 127.0.0.1:{port}: the address is already in use" in line
    assert "listening on" not in out


@pytest.mark.parametrize("args, expected", [
    (["--driver", "bogus"], "driver: 'bogus' is not one of auto, sandbox, simulated"),
    (["--listen", "nonsense"], "listen: 'nonsense' is not HOST:PORT"),
    (["--tls-cert", "/nonexistent.pem"], "tls-cert and tls-key go together"),
    (["--subnet", "10.300.0"], "subnet: '10.300.0' is not the first three octets"),
])
def test_bad_option_values_are_refused_in_one_line(tmp_path, args, expected):
    code, _, err = run_to_exit(["serve", "--data", str(tmp_path / "d"), "--metadata-listen", "off", *args])
    assert code != 0
    assert expected in one_error_line(err)
    assert not (tmp_path / "d").exists(), "a refused start must change nothing"


def test_unwritable_data_directory_is_one_clear_line(tmp_path):
    code, _, err = run_to_exit(["serve", "--listen", f"127.0.0.1:{kw.free_port()}", "--data", "/proc/keyward-data", *SIMULATED])
    assert code != 0
    assert "cannot create the data directory /proc/keyward-data" in one_error_line(err)


# ---------------------------------------------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------------------------------------------

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


def test_operator_certificate_files_and_http2(tmp_path):
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
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
        ak, secret = banner_credentials(banner)
        assert describe_regions_legacy(ak, secret, port)["Regions"]["Region"]
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------------------------
# Configuration: flags over KEYWARD_* over the file
# ---------------------------------------------------------------------------------------------------------------

def test_flags_win_over_environment_which_wins_over_the_config_file(tmp_path):
    file_port, env_port, flag_port = kw.free_port(), kw.free_port(), kw.free_port()
    config = tmp_path / "keyward.json"
    config.write_text(json.dumps({"listen": f"127.0.0.1:{file_port}", "data": str(tmp_path / "d"), "driver": "simulated",
                                  "metadata-listen": "off", "log-format": "json"}))
    # File only.
    server = Serve(["--config", str(config)])
    banner = server.start(tmp_path)
    server.stop()
    assert f"listening on http://127.0.0.1:{file_port}" in banner
    assert all(json.loads(line)["message"] for line in server.stderr().splitlines() if line.strip())
    # The environment over the file.
    server = Serve(["--config", str(config)], env=clean_env(KEYWARD_LISTEN=f"127.0.0.1:{env_port}"))
    banner = server.start(tmp_path)
    server.stop()
    assert f"listening on http://127.0.0.1:{env_port}" in banner
    # A flag over both; KEYWARD_CONFIG names the file.
    server = Serve(["--listen", f"127.0.0.1:{flag_port}"], env=clean_env(KEYWARD_LISTEN=f"127.0.0.1:{env_port}", KEYWARD_CONFIG=str(config)))
    banner = server.start(tmp_path)
    server.stop()
    assert f"listening on http://127.0.0.1:{flag_port}" in banner


def test_a_malformed_value_in_the_environment_is_refused_not_defaulted(tmp_path):
    code, _, err = run_to_exit(["serve", "--data", str(tmp_path / "d"), *SIMULATED], env=clean_env(KEYWARD_PORT_BASE="lots"))
    assert code != 0
    assert "port-base: 'lots' is not a whole number" in one_error_line(err)


# ---------------------------------------------------------------------------------------------------------------
# The server key
# ---------------------------------------------------------------------------------------------------------------

def test_server_key_outside_the_data_directory_is_required_and_checked(tmp_path):
    data, keys = tmp_path / "data", tmp_path / "keys"
    keys.mkdir()
    key_file = keys / "server.key"
    port = kw.free_port()
    args = ["--listen", f"127.0.0.1:{port}", "--data", str(data), "--server-key-file", str(key_file), *SIMULATED]
    server = Serve(args)
    banner = server.start(tmp_path)
    ak, secret = banner_credentials(banner)
    server.stop()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not (data / "server.key").exists()
    assert secret.encode() not in b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())

    # Missing key: refused, never replaced.
    moved = keys / "moved.key"
    key_file.rename(moved)
    code, _, err = run_to_exit(["serve", *args])
    assert code != 0 and "is missing, but the database holds secrets sealed with a server key" in one_error_line(err)
    assert not key_file.exists()
    # A wrong key, even with KEYWARD_ROOT_* set: refused, nothing re-sealed.
    key_file.write_bytes(os.urandom(32))
    key_file.chmod(0o644)
    code, _, err = run_to_exit(["serve", *args])
    assert code != 0 and "is readable by others (mode 644): chmod 600 it" in one_error_line(err)
    key_file.chmod(0o600)
    code, _, err = run_to_exit(["serve", *args], env=clean_env(KEYWARD_ROOT_ACCESS_KEY_ID=ak, KEYWARD_ROOT_ACCESS_KEY_SECRET="x" * 30))
    assert code != 0 and "does not open the secrets stored in the database" in one_error_line(err)
    moved.replace(key_file)

    # Rotation re-seals: the same AccessKey still signs after a restart; the old key no longer opens the store.
    old_key = key_file.read_bytes()
    code, out, err = run_to_exit(["admin", "rotate-server-key", "--data", str(data), "--server-key-file", str(key_file)])
    assert code == 0, err
    assert key_file.read_bytes() != old_key and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    server = Serve(args)
    server.start(tmp_path)
    try:
        assert describe_regions_legacy(ak, secret, port)["Regions"]["Region"]
        code, _, err = run_to_exit(["admin", "rotate-server-key", "--data", str(data), "--server-key-file", str(key_file)])
        assert code != 0 and "is in use by the Keyward server" in one_error_line(err)
    finally:
        server.stop()
    key_file.write_bytes(old_key)
    key_file.chmod(0o600)
    code, _, err = run_to_exit(["serve", *args])
    assert code != 0 and "does not open the secrets" in err


def test_server_key_from_the_environment(tmp_path):
    import base64
    value = base64.b64encode(os.urandom(32)).decode()
    port = kw.free_port()
    args = ["--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "d"), *SIMULATED]
    server = Serve(args, env=clean_env(KEYWARD_SERVER_KEY=value))
    banner = server.start(tmp_path)
    server.stop()
    ak, secret = banner_credentials(banner)
    assert not (tmp_path / "d" / "server.key").exists()
    code, _, err = run_to_exit(["serve", *args], env=clean_env(KEYWARD_SERVER_KEY=base64.b64encode(os.urandom(32)).decode()))
    assert code != 0 and "the server key in KEYWARD_SERVER_KEY does not open the secrets" in one_error_line(err)


# ---------------------------------------------------------------------------------------------------------------
# Metrics, health, logs, version
# ---------------------------------------------------------------------------------------------------------------

def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return response.read().decode()


def test_metrics_health_and_logs_without_secrets(tmp_path):
    port = kw.free_port()
    server = Serve(["--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "d"), "--log-format", "json", *SIMULATED])
    banner = server.start(tmp_path)
    try:
        ak, secret = banner_credentials(banner)
        describe_regions_legacy(ak, secret, port)
        with pytest.raises(Exception):
            describe_regions_legacy(ak, "wrong-secret", port)
        replayed = kw.build_v1(f"http://127.0.0.1:{port}", "DescribeRegions", {}, ak, secret, method="GET")
        statuses = [replayed.send().status_code for _ in range(2)]
        assert statuses == [200, 400], statuses
        # Anyone can send any Action: an unverified one never becomes a metric label.
        for n in range(3):
            assert kw.build_v1(f"http://127.0.0.1:{port}", f"Invented{n}", {}, ak, "not-the-secret", method="GET").send().status_code == 400
        # Secrets that pass through a full run: a generated private key, an agent registration token.
        from alibabacloud_ecs20140526 import models as ecs
        private_key = tea_client(ak, secret, port).create_key_pair(
            ecs.CreateKeyPairRequest(region_id="cn-hangzhou", key_pair_name="logged")).body.private_key_body
        from cryptography.hazmat.primitives import serialization
        loaded = serialization.load_pem_private_key(private_key.encode(), password=None)
        public_b64 = loaded.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
        # PEM lines that encode only the public half (the modulus) may stand in the stored public key: look for the others.
        key_lines = [line for line in private_key.splitlines() if line and not line.startswith("-----") and line not in public_b64]
        assert len(key_lines) >= 10
        exponent = loaded.private_numbers().d
        private_exponent = exponent.to_bytes((exponent.bit_length() + 7) // 8, "big")
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkcore.request import CommonRequest
        token_request = CommonRequest(domain="127.0.0.1", version="2026-11-01", action_name="CreateAgentRegistrationToken")
        token_request.set_method("POST")
        token_request.set_protocol_type("http")
        token = json.loads(AcsClient(ak, secret, "cn-hangzhou", port=port).do_action_with_exception(token_request))["Token"]
        text = scrape(f"http://127.0.0.1:{port}/metrics")
        assert "Invented" not in text
        assert 'keyward_requests_total{dialect="alibaba-rpc",action="-",code="SignatureDoesNotMatch"} 4' in text
        assert re.search(r'keyward_requests_total\{dialect="alibaba-rpc",action="DescribeRegions",code="OK"\} 2\b', text), text
        assert 'keyward_signature_failures_total{dialect="alibaba-rpc",reason="signature-mismatch"} 4' in text
        assert 'keyward_signature_failures_total{dialect="alibaba-rpc",reason="replay"} 1' in text
        assert 'keyward_replay_refusals_total{dialect="alibaba-rpc"} 1' in text
        assert "keyward_request_duration_seconds_bucket" in text
        assert 'keyward_instances{status="Running"} 0.0' in text
        assert 'keyward_agent_hosts{last_seen="never"} 0.0' in text
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz").read() == b"ok\n"
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz").read() == b"ready\n"
    finally:
        assert server.stop() == 0
    logs = server.stderr()
    for value in [secret, token, *key_lines]:
        assert value not in logs, "a secret reached the logs"
    stored = b"".join(p.read_bytes() for p in (tmp_path / "d").rglob("*") if p.is_file())
    for value in [secret, token, *key_lines]:
        assert value.encode() not in stored, "a secret reached the data directory in clear"
    assert private_exponent not in stored and private_exponent.hex() not in logs
    records = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert any(r["message"] == "rpc" and r["metadata"]["action"] == "DescribeRegions" for r in records)
    assert secret in server.stdout(), "the banner (with the secret shown once) goes to stdout, not to the logs"


def test_metrics_on_a_listener_of_their_own(tmp_path):
    port, metrics_port = kw.free_port(), kw.free_port()
    server = Serve(["--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "d"), "--metrics-listen", f"127.0.0.1:{metrics_port}", *SIMULATED])
    server.start(tmp_path)
    try:
        assert "keyward_instances" in scrape(f"http://127.0.0.1:{metrics_port}/metrics")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics")
        assert missing.value.code == 404
    finally:
        server.stop()


def test_serve_help_documents_every_option_of_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme[readme.index("| option | default | meaning |"):]
    table = table[:table.index("\n\n")]
    options = set(re.findall(r"`([a-z][a-z-]+)`", "\n".join(line.split("|")[1] for line in table.splitlines()[2:])))
    assert {"listen", "data", "tls-cert", "server-key-file", "metrics-listen", "shutdown-timeout"} <= options
    code, out, _ = run_to_exit(["serve", "--help"])
    assert code == 0
    for option in options:
        assert f"--{option}" in out, option
    assert "KEYWARD_" in out and "--config" in out


def test_rotating_a_server_key_from_the_environment_writes_the_new_key_first(tmp_path):
    import base64
    value = base64.b64encode(os.urandom(32)).decode()
    port = kw.free_port()
    args = ["--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "d"), *SIMULATED]
    server = Serve(args, env=clean_env(KEYWARD_SERVER_KEY=value))
    ak, secret = banner_credentials(server.start(tmp_path))
    server.stop()
    code, _, err = run_to_exit(["admin", "rotate-server-key", "--data", str(tmp_path / "d")], env=clean_env(KEYWARD_SERVER_KEY=value))
    assert code != 0 and "rotating it needs --new-key-file" in one_error_line(err)
    code, out, err = run_to_exit(["admin", "rotate-server-key", "--data", str(tmp_path / "d"), "--new-key-file", str(tmp_path / "new.key")],
                                 env=clean_env(KEYWARD_SERVER_KEY=value))
    assert code == 0, err
    new_value = out.strip().splitlines()[-1]
    assert base64.b64decode(new_value) == (tmp_path / "new.key").read_bytes()
    assert stat.S_IMODE((tmp_path / "new.key").stat().st_mode) == 0o600
    server = Serve(args, env=clean_env(KEYWARD_SERVER_KEY=new_value))
    server.start(tmp_path)
    try:
        assert describe_regions_legacy(ak, secret, port)["Regions"]["Region"]
    finally:
        server.stop()
    code, _, err = run_to_exit(["serve", *args, "--server-key-file", str(tmp_path / "new.key")], env=clean_env(KEYWARD_SERVER_KEY=new_value))
    assert code != 0 and "KEYWARD_SERVER_KEY and server-key-file both give the server key" in one_error_line(err)


def test_version_names_the_commit():
    code, out, _ = run_to_exit(["--version"])
    assert code == 0
    assert re.fullmatch(r"keyward \d+\.\d+\.\d+ \(commit [0-9a-f]{40}(-dirty)?\)\n", out), out
