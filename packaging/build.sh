#!/usr/bin/env bash
# Builds `keyward` as a static binary (--static-swift-stdlib: no Swift runtime needed on the host) and a .deb with the
# systemd units for `keyward serve` and `keyward agent` and their default configuration.
#
#   packaging/build.sh [--debug] [--output DIR]
#
# Output: DIR/keyward (the static binary) and DIR/keyward_VERSION_ARCH.deb (default DIR: .build-package/out).
# Release by default; --debug builds faster (CI uses it). Needs dpkg-deb (Debian's dpkg).
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=release
output=.build-package/out
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) configuration=debug ;;
        --output) output=$2; shift ;;
        *) echo "usage: packaging/build.sh [--debug] [--output DIR]" >&2; exit 2 ;;
    esac
    shift
done

scratch=.build-static
swift build -c "$configuration" --static-swift-stdlib --product keyward --scratch-path "$scratch"
binary="$(swift build -c "$configuration" --static-swift-stdlib --product keyward --scratch-path "$scratch" --show-bin-path)/keyward"

mkdir -p "$output"
install -m 0755 "$binary" "$output/keyward"
if ldd "$output/keyward" | grep -q libswift; then
    echo "packaging/build.sh: $output/keyward still links the Swift runtime:" >&2
    ldd "$output/keyward" >&2
    exit 1
fi

version=$("$output/keyward" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$output/keyward" "$root/usr/bin/keyward"
install -D -m 0644 packaging/keyward.service "$root/lib/systemd/system/keyward.service"
install -D -m 0644 packaging/keyward-agent.service "$root/lib/systemd/system/keyward-agent.service"
install -D -m 0640 packaging/keyward.json "$root/etc/keyward/keyward.json"
install -D -m 0644 packaging/keyward-agent.default "$root/etc/default/keyward-agent"
install -d -m 0755 "$root/DEBIAN"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
printf '/etc/keyward/keyward.json\n/etc/default/keyward-agent\n' > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/control" <<CONTROL
Package: keyward
Version: $version
Architecture: $arch
Maintainer: Keyward <keyward@localhost>
Section: admin
Priority: optional
Depends: libc6, libstdc++6, libgcc-s1, zlib1g
Recommends: bubblewrap, openssh-server, iproute2, iptables, uidmap, util-linux
Description: control plane for the logon credentials of Linux instances
 SSH key pairs and instance passwords over the Alibaba Cloud ECS API, real sandbox
 instances with sshd, image hygiene, and the guest agent for remote hosts
 (keyward-agent.service).
CONTROL
fakeroot=""
[ "$(id -u)" = 0 ] || fakeroot=$(command -v fakeroot || true)
$fakeroot dpkg-deb --root-owner-group --build "$root" "$output/keyward_${version}_${arch}.deb" >/dev/null
echo "$output/keyward"
echo "$output/keyward_${version}_${arch}.deb"
