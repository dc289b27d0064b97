#!/bin/sh
# make demo: dry-run the example rules over the bundled example logs and
# print the timeline of alerts, then a summary per rule and per input.
set -e
klaxon=${1:-build/klaxon}
dir=$(dirname "$0")
echo "== klaxon dry-run -c $dir/klaxon.conf $dir/logs/*"
echo
exec "$klaxon" dry-run -c "$dir/klaxon.conf" "$dir"/logs/*
