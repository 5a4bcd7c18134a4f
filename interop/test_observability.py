"""Metrics, health, JSON logs, and no secret in any log or stored file after a full run."""
import json
import re
import urllib.error
import urllib.request

import pytest

import kwhelpers as kw
from operator_helpers import SIMULATED, Serve, banner_credentials, describe_regions_legacy, tea_client


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
