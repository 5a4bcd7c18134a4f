#!/usr/bin/env python3
"""Build a synthetic Linux root filesystem tree with planted credentials.

Usage: make_image_tree.py ROOT [--filler N] [--manifest PATH]

Planted: private keys (PEM RSA, OpenSSH ed25519, encrypted OpenSSH, SEC1 EC, PKCS#8, PuTTY),
/etc/shadow lines with every common hash prefix, an empty password, an extra UID 0 account,
history files with secrets, authorized_keys in /root, /home/alice and /opt/svc (a home outside /home),
an sshd drop-in that re-enables password logins, a host key, tcp_wrappers deny-all, a machine-id,
pam_unix nullok, a /tmp script and a /var/tmp cloud-config with passwords.

Deterministic apart from the keys, which ssh-keygen makes fresh on every run.  The manifest (JSON) lists
the planted items, the secrets that must never appear in a report, and the base64 lines of every private key.
Needs only python3 and ssh-keygen.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile

# crypt(3) hashes of "Winter2024!" (computed once with fixed salts; the crypt module is gone from Python 3.13).
HASHES = {
    "sha512": "$6$saltsalt$QSUYlb99sY1moMAmGNwaUZi0pfr427F28XTS7s9RpEwqnptaNbKEcAfUbGE2OGEHyhSUwsRc/PzGNPodoED9X/",
    "yescrypt": "$y$j9T$abcdefghijklmnop$kHcVmSQvahjbnOSpub6uY4lphpPvE6FukN501qNMK5B",
    "md5": "$1$saltsalt$kberzZ02RciEsDsLvmaij0",
    "sha256": "$5$saltsalt$7hjSV6hjORUE5FkFMGqavR3Qsx/W1cKlLQgjynpPVh9",
    "bcrypt": "$2b$12$abcdefghijklmnopqrstuuoAOTDgCmm5jF1ro5GSQzksefzEpcPv6",
    "sha512-other": "$6$othersalt$lQLx0Rv.c1vCxP167A.xfZG9pQObQr268RfTFSLQ90bX32WnrVOhzK5sHc2jGLdMZUSQUef2OWuswaTFApxVq1",
}
SECRETS = [
    "Winter2024!", "S3cr3tPass", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "app123", "Sup3rS3cret!",
    "changeme", "admin123", "hunter2",
]

planted = []
private_keys = []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--filler", type=int, default=200)
    parser.add_argument("--manifest")
    args = parser.parse_args()
    root = args.root
    manifest_path = args.manifest or os.path.join(
        os.path.dirname(os.path.abspath(root)), "MANIFEST-%s.json" % os.path.basename(os.path.abspath(root)))
    rng = random.Random(20240601)

    def w(rel, data, mode=0o644, kind=None):
        p = os.path.join(root, rel.lstrip("/"))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(p, mode)
        if kind:
            planted.append({"path": "/" + rel.lstrip("/"), "kind": kind})

    keydir = tempfile.mkdtemp(prefix="keytmp-")

    def keygen(name, *options):
        path = os.path.join(keydir, name)
        subprocess.run(["ssh-keygen", "-q", *options, "-C", name + "@fixture", "-f", path], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        with open(path, "rb") as f:
            private = f.read()
        with open(path + ".pub", "rb") as f:
            public = f.read()
        private_keys.append(private.decode())
        return private, public

    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    try:
        ed_priv, ed_pub = keygen("ed", "-t", "ed25519", "-N", "")
        enc_priv, _ = keygen("enc", "-t", "ed25519", "-N", "hunter2")
        rsa_pem, rsa_pub = keygen("rsa", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "")
        ec_pem, _ = keygen("ec", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "")
        pkcs8, _ = keygen("p8", "-t", "rsa", "-b", "2048", "-m", "PKCS8", "-N", "")
        host_ed, host_ed_pub = keygen("hed", "-t", "ed25519", "-N", "")
    finally:
        shutil.rmtree(keydir)

    # --- identity files ---------------------------------------------------
    w("etc/passwd", "\n".join([
        "root:x:0:0:root:/root:/bin/bash",
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
        "sshd:x:105:65534::/run/sshd:/usr/sbin/nologin",
        "alice:x:1000:1000:Alice:/home/alice:/bin/bash",
        "bob:x:1001:1001:Bob:/home/bob:/bin/bash",
        "toor:x:0:0:backdoor:/root:/bin/bash",          # extra UID 0
        "svc:x:998:998:service:/opt/svc:/bin/bash",      # system uid with shell, home outside /home
        "guest:x:1002:1002::/home/guest:/bin/bash",
    ]) + "\n", kind="passwd:uid0-extra(toor)")
    shadow = [
        "root:" + HASHES["sha512"] + ":19500:0:99999:7:::",           # sha512crypt
        "daemon:*:19500:0:99999:7:::",                                  # disabled
        "sshd:!:19500::::::",                                           # locked
        "alice:" + HASHES["yescrypt"] + ":19500:0:99999:7:::",        # yescrypt
        "bob:" + HASHES["md5"] + ":19500:0:99999:7:::",               # md5crypt (weak)
        "toor::19500:0:99999:7:::",                                     # EMPTY password
        "svc:" + HASHES["sha256"] + ":19500:0:99999:7:::",            # sha256crypt
        "guest:" + HASHES["bcrypt"] + ":19500:0:99999:7:::",          # bcrypt
        "legacy:!" + HASHES["sha512-other"] + ":19500:0:99999:7:::",  # locked-with-hash
        "nis:!!:19500::::::",                                           # never set (RHEL)
    ]
    w("etc/shadow", "\n".join(shadow) + "\n", 0o640, kind="shadow:hashes($6,$y,$1,$5,$2b),empty(toor),locked")
    w("etc/shadow-", "\n".join(shadow[:3]) + "\n", 0o640, kind="shadow-backup")
    w("etc/group", "\n".join([
        "root:x:0:", "daemon:x:1:", "shadow:x:42:", "sudo:x:27:alice,bob",
        "alice:x:1000:", "bob:x:1001:", "svc:x:998:", "guest:x:1002:",
    ]) + "\n")
    w("etc/login.defs", "# login.defs\nUID_MIN\t\t\t 1000\nUID_MAX\t\t\t60000\nENCRYPT_METHOD SHA512\n")
    w("etc/machine-id", "4c1f0e9a2b7d4e6f8a9b0c1d2e3f4a5b\n", kind="machine-id")
    os.makedirs(os.path.join(root, "var/lib/dbus"), exist_ok=True)
    os.symlink("/etc/machine-id", os.path.join(root, "var/lib/dbus/machine-id"))
    w("etc/pam.d/common-auth",
      "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n",
      kind="pam:nullok")
    w("etc/pam.d/sshd", "@include common-auth\naccount    required     pam_nologin.so\n@include common-account\n")
    w("etc/ssh/sshd_config", "\n".join([
        "Include /etc/ssh/sshd_config.d/*.conf",
        "PermitRootLogin yes",
        "#PasswordAuthentication no",
        "PermitEmptyPasswords yes",
        "PubkeyAuthentication yes",
        "ChallengeResponseAuthentication no",
        "UsePAM yes",
        "X11Forwarding yes",
        "Subsystem sftp /usr/lib/openssh/sftp-server",
    ]) + "\n", kind="sshd_config:PermitRootLogin yes,PermitEmptyPasswords yes")
    w("etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n",
      kind="sshd_config.d:PasswordAuthentication yes (overrides main file)")
    w("etc/ssh/ssh_host_ed25519_key", host_ed, 0o600, kind="ssh-host-key")
    w("etc/ssh/ssh_host_ed25519_key.pub", host_ed_pub)
    w("etc/hosts.deny", "ALL: ALL\n", kind="tcp_wrappers:deny-all")
    w("etc/hosts.allow", "sshd: 10.0.0.0/8\n")

    # --- users -------------------------------------------------------------
    w("root/.ssh/authorized_keys", ed_pub + rsa_pub, 0o600, kind="authorized_keys:root(2 keys)")
    w("root/.ssh/id_ecdsa", ec_pem, 0o600, kind="privkey:EC PRIVATE KEY")
    w("root/.bash_history",
      "ls\nmysql -uroot -pS3cr3tPass db\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\npasswd -d alice\n",
      0o600, kind="history:root")
    w("home/alice/.ssh/authorized_keys", ed_pub, 0o600, kind="authorized_keys:alice")
    w("home/alice/.ssh/id_rsa", rsa_pem, 0o600, kind="privkey:RSA PRIVATE KEY (PEM)")
    w("home/alice/.ssh/id_ed25519", ed_priv, 0o600, kind="privkey:OPENSSH PRIVATE KEY")
    w("home/alice/.bash_history", "sudo su\necho 'password=Winter2024!' > /tmp/x\n", 0o600, kind="history:alice")
    w("home/alice/.mysql_history", "CREATE USER 'app'@'%' IDENTIFIED BY 'app123';\n", 0o600, kind="history:mysql")
    w("home/bob/.ssh/id_ed25519_enc", enc_priv, 0o600, kind="privkey:OPENSSH PRIVATE KEY (encrypted)")
    w("home/bob/.python_history", "import os\n", 0o600, kind="history:python")
    w("home/bob/.zsh_history", ": 1700000000:0;ssh -i key admin@10.0.0.1\n", 0o600, kind="history:zsh")
    w("opt/svc/.ssh/authorized_keys", rsa_pub, 0o600, kind="authorized_keys:svc (home outside /home)")
    w("opt/app/certs/server.key", pkcs8, 0o600, kind="privkey:PKCS8 PRIVATE KEY")
    w("opt/app/deploy.ppk",
      "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: imported\nPublic-Lines: 1\nAAAAB3NzaC1yc2E\n"
      "Private-Lines: 1\nAAAAgQC\nPrivate-MAC: 00\n",
      kind="privkey:PuTTY")
    w("tmp/bootstrap.sh", "#!/bin/sh\nDB_PASSWORD='Sup3rS3cret!'\necho root:changeme | chpasswd\n", 0o755,
      kind="tmp-script-with-secret")
    w("var/tmp/cloud-config.yaml", "users:\n  - name: admin\n    plain_text_passwd: 'admin123'\n    lock_passwd: false\n",
      kind="tmp:cloud-config plaintext password")

    # --- filler ------------------------------------------------------------
    words = ("config option value server client enable disable path user group daemon "
             "network interface address port timeout retry log level debug info warn error "
             "package version install service start stop restart file directory mode").split()
    dirs = ["usr/share/doc/pkg%03d" % i for i in range(40)] + \
           ["etc/conf.d/%02d" % i for i in range(8)] + \
           ["usr/lib/python3/dist-packages/mod%03d" % i for i in range(20)] + \
           ["var/lib/dpkg/info"] + ["usr/share/man/man%d" % i for i in range(1, 9)]
    total = 0
    for i in range(args.filler):
        d = rng.choice(dirs)
        if rng.random() < 0.02:        # a few binary blobs
            data = rng.randbytes(rng.randint(8 * 1024, 64 * 1024))
            name = "blob%05d.so" % i
        else:                           # small text, lognormal, median ~1.2 KiB
            size = int(min(64 * 1024, max(40, rng.lognormvariate(7.1, 1.0))))
            lines, n = [], 0
            while n < size:
                ln = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
                if rng.random() < 0.3:
                    ln = "%s = %s" % (rng.choice(words), rng.choice(words))
                lines.append(ln)
                n += len(ln) + 1
            data = ("\n".join(lines) + "\n").encode()
            name = "f%05d.%s" % (i, rng.choice(["conf", "txt", "py", "list", "md5sums", "1"]))
        total += len(data)
        p = os.path.join(root, d, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)

    key_lines = sorted({line.strip() for key in private_keys for line in key.splitlines()
                        if len(line.strip()) >= 20 and not line.startswith("-----")})
    with open(manifest_path, "w") as f:
        json.dump({
            "root": root, "filler_files": args.filler, "filler_bytes": total, "planted": planted,
            "secrets": SECRETS, "hashes": list(HASHES.values()), "private_key_lines": key_lines,
        }, f, indent=1)


if __name__ == "__main__":
    main()
