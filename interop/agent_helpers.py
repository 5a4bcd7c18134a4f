"""A remote Linux host for the guest agent tests: a root filesystem copied from the Linux public image, run in a
bubblewrap sandbox on the host network, where the real `keyward agent` and a real sshd run."""
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import kwhelpers as kw


def require_root_tools():
    assert os.geteuid() == 0, "the guest agent test runs sandboxes and needs root (CI runs as root)"
    for tool in ("bwrap", "ssh-keygen", "ssh"):
        assert shutil.which(tool), f"{tool} is missing (the test script installs bubblewrap and openssh)"
    assert os.path.exists("/usr/sbin/sshd"), "openssh-server is missing"



class RemoteHost:
    """A host's root filesystem copied from the Linux public image, run in a sandbox on the host network."""

    def __init__(self, root: Path, binary: str, swift_runtime: bool = True):
        self.root = root
        self.binary = binary
        self.swift_runtime = swift_runtime
        self.sshd = None

    def sandbox(self, *command):
        # A static binary is tried without the toolchain's runtime, as on a fleet host.
        swift_root = "/opt/swift" if self.swift_runtime and os.path.isdir("/opt/swift") else None
        args = ["bwrap", "--unshare-pid", "--die-with-parent", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                "--symlink", "usr/sbin", "/sbin", "--symlink", "usr/lib", "/lib"]
        if os.path.exists("/usr/lib64"):
            args += ["--symlink", "usr/lib64", "/lib64"]
        for part in ("etc", "root", "home", "var"):
            args += ["--bind", str(self.root / part), "/" + part]
        # The fresh /tmp and /run come first: the binary may live under /tmp and is bound on top of them.
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--perms", "0755", "--dir", "/run/sshd"]
        binary_dir = str(Path(self.binary).resolve().parent.parent)
        args += ["--ro-bind", binary_dir, binary_dir]
        if swift_root:
            args += ["--ro-bind", swift_root, swift_root]
        return args + list(command)

    def agent(self, server, *extra):
        url = server if isinstance(server, str) else server.base_url
        cmd = self.sandbox(str(Path(self.binary).resolve()), "agent", "--server", url,
                           "--state-directory", "/var/lib/keyward-agent", "--once", *extra)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    def daemon(self, server):
        cmd = self.sandbox(str(Path(self.binary).resolve()), "agent", "--server", server.base_url,
                           "--state-directory", "/var/lib/keyward-agent", "--interval", "1")
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def identity(self):
        return json.loads((self.root / "var/lib/keyward-agent/identity.json").read_text())

    def start_sshd(self, port):
        self.sshd = subprocess.Popen(self.sandbox("/usr/sbin/sshd", "-D", "-e", "-p", str(port), "-o", "ListenAddress=127.0.0.1"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("sshd in the remote host did not start")

    def stop_sshd(self):
        if self.sshd:
            self.sshd.kill()
            self.sshd.wait()
            self.sshd = None



def make_host_root(tmp_path: Path, ak: str, secret: str, image: Path = None) -> Path:
    """A host root from the Linux public image (built by a throwaway sandbox server when `image` is absent)."""
    root = tmp_path / "host"
    if image is None or not image.exists():
        builder = kw.KeywardServer(tmp_path / "builder", ak, secret,
                                   extra_args=["--driver", "sandbox", "--network", "loopback", "--port-base", str(kw.free_port()),
                                               "--metadata-listen", "off"])
        builder.start()
        builder.stop()
        image = tmp_path / "builder/sandbox/images/debian_12_x64_keyward.vhd/rootfs"
    subprocess.run(["cp", "-a", str(image), str(root)], check=True)
    (root / "etc/hostname").write_text("edge-host\n")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "etc/ssh/ssh_host_ed25519_key")], check=True)
    return root


def ssh_login(key: Path, port: int) -> subprocess.CompletedProcess:
    return subprocess.run(["ssh", "-i", str(key), "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", "root@127.0.0.1", "id -u"],
                          capture_output=True, text=True, timeout=30)


