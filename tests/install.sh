#!/bin/bash
# `make install` into a scratch DESTDIR (PREFIX=/usr), then check what
# the installed files promise: the binary and the man page are there,
# every /usr/share/doc path the shipped config names exists, every
# example rule and test is installed, and the installed examples work
# from where they are (`klaxon test` on the installed tests, which read
# the installed default config; `klaxon check` and a dry-run of the
# installed demo config over the installed logs).
#   tests/install.sh [BUILD_DIR]
# Last line: "install: N passed, N failed".
set -u
b=${1:-build}
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { # check WHAT COMMAND...
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "install: FAIL $what"
		sed 's/^/    /' "$tmp/out" | head -20
	fi
}
root=$tmp/root
doc=$root/usr/share/doc/klaxon
check "make install DESTDIR=... PREFIX=/usr" \
    make --no-print-directory -s install B="$b" DESTDIR="$root" PREFIX=/usr
check "bin/klaxon" test -x "$root/usr/bin/klaxon"
check "man page" test -f "$root/usr/share/man/man8/klaxon.8"
for p in $(grep -o '/usr/share/doc/[^ ,;"]*' packaging/etc/klaxon.conf |
    sed 's/\.$//' | sort -u); do
	check "$p, named in packaging/etc/klaxon.conf" test -e "$root$p"
done
for f in packaging/examples/rules/*.conf packaging/examples/tests/*.test.conf; do
	check "${f#packaging/} installed" cmp -s "$f" "$doc/${f#packaging/}"
done
check "installed tests pass from the installed tree" \
    "$root/usr/bin/klaxon" test "$doc"/examples/tests/*.test.conf
check "installed demo config checks" \
    "$root/usr/bin/klaxon" check -c "$doc/examples/klaxon.conf"
check "installed demo dry-runs" \
    "$root/usr/bin/klaxon" dry-run -c "$doc/examples/klaxon.conf" "$doc"/examples/logs/*
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
