"""`keyward image scan` and `keyward image sanitize` through the real binary, on an image tree with planted
credentials (the generator the Swift tests use) and on a tar.gz of it."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import kwhelpers as kw

GENERATOR = Path(__file__).resolve().parent.parent / "Tests/HygieneTests/Fixtures/make_image_tree.py"


def keyward(*args):
    return subprocess.run([kw.keyward_binary(), *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def image(tmp_path):
    root = tmp_path / "rootfs"
    manifest = tmp_path / "manifest.json"
    subprocess.run([sys.executable, str(GENERATOR), "--manifest", str(manifest), str(root)], check=True, capture_output=True)
    return root, json.loads(manifest.read_text()) if manifest.exists() else {}


def test_scan_fails_ci_on_planted_credentials_and_speaks_sarif(image, tmp_path):
    root, _ = image
    text = keyward("image", "scan", str(root), "--fail-on", "high")
    assert text.returncode == 1, text.stderr
    sarif = keyward("image", "scan", str(root), "--format", "sarif")
    assert sarif.returncode == 0
    log = json.loads(sarif.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    results = run["results"]
    assert results and all(result["ruleId"] in rule_ids for result in results)
    assert {"KW-ACCT-002", "KW-KEYS-001", "KW-KEYS-003", "KW-SSHD-001"} <= {r["ruleId"] for r in results}

    archive = tmp_path / "image.tar.gz"
    subprocess.run(["tar", "-C", str(root), "-czf", str(archive), "."], check=True)
    from_dir = json.loads(keyward("image", "scan", str(root), "--format", "json").stdout)
    from_tar = json.loads(keyward("image", "scan", str(archive), "--format", "json").stdout)
    key = lambda f: (f["ruleId"], f["path"], f["line"])
    assert sorted(map(key, from_dir["findings"])) == sorted(map(key, from_tar["findings"]))


def test_usage_errors_exit_2(tmp_path):
    assert keyward("image", "scan", str(tmp_path / "missing")).returncode == 2
    assert keyward("image", "scan", str(tmp_path), "--format", "yaml").returncode == 2


def test_sanitize_dry_run_changes_nothing_then_sanitize_clears_high_findings(image):
    root, _ = image

    def snapshot():
        return {str(p.relative_to(root)): (p.lstat().st_mode, p.read_bytes() if p.is_file() and not p.is_symlink() else b"")
                for p in sorted(root.rglob("*"))}

    before = snapshot()
    dry = keyward("image", "sanitize", str(root), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip()
    assert snapshot() == before

    shadow_mode = (root / "etc/shadow").stat().st_mode
    done = keyward("image", "sanitize", str(root))
    assert done.returncode == 0, done.stderr
    assert (root / "etc/shadow").stat().st_mode == shadow_mode
    rescan = keyward("image", "scan", str(root), "--fail-on", "high", "--format", "json")
    assert rescan.returncode == 0, [f for f in json.loads(rescan.stdout)["findings"] if f["severity"] in ("high", "critical")]


def test_cloud_config_outside_etc_cloud_is_a_preset_password_on_its_own_path(tmp_path):
    """The issue's example: /var/tmp/user-data.yml holding #cloud-config + chpasswd list, in a directory and a
    tar.gz of it, through the binary's JSON output."""
    root = tmp_path / "rootfs"
    (root / "var/tmp").mkdir(parents=True)
    (root / "var/tmp/user-data.yml").write_text("#cloud-config\nchpasswd:\n  list: |\n    root:Passw0rd!\n")
    archive = tmp_path / "image.tar.gz"
    subprocess.run(["tar", "-C", str(root), "-czf", str(archive), "."], check=True)

    for target in (root, archive):
        scan = keyward("image", "scan", str(target), "--format", "json")
        assert scan.returncode == 0, scan.stderr
        assert "Passw0rd!" not in scan.stdout
        findings = {(f["ruleId"], f["path"], f["line"]) for f in json.loads(scan.stdout)["findings"]}
        assert ("KW-CLOUD-001", "/var/tmp/user-data.yml", 4) in findings, (target, findings)
        assert ("KW-TMP-001", "/var/tmp/user-data.yml", None) in findings, (target, findings)
        assert not any(path == "/var/tmp" for _, path, _ in findings), (target, findings)
