# shellcheck shell=bash
# apt_install PACKAGE... : install Debian packages, non-interactively.
#
# Sourced by scripts/test (and later scripts/bench). The test harness installs
# what it needs itself so that a fresh Debian machine with only the Rust
# toolchain can run `scripts/test` without a setup guide.

apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "error: need root or sudo to install: $*" >&2
            return 1
        }
        sudo=(sudo)
    fi
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
    echo "==> installing $* (apt-get)"
    # Try without `apt-get update` first: it is slow and needs the network,
    # and the package lists are often fresh enough already.
    "${apt[@]}" install -y "$@" && return 0
    echo "==> apt-get install failed; refreshing package lists and retrying"
    "${apt[@]}" update && "${apt[@]}" install -y "$@"
}
