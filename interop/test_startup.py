"""The main command as an operator starts it: paths from any working directory, one-line start-up failures,
the configuration sources, --help and --version."""
import json
import os
import re
import socket
from pathlib import Path

import pytest

import kwhelpers as kw
from operator_helpers import SIMULATED, Serve, banner_credentials, clean_env, describe_regions_legacy, one_error_line, run_to_exit


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


def test_version_names_the_commit():
    code, out, _ = run_to_exit(["--version"])
    assert code == 0
    assert re.fullmatch(r"keyward \d+\.\d+\.\d+ \(commit [0-9a-f]{40}(-dirty)?\)\n", out), out
