/// Builds the Linux public image from the host system into `$1`: the host's /etc with every password locked,
/// only system accounts, no SSH host keys, no private TLS keys, an empty machine-id, root login allowed
/// (as ECS public images do), and fresh /root, /home and /var.
enum PublicImageRecipe {
    static let script = #"""
    set -eu
    R="$1"
    # Unprivileged (in a user namespace) some host files are unreadable; what matters is rewritten below.
    cp -a /etc "$R/etc" 2>/dev/null || true
    [ -f "$R/etc/passwd" ] && [ -f "$R/etc/ssh/sshd_config" ] || { echo "cannot copy the host's /etc" >&2; exit 1; }
    cd "$R/etc"
    rm -f ssh/ssh_host_* passwd- shadow- group- gshadow- 
    # Host secrets that must never reach a guest.
    rm -rf ssl/private/* sudoers.d/* letsencrypt wireguard NetworkManager/system-connections krb5.keytab ppp/*-secrets \
        ipsec.secrets ipsec.d/private openvpn/*.key openvpn/client openvpn/server credstore credstore.encrypted .pwd.lock \
        ssh/ssh_host_* ssh/*_key ssh/*_key.pub security/opasswd
    find . -name '*.key' -path '*private*' -exec rm -f {} + 2>/dev/null || true
    : > machine-id
    echo localhost > hostname
    awk -F: '$3<1000 || $1=="nobody"' /etc/passwd > passwd.new
    awk -F: '$3<1000 || $1=="nogroup"' /etc/group > group.new
    d=$(( $(date +%s) / 86400 ))
    awk -F: -v d="$d" '{print $1":*:"d":0:99999:7:::"}' passwd.new > shadow.new
    awk -F: '{print $1":*::"}' group.new > gshadow.new
    for f in passwd group shadow gshadow; do mv "$f.new" "$f"; done
    chown -R 0:0 . 2>/dev/null || true
    chown 0:0 passwd group
    chmod 644 passwd group
    shadow_gid=$(awk -F: '$1=="shadow"{print $3}' group)
    chown "0:${shadow_gid:-0}" shadow gshadow
    chmod 640 shadow gshadow
    mkdir -p ssh/sshd_config.d
    printf 'PermitRootLogin yes\n' > ssh/sshd_config.d/10-image.conf
    cd "$R"
    install -d -m 700 root
    for f in .bashrc .profile; do [ -f "/etc/skel/$f" ] && cp "/etc/skel/$f" root/; done
    install -d -m 755 home var var/log var/lib var/mail var/cache
    install -d -m 1777 var/tmp
    : > var/log/wtmp
    : > var/log/lastlog
    : > var/log/btmp
    chmod 600 var/log/btmp
    chown -R 0:0 root var home
    """#
}
