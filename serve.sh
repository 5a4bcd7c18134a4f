#!/usr/bin/env bash
# Runs the Keyward control plane. On a fresh Debian machine, as root, it first installs what real sandbox instances need
# (bubblewrap, openssh-server, iproute2, iptables, uidmap, util-linux); without root it says what is missing and the
# server falls back as it does without them. Every argument goes to `keyward serve` (see `./serve.sh --help`).
set -euo pipefail
# The package is where this script lives (also when it is called through a link); relative arguments stay relative
# to the caller's working directory, which is left as it is.
package=$(dirname "$(readlink -f "$0")")

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || need+=(iptables)
command -v newuidmap >/dev/null 2>&1 || need+=(uidmap)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "serve.sh: installing ${need[*]}" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
    else
        echo "serve.sh: missing for real instances: ${need[*]} (run as root, or: sudo apt-get install ${need[*]}); instances will be simulated" >&2
    fi
fi

exec swift run --package-path "$package" keyward serve "$@"
