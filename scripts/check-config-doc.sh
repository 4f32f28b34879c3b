#!/usr/bin/env bash
# check-config-doc.sh - fail when a cbcache.conf key of the table in
# src/config.c (cfg_params[]) has no "### key" section in doc/config.md, or
# doc/config.md documents a key the table does not have; likewise for the
# SHOW STATS counters of src/admin.c and doc/admin.md.  Run by make check.
set -euo pipefail
root="${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}"
status=0

keys="$(sed -n 's/^[[:space:]]*{"\([a-z_]*\)", CFG_[A-Z]*,.*/\1/p' "$root/src/config.c")"
[ -n "$keys" ] || { echo "check-config-doc: no keys found in src/config.c (did cfg_params change shape?)"; exit 1; }
documented="$(sed -n 's/^### `\{0,1\}\([a-z_]*\)`\{0,1\}[[:space:]]*$/\1/p' "$root/doc/config.md")"
for k in $keys; do
	if ! grep -qx "$k" <<<"$documented"; then
		echo "check-config-doc: key $k (src/config.c) is not documented: add a \"### $k\" section to doc/config.md"
		status=1
	fi
done
for k in $documented; do
	if ! grep -qx "$k" <<<"$keys"; then
		echo "check-config-doc: doc/config.md documents $k, which src/config.c does not have: remove it"
		status=1
	fi
done

stats="$(sed -n 's/^[[:space:]]*stat_row(r, "\([a-z_]*\)".*/\1/p' "$root/src/admin.c")"
[ -n "$stats" ] || { echo "check-config-doc: no SHOW STATS rows found in src/admin.c"; exit 1; }
for s in $stats; do
	if ! grep -q "^| \`$s\` |" "$root/doc/admin.md"; then
		echo "check-config-doc: SHOW STATS counter $s (src/admin.c) is not in the table of doc/admin.md"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "check-config-doc: $(wc -w <<<"$keys") keys and $(wc -w <<<"$stats") counters documented"
exit "$status"
