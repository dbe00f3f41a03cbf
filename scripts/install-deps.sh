#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package that NoGap's build, tests, benchmarks and lab
# need, and only those that are missing. Idempotent: a second run installs
# nothing. Needs root (or sudo) when something is missing.
#
#   scripts/install-deps.sh          install what is missing
#   scripts/install-deps.sh --check  only list what is missing (exit 1 if any)
set -euo pipefail

packages=(
	# build
	build-essential pkg-config
	libnl-3-dev libnl-genl-3-dev	# nogapctl's netlink client
	libssl-dev			# MD5 cross-check against OpenSSL
	# tests and benchmarks
	libcunit1-dev			# unit tests
	libzydis-dev libcapstone-dev	# decoder oracle and benchmarks
	binutils			# objdump
	python3 file
	# kernels, dumps and the QEMU lab
	qemu-system-x86 qemu-utils socat
	busybox-static cpio kmod
	xz-utils zstd
	linux-headers-amd64		# to build nogap.ko (and the lab's L1 kernel)
)

# nogap.ko must also build against Debian 12's 6.12 line: the newest
# linux-headers-6.12.*+deb12-amd64 the archive has.
h612=$(apt-cache search --names-only '^linux-headers-6\.12\..*\+deb12-amd64$' 2>/dev/null |
	awk '{ print $1 }' | sort -V | tail -n1)
[ -n "$h612" ] && packages+=("$h612")

say() { printf 'install-deps: %s\n' "$*"; }

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
	say "not a Debian system (no dpkg/apt-get): install these yourself:"
	say "${packages[*]}"
	exit 1
fi

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# Known to apt with an installable version?
known() {
	local cand
	cand=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
	[ -n "$cand" ] && [ "$cand" != "(none)" ]
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ "${1:-}" = "--check" ]; then
	if [ ${#missing[@]} -eq 0 ]; then
		say "all ${#packages[@]} packages are installed"
		exit 0
	fi
	say "missing: ${missing[*]}"
	exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
	say "all ${#packages[@]} packages are installed"
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		say "missing: ${missing[*]}"
		say "run as root (or install sudo) to install them"
		exit 1
	fi
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

apt_update() {
	say "apt-get update"
	"${sudo[@]}" apt-get update -q
}

updated=0
for p in "${missing[@]}"; do
	if ! known "$p"; then
		apt_update
		updated=1
		break
	fi
done

apt_install() {
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

say "installing: ${missing[*]}"
if ! apt_install; then
	# stale package lists give 404s: refresh once and try again
	[ $updated -eq 0 ] || exit 1
	apt_update
	apt_install
fi

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
	say "failed to install: ${still[*]}"
	exit 1
fi
say "installed ${#missing[@]} package(s)"
