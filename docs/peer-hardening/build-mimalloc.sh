#!/bin/sh
# build-mimalloc.sh OUTDIR - Debian 12's mimalloc (2.0.9+ds-2), built from
# its source package four ways with Debian's own flags (debian/rules), so
# that `harness ab` can measure what hardening costs mimalloc on the same
# workloads as HAKMEM's (README, "What the same checks cost mimalloc"):
#
#   libmimalloc-plain.so    as Debian builds it (MI_SECURE off)
#   libmimalloc-encoded.so  + encoded free lists, each link checked at pop
#                           ("in the same page") and cleared at malloc
#   libmimalloc-checks.so   + the double-free test at free, which reads the
#                           block's link (HAKMEM's set of checks)
#   libmimalloc-secure.so   MI_SECURE=ON (level 4: the above, and guard
#                           pages, randomised free lists, segment cookies)
#
# mimalloc's own switches give encoded lists and the double-free test only
# from secure level 3 and 4, with guard pages and randomisation; the patch
# beside this script (mimalloc-checks.patch) adds two macros that turn on
# just those checks.  Needs curl, cmake, make, gcc and dpkg-dev.
set -eu

out=${1:?usage: build-mimalloc.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
pool=http://deb.debian.org/debian/pool/main/m/mimalloc
tarball=mimalloc_2.0.9+ds.orig.tar.xz
sha256=cbc9d207ff105ad1f0cb739c378076143a6452b8d0624309cea0abfb040e972b   # from mimalloc_2.0.9+ds-2.dsc

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
curl -sSf -o "$tarball" "$pool/$tarball"
echo "$sha256  $tarball" | sha256sum -c --quiet
tar xf "$tarball"
cd mimalloc-2.0.9+ds
patch -s -p1 < "$here/mimalloc-checks.patch"

# debian/rules: DEB_BUILD_MAINT_OPTIONS=hardening=+all, -Wall -pedantic
export DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_CFLAGS_MAINT_APPEND="-Wall -pedantic"
cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)

build() {   # build NAME SECURE EXTRA_CFLAGS LIBRARY
	mkdir "b-$1"
	(cd "b-$1" &&
	 CFLAGS="$cflags $3" LDFLAGS="$ldflags" cmake .. -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DMI_BUILD_STATIC=OFF -DMI_BUILD_OBJECT=OFF -DMI_BUILD_TESTS=OFF \
		-DMI_SECURE="$2" >cmake.log 2>&1 &&
	 make -j"$(nproc)" >make.log 2>&1) || { cat "b-$1"/*.log >&2; exit 1; }
	cp "b-$1/$4" "$out/libmimalloc-$1.so"
	echo "$out/libmimalloc-$1.so"
}
build plain   OFF ""                                          libmimalloc.so.2.0
build encoded OFF "-DHK_PEER_ENCODE"                          libmimalloc.so.2.0
build checks  OFF "-DHK_PEER_ENCODE -DHK_PEER_DOUBLE_FREE"    libmimalloc.so.2.0
build secure  ON  ""                                          libmimalloc-secure.so.2.0
