# Shared by scripts/run and scripts/test: install missing Debian packages, then configure and build
# incrementally in build/. Sourced, not run.

CRYPTSTACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CRYPTSTACK_BUILD="${CRYPTSTACK_BUILD:-$CRYPTSTACK_ROOT/build}"

# Build tools and libraries, and the peers the interoperability tests run (cryptsetup, qemu-img,
# the NBD clients nbdinfo/nbdcopy, and mkfs.ext4, e2fsck, sfdisk, mkfs.vfat to make contents).
CRYPTSTACK_PACKAGES=(
    g++ cmake ninja-build pkg-config
    qt6-base-dev qt6-charts-dev qt6-qpa-plugins libqt6svg6
    libssl-dev libargon2-dev libgcrypt20-dev libblkid-dev
    cryptsetup-bin qemu-utils python3-cryptography libnbd-bin e2fsprogs fdisk dosfstools
)

cryptstack_missing_packages() {
    local missing=() pkg
    for pkg in "${CRYPTSTACK_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${db:Status-Status}\n' "$pkg" 2>/dev/null | grep -qx installed || missing+=("$pkg")
    done
    # Nothing at all when nothing is missing (printf would print one empty line).
    [ ${#missing[@]} -eq 0 ] || printf '%s\n' "${missing[@]}"
}

# Installs what is missing when root; otherwise prints the one command needed and fails.
cryptstack_install_packages() {
    local missing
    mapfile -t missing < <(cryptstack_missing_packages "$@")
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "cryptstack: missing Debian packages; install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        return 1
    fi
    echo "cryptstack: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Configures once (Release, Ninja) and builds incrementally; extra arguments go to cmake.
cryptstack_build() {
    if [ ! -f "$CRYPTSTACK_BUILD/CMakeCache.txt" ]; then
        cmake -S "$CRYPTSTACK_ROOT" -B "$CRYPTSTACK_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >&2 || return 1
    elif [ $# -gt 0 ]; then
        cmake "$CRYPTSTACK_BUILD" "$@" >&2 || return 1
    fi
    cmake --build "$CRYPTSTACK_BUILD" --parallel "$(nproc)" >&2
}
