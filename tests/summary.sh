#!/bin/sh
# Sum the "NAME: N passed, N failed" closing lines of the given logs into the
# one closing line of `make check`.
awk '/^[a-z-]+: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
     END { printf "all: %d passed, %d failed\n", p, f; exit (f > 0) }' "$@"
