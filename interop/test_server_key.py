"""The key that seals stored secrets, outside the data directory: required, checked, rotated."""
import os
import stat

import kwhelpers as kw
from operator_helpers import SIMULATED, Serve, banner_credentials, clean_env, describe_regions_legacy, one_error_line, run_to_exit


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
