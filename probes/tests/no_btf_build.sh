#!/bin/sh
# no_btf_build.sh - the build without kernel BTF: configure a scratch build
# whose -Dvmlinux_btf names a missing file, as on a kernel without
# /sys/kernel/btf/vmlinux.  Configuring must succeed, no BPF program may be
# built, and the harness's probes collector must be compiled with the
# reason (it then reports every probe group "unavailable: <reason>").
#
#   no_btf_build.sh SOURCE_DIR
set -eu
src=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

meson setup "$scratch" "$src" -Dvmlinux_btf=/nonexistent/vmlinux >"$scratch/setup.log" 2>&1 ||
	{ cat "$scratch/setup.log"; fail "meson setup failed without BTF"; }
echo "ok: configured without BTF"
grep -q 'PROBES_UNAVAILABLE_REASON=.*/nonexistent/vmlinux\$ missing' "$scratch/build.ninja" ||
	fail "the harness is not compiled with the missing-BTF reason"
echo "ok: the harness is compiled with the reason"
if grep -q 'skel\.h' "$scratch/build.ninja"; then
	fail "BPF skeletons are still built"
fi
echo "ok: no BPF program is built"
# The collector itself, compiled: the reason is in the object.
obj=$(sed -n 's/^build \(cli\/harness\.p\/collectors_probes\.c\.o\):.*/\1/p' "$scratch/build.ninja")
[ -n "$obj" ] || fail "no collectors/probes.c object in the scratch build"
ninja -C "$scratch" "$obj" >"$scratch/ninja.log" 2>&1 || { cat "$scratch/ninja.log"; fail "collectors/probes.c does not compile without BTF"; }
grep -q "nonexistent/vmlinux missing" "$scratch/$obj" || fail "the compiled collector lacks the reason"
echo "ok: the compiled collector carries the reason"
echo "4 checks, 0 failed"
