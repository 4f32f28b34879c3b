#!/usr/bin/env bash
# test_webshop.sh - the web shop (examples/webshop/) through cbcached and
# straight to PostgreSQL must serve the same pages, byte for byte.
#
# Inside tests/harness/with-pg.sh: loads the shop (examples/shop/, scale
# $WS_SCALE, default 0.2) into a database of its own, starts cbcached with
# the shop's cache group (its change stream must run) and two php -S
# servers on the same application, one with the DSN through cbcached and
# one with the DSN straight to PostgreSQL.  Every page is fetched from both with curl (the HTTP bodies
# must be equal) and opened in headless Chromium (the DOMs, --dump-dom,
# must be equal), in these stages:
#
#   cold          the cache empty; the misses queue fills
#   warm          every page fetched twice more, WAIT FILLS: answered from
#                 the cache (cache hits must grow); the admin page must
#                 show a hit ratio above 0, the direct site's says "no cache"
#   after-order   an order placed through the cached site by Chromium
#                 submitting the order form (the redirect shows the new
#                 order at once: read-your-writes); invalid orders refused
#   after-order-warm  the same pages once the cache has filled again
#                 (curl only)
#   after-direct-write  one transaction straight on PostgreSQL (psql, not
#                 through cbcached) renames and reprices a product the
#                 cache answered, adds a review of it, sells out another
#                 product and deletes one of its reviews, and moves a
#                 product to another cached category; the test waits until
#                 cbcached's change stream applied the WAL flushed by the
#                 (synchronous) commit (SHOW STATS repl_applied_lsn against
#                 pg_current_wal_flush_lsn(), at most 60 s) and WAIT FILLS; the
#                 product's lookup must show the new name (and come from
#                 the cache again), then every page must be equal
#   after-direct-write-warm  the same once the cache filled again (curl
#                 only), and VERIFY finds the cache equal to PostgreSQL
#
# Every stage runs; the test fails at the end if any stage failed, and
# prints the first differing bytes of each differing page.  The sites open
# a new connection per page (the application's default); WS_PERSISTENT=1
# makes each php -S keep its connection (SHOP_PERSISTENT=1).
set -euo pipefail

me=test_webshop
fail() {
	echo "$me: FAIL: $*" >&2
	exit 1
}

command -v chromium >/dev/null || fail "chromium not found: install the Debian package chromium (scripts/install-deps.sh)"
command -v curl >/dev/null || fail "curl not found: install the Debian package curl (scripts/install-deps.sh)"
command -v php >/dev/null || fail "php not found: install the Debian packages php-cli and php-odbc (scripts/install-deps.sh)"
mods="$(php -m)" || fail "php -m failed"
grep -qi '^pdo_odbc$' <<<"$mods" || fail "PDO_ODBC missing: install the Debian package php-odbc"
: "${CB_PG_DIR:?run inside tests/harness/with-pg.sh}"

export WS_ROOT="$top_srcdir" WS_BUILD="$top_builddir"
export SHOP_PERSISTENT="${WS_PERSISTENT:-0}"
# shellcheck source=../../examples/webshop/webshop-lib.sh
. "$top_srcdir/examples/webshop/webshop-lib.sh"
trap ws_stop_all EXIT
admin() { "$top_builddir/src/cbcache-admin" -s "$WS_ADMIN_SOCK" "$@"; }
shop_psql() { psql -X -q -A -t -d shop -v ON_ERROR_STOP=1 "$@"; }
stat_value() { admin --json SHOW STATS | /usr/bin/python3 -c '
import json, sys
print(next(r["value"] for r in json.load(sys.stdin)["rows"] if r["name"] == sys.argv[1]))' "$1"; }
# shape_hits SQL: cache hits of one statement shape (SHOW QUERIES), 0 if unseen
shape_hits() { admin --json SHOW QUERIES | /usr/bin/python3 -c '
import json, sys
print(sum(int(r["cache_hits"]) for r in json.load(sys.stdin)["rows"] if r["query"] == sys.argv[1]))' "$1"; }

ws_load_shop "${WS_SCALE:-0.2}" || fail "loading the shop failed"
"$top_builddir/src/cbcache-cg" check "$top_srcdir/examples/shop/shop.cg" --backend "host=$PGHOST port=$PGPORT dbname=shop" \
	>"$CB_PG_DIR/cg-check.out" 2>&1 || fail "cbcache-cg check refuses examples/shop/shop.cg: $(cat "$CB_PG_DIR/cg-check.out")"
ws_start_cbcached "$CB_PG_DIR/cbd" || fail "cbcached did not start"
[ "$(stat_value repl_stream)" = 1 ] ||
	fail "cbcached runs without the change stream (the cache answers nothing): $(grep -i 'stream' "$WS_CBD_LOG" | tail -n 5)"
ws_odbc_ini "$CB_PG_DIR/odbc" || fail "writing the ODBC ini files failed"
ws_start_php cache shop "$WS_ADMIN_SOCK" || fail "php -S (through cbcached) did not start"
cache_url="http://127.0.0.1:$WS_PHP_PORT"
ws_start_php direct shop-direct || fail "php -S (straight to PostgreSQL) did not start"
direct_url="http://127.0.0.1:$WS_PHP_PORT"
echo "$me: cbcached on port $WS_CBD_PORT; site through cbcached $cache_url, straight to PostgreSQL $direct_url"

# ---- the pages, with ids that reach the data's hard cases ------------------
q() { shop_psql -c "$1"; }
big_cat="$(q "SELECT category_id FROM product GROUP BY category_id ORDER BY count(*) DESC, category_id LIMIT 1")"
# the product that is ordered and later changed: on sale, in stock, on the
# first page of its category, with reviews
target="$(q "SELECT p.id FROM product p JOIN stock s ON s.product_id = p.id
	WHERE p.category_id = $big_cat AND p.active AND s.quantity >= 5 AND EXISTS (SELECT FROM review r WHERE r.product_id = p.id)
	ORDER BY p.id LIMIT 1")"
reviewed="$(q "SELECT product_id FROM review GROUP BY product_id ORDER BY count(*) DESC, product_id LIMIT 1")"
no_desc="$(q "SELECT id FROM product WHERE description IS NULL AND weight_g IS NULL ORDER BY id LIMIT 1")"
inactive="$(q "SELECT id FROM product WHERE NOT active ORDER BY id LIMIT 1")"
sold_out="$(q "SELECT product_id FROM stock WHERE quantity = 0 ORDER BY product_id LIMIT 1")"
busy_customer="$(q "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1")"
# the customer who orders: no first name, no city, a few orders with notes
buyer="$(q "SELECT c.id FROM customer c WHERE c.first_name IS NULL AND EXISTS (SELECT FROM orders o WHERE o.customer_id = c.id)
	ORDER BY c.id LIMIT 1")"
# the product moved straight on PostgreSQL to another category (a leaf
# with products, whose page is compared too)
moved="$(q "SELECT id FROM product WHERE category_id = $big_cat AND id NOT IN ($target, $reviewed) ORDER BY id LIMIT 1")"
other_cat="$(q "SELECT c.id FROM category c WHERE c.id <> $big_cat AND NOT EXISTS (SELECT FROM category k WHERE k.parent_id = c.id)
	AND EXISTS (SELECT FROM product p WHERE p.category_id = c.id) ORDER BY c.id LIMIT 1")"
for v in big_cat target reviewed no_desc inactive sold_out busy_customer buyer moved other_cat; do
	[ -n "${!v}" ] || fail "no row found for $v in the shop data"
done
pages=(
	"index.php"
	"category.php?id=1"
	"category.php?id=$big_cat"
	"category.php?id=$big_cat&page=2"
	"category.php?id=$big_cat&sort=name"
	"category.php?id=$big_cat&sort=price&page=2"
	"category.php?id=$big_cat&sort=new"
	"category.php?id=$other_cat"
	"product.php?id=$target"
	"product.php?id=$reviewed"
	"product.php?id=$no_desc"
	"product.php?id=$inactive"
	"product.php?id=$sold_out"
	"customer.php?id=$busy_customer"
	"customer.php?id=$buyer"
	"order.php?customer=$buyer&product=$target"
	"product.php?id=99999999"
)

# ---- fetching and comparing -------------------------------------------------
# chromium_dump URL OUT: the DOM of URL after it loaded (--dump-dom).
chromium_dump() {
	local ud rc=0
	ud="$(mktemp -d "$CB_PG_DIR/chromium.XXXXXX")"
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$ud" ${CHROMIUM_EXTRA:-} --dump-dom "$1" >"$2" 2>"$2.err" || rc=$?
	rm -rf "$ud"
	return "$rc"
}

# show_difference A B: where two files first differ (the bytes from there,
# as Python writes bytes), and the differing lines.
show_difference() {
	/usr/bin/python3 - "$1" "$2" <<'PY' >&2
import sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
line = a[:at].count(10) + 1
print(f"  first difference at byte {at} (line {line}):")
print(f"    through cbcached:        {a[at:at + 48]!r}")
print(f"    straight to PostgreSQL:  {b[at:at + 48]!r}")
PY
	diff -u --label through-cbcached --label straight-to-postgresql "$1" "$2" | head -n 30 >&2 || true
}

failed_stages=()
# stage_verdict STAGE NAME OK BAD COMMAND...: run COMMAND; when it succeeds,
# say "[STAGE] ok: OK", else say "[STAGE] BAD" and count NAME among the
# failed stages.
stage_verdict() {
	local stage="$1" name="$2" ok="$3" bad="$4"
	shift 4
	if "$@"; then
		echo "$me: [$stage] ok: $ok"
	else
		echo "$me: [$stage] $bad" >&2
		failed_stages+=("$name")
	fi
}
# compare_pages [--no-chromium] STAGE URL-PATH...: every page from both
# sites, by curl (HTTP status and body) and by Chromium (DOM); a difference
# fails the stage.
compare_pages() {
	local chromium=1 how="HTTP bodies and Chromium DOMs"
	if [ "$1" = --no-chromium ]; then
		chromium=0
		how="HTTP bodies"
		shift
	fi
	local stage="$1" n=0 bad=0 dir u
	shift
	dir="$CB_PG_DIR/pages-$stage"
	mkdir -p "$dir"
	for u in "$@"; do
		n=$((n + 1))
		local a="$dir/$n.cache" b="$dir/$n.direct" sa sb
		sa="$(curl -s -o "$a.body" -w '%{http_code}' "$cache_url/$u")" || sa="curl failed"
		sb="$(curl -s -o "$b.body" -w '%{http_code}' "$direct_url/$u")" || sb="curl failed"
		if [ "$sa" != "$sb" ]; then
			echo "$me: [$stage] $u: HTTP status $sa through cbcached, $sb straight to PostgreSQL" >&2
			bad=$((bad + 1))
		elif ! cmp -s "$a.body" "$b.body"; then
			echo "$me: [$stage] $u: the HTTP bodies differ" >&2
			show_difference "$a.body" "$b.body"
			bad=$((bad + 1))
		fi
		case "$sb" in
		200 | 404) ;;
		*) echo "$me: [$stage] $u: HTTP status $sb straight to PostgreSQL: $(head -c 300 "$b.body")" >&2; bad=$((bad + 1)) ;;
		esac
		[ "$chromium" -eq 1 ] || continue
		local ra=0 rb=0
		chromium_dump "$cache_url/$u" "$a.dom" &
		local pa=$!
		chromium_dump "$direct_url/$u" "$b.dom" || rb=$?
		wait "$pa" || ra=$?
		if [ "$ra" -ne 0 ] || [ "$rb" -ne 0 ] || ! grep -q '</footer>' "$a.dom" || ! grep -q '</footer>' "$b.dom"; then
			echo "$me: [$stage] $u: Chromium did not render the whole page (exit $ra/$rb); its stderr:" >&2
			tail -n 5 "$a.dom.err" "$b.dom.err" >&2
			bad=$((bad + 1))
		elif ! cmp -s "$a.dom" "$b.dom"; then
			echo "$me: [$stage] $u: the Chromium DOMs differ" >&2
			show_difference "$a.dom" "$b.dom"
			bad=$((bad + 1))
		fi
	done
	stage_verdict "$stage" "$stage" "$n pages equal through cbcached and straight to PostgreSQL ($how)" \
		"FAILED: $bad differences in $n pages" [ "$bad" -eq 0 ]
}

# warm URL-PATH...: every page twice through cbcached, then wait for the fills.
warm() {
	local u
	for _ in 1 2; do
		for u in "$@"; do
			curl -s -o /dev/null "$cache_url/$u" || fail "fetching $u through cbcached failed"
		done
	done
	admin WAIT FILLS 60000 >/dev/null || fail "WAIT FILLS: the fills did not finish: $(admin SHOW FILLS)"
}

# ---- stage 1: cold ----------------------------------------------------------
compare_pages cold "${pages[@]}"

# ---- stage 2: warm; the hit ratio on the admin page --------------------------
warm "${pages[@]}"
hits_before="$(stat_value queries_cache_hits)"
compare_pages warm "${pages[@]}"
hits_after="$(stat_value queries_cache_hits)"
echo "$me: [warm] the comparison got $((hits_after - hits_before)) statements answered from the cache"
[ "$((hits_after - hits_before))" -gt 0 ] || failed_stages+=("warm: no cache hits")
chromium_dump "$cache_url/admin.php" "$CB_PG_DIR/admin.dom" || fail "Chromium could not open the admin page"
ratio="$(sed -n 's|.*<strong id="hit-ratio">\([0-9.]*\) %</strong>.*|\1|p' "$CB_PG_DIR/admin.dom")"
[ -n "$ratio" ] || fail "the admin page shows no hit ratio: $(head -c 2000 "$CB_PG_DIR/admin.dom")"
stage_verdict warm "admin hit ratio" "the admin page shows a hit ratio of $ratio %" \
	"the admin page shows a hit ratio of $ratio %, not above 0" awk -v r="$ratio" 'BEGIN { exit !(r > 0) }'
chromium_dump "$direct_url/admin.php" "$CB_PG_DIR/admin-direct.dom" || fail "Chromium could not open the direct site's admin page"
grep -q 'id="no-cache"' "$CB_PG_DIR/admin-direct.dom" || fail "the direct site's admin page does not say that there is no cache"

# ---- stage 3: an order through the form ----------------------------------------
orders_before="$(q "SELECT count(*) FROM orders")"
stock_before="$(q "SELECT quantity FROM stock WHERE product_id = $target")"
# refused orders change nothing: a quantity of 0, more than in stock
status="$(curl -s -o "$CB_PG_DIR/bad1.html" -w '%{http_code}' --data-urlencode "customer=$buyer" \
	--data-urlencode "product[]=$target" --data-urlencode "quantity[]=0" "$cache_url/order.php")"
[ "$status" = 422 ] || fail "an order of quantity 0 got HTTP $status, not 422"
status="$(curl -s -o "$CB_PG_DIR/bad2.html" -w '%{http_code}' --data-urlencode "customer=$buyer" \
	--data-urlencode "product[]=$sold_out" --data-urlencode "quantity[]=1" "$cache_url/order.php")"
[ "$status" = 409 ] || fail "an order of a sold-out product got HTTP $status, not 409"
grep -q 'only 0 in stock' "$CB_PG_DIR/bad2.html" || fail "the sold-out order's page does not say why: $(cat "$CB_PG_DIR/bad2.html")"
[ "$(q "SELECT count(*) FROM orders")" = "$orders_before" ] || fail "a refused order left rows behind"

# Chromium opens a page that fills in the order form and submits it to the
# cached site; the dumped DOM is the page the redirect leads to.
note='Bitte klingeln – Tür <links> & "oben"'
note_html='Bitte klingeln – Tür &lt;links&gt; &amp; "oben"'
cat >"$CB_PG_DIR/order-form.html" <<HTML
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>submit an order</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="$cache_url/order.php" accept-charset="UTF-8">
<input name="customer" value="$buyer">
<input name="product[]" value="$target"><input name="quantity[]" value="2">
<input name="product[]" value="$reviewed"><input name="quantity[]" value="1">
<input name="product[]" value=""><input name="quantity[]" value="">
<input type="checkbox" name="gift" value="1" checked>
<textarea name="note">$(sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' <<<"$note")</textarea>
</form></body></html>
HTML
CHROMIUM_EXTRA="--virtual-time-budget=15000" chromium_dump "file://$CB_PG_DIR/order-form.html" "$CB_PG_DIR/ordered.dom" ||
	fail "Chromium could not submit the order form: $(tail -n 5 "$CB_PG_DIR/ordered.dom.err")"
order="$(q "SELECT max(id) FROM orders")"
[ "$(q "SELECT count(*) FROM orders")" = $((orders_before + 1)) ] || fail "the order form did not add exactly one order"
[ "$(q "SELECT customer_id, gift, note FROM orders WHERE id = $order")" = "$buyer|t|$note" ] ||
	fail "order $order does not hold what the form sent: $(q "SELECT * FROM orders WHERE id = $order")"
[ "$(q "SELECT string_agg(product_id || 'x' || quantity, ' ' ORDER BY line_no) FROM order_line WHERE order_id = $order")" = "${target}x2 ${reviewed}x1" ] ||
	fail "order $order has the wrong lines: $(q "SELECT * FROM order_line WHERE order_id = $order")"
[ "$(q "SELECT quantity FROM stock WHERE product_id = $target")" = $((stock_before - 2)) ] || fail "the order did not take 2 from the stock"
grep -q "Your order no. $order has been placed" "$CB_PG_DIR/ordered.dom" ||
	fail "Chromium did not land on the confirmation: $(head -c 3000 "$CB_PG_DIR/ordered.dom")"
# read-your-writes: the page the redirect leads to already lists the order
grep -q "<article id=\"order-$order\">" "$CB_PG_DIR/ordered.dom" || fail "the confirmation page does not list order $order"
grep -qF "$note_html" "$CB_PG_DIR/ordered.dom" || fail "the confirmation page does not show the order's note"
echo "$me: [order] ok: Chromium placed order $order through the form on the cached site; the redirect shows it"
after_order=("${pages[@]}" "customer.php?id=$buyer&placed=$order")
compare_pages after-order "${after_order[@]}"
warm "${after_order[@]}"
compare_pages --no-chromium after-order-warm "${after_order[@]}"
admin VERIFY >"$CB_PG_DIR/verify.out" 2>&1 || { cat "$CB_PG_DIR/verify.out" >&2; fail "VERIFY: the cache differs from PostgreSQL after the order"; }
echo "$me: [after-order-warm] ok: VERIFY finds the cache equal to PostgreSQL"

# ---- stage 4: writes straight to PostgreSQL ------------------------------------
# One transaction made with psql, not through cbcached, changes rows the
# cache holds: the target's name and price, a new review of it, the stock
# of the most reviewed product (sold out, a delivery date) and one of its
# reviews deleted, and a product moved from the big category to another
# one whose page is cached too.  The cache learns of it only from the
# backend's change stream.
#
# The product's row must be answered from the cache before the write, so
# that the write changes something the cache holds: the order form looks
# up the product by id (a cache hit once the product is loaded); the
# driver sends the id, bound by PDO as an integer (SQL_INTEGER), as $1::int4.
lookup='SELECT name, price FROM product WHERE id = $1::int4'
# lookup_hit OUT: the order form of the target through cbcached into OUT;
# true when its product lookup was answered from the cache.
# An answer the driver gave in PHP's process reaches SHOW QUERIES through
# its hit report (doc/cache.md, "Hits in the application's process"),
# sent when the page's connection closes and read by another thread of
# cbcached: wait up to 5 s for it.
lookup_hit() {
	local before after i
	before="$(shape_hits "$lookup")"
	curl -s -o "$1" "$cache_url/order.php?customer=$buyer&product=$target" || return 1
	for i in $(seq 1 100); do
		after="$(shape_hits "$lookup")"
		[ "$((after - before))" -gt 0 ] && return 0
		sleep 0.05
	done
	return 1
}
from_cache=0
for _ in 1 2 3 4 5; do
	if lookup_hit "$CB_PG_DIR/order-before.html"; then
		from_cache=1
		break
	fi
	admin WAIT FILLS 60000 >/dev/null || fail "WAIT FILLS: the fills did not finish: $(admin SHOW FILLS)"
done
if [ "$from_cache" -eq 0 ]; then
	echo "$me: [before-direct-write] product $target was not answered from the cache in 5 tries:" >&2
	admin SHOW STATS | grep -E 'queries_|cache_inval|cache_rows ' >&2
	admin SHOW QUERIES | grep -F "$lookup" >&2
	failed_stages+=("before-direct-write")
else
	echo "$me: [before-direct-write] ok: the order form's lookup of product $target was answered from the cache"
fi
repl_before="$(stat_value repl_transactions)"
shop_psql >/dev/null <<SQL
BEGIN;
SET LOCAL synchronous_commit = on;
UPDATE product SET name = name || ' (neu)', price = price + 1.00 WHERE id = $target;
INSERT INTO review (product_id, customer_id, author, rating, title, body, verified, created_at)
	VALUES ($target, $buyer, 'Direkt & <psql>', 4, 'An cbcached vorbei "geschrieben"', NULL, false, '2026-12-01 10:00:00+01');
UPDATE stock SET quantity = 0, restock_on = '2027-01-15' WHERE product_id = $reviewed;
DELETE FROM review WHERE id = (SELECT min(id) FROM review WHERE product_id = $reviewed);
UPDATE product SET category_id = $other_cat WHERE id = $moved;
COMMIT;
SQL
# The harness runs PostgreSQL with synchronous_commit = off; the
# transaction turned it on, so its commit returned only once the WAL was
# flushed up to the commit's end: the flush position now is at or past
# it.  Once the cache's applier has passed that position (the commit's
# end, or a later idle position the stream reports), the transaction is in
# the cache.  pg_current_wal_lsn() (written, not flushed) and
# pg_current_wal_insert_lsn() (past a page header at a page boundary) are
# not that bound.
wal_end="$(q "SELECT pg_current_wal_flush_lsn() - '0/0'")"
applied=0
deadline=$((SECONDS + 60))
while :; do
	applied="$(stat_value repl_applied_lsn)"
	[ "$applied" -ge "$wal_end" ] && break
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "$me: [after-direct-write] the change stream did not apply WAL up to $wal_end within 60 s (applied: $applied):" >&2
		admin SHOW STATS | grep -E '^ *repl_' >&2
		tail -n 20 "$WS_CBD_LOG" >&2
		fail "the cache did not receive the write straight to PostgreSQL"
	fi
	sleep 0.05
done
# invalidations and fills the applier caused are done before the pages
admin WAIT FILLS 60000 >/dev/null || fail "WAIT FILLS after the direct write: $(admin SHOW FILLS)"
echo "$me: [after-direct-write] the change stream applied the write ($(($(stat_value repl_transactions) - repl_before)) transactions, WAL up to $applied >= $wal_end)"
new_name="$(q "SELECT name FROM product WHERE id = $target")"
new_name_html="$(sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' -e "s/'/\&apos;/g" <<<"$new_name")"
# the applier changed the cached row (the lookup is still a cache hit, and
# shows the new name), or dropped it (a miss, PostgreSQL answers, the fill
# loads the new row): either way no read may show the old name
from_cache=0
for try in 1 2 3 4 5; do
	if lookup_hit "$CB_PG_DIR/order-after.html"; then
		from_cache=1
	fi
	if ! grep -qF "<td>$new_name_html, " "$CB_PG_DIR/order-after.html"; then
		echo "$me: [after-direct-write] the order form (try $try, from the cache: $from_cache) does not show the new name of product $target:" >&2
		grep -F '<td>' "$CB_PG_DIR/order-after.html" | head -n 3 >&2
		failed_stages+=("after-direct-write: stale product name")
		break
	fi
	[ "$from_cache" -eq 1 ] && break
	admin WAIT FILLS 60000 >/dev/null || fail "WAIT FILLS: the fills did not finish: $(admin SHOW FILLS)"
done
stage_verdict after-direct-write "after-direct-write: lookup not cached again" \
	"the order form's lookup of product $target comes from the cache with the new name" \
	"product $target's lookup was not answered from the cache again in 5 tries" [ "$from_cache" -eq 1 ]
after_direct=("${after_order[@]}" "product.php?id=$moved")
compare_pages after-direct-write "${after_direct[@]}"
warm "${after_direct[@]}"
compare_pages --no-chromium after-direct-write-warm "${after_direct[@]}"
if admin VERIFY >"$CB_PG_DIR/verify2.out" 2>&1; then
	echo "$me: [after-direct-write-warm] ok: VERIFY finds the cache equal to PostgreSQL"
else
	cat "$CB_PG_DIR/verify2.out" >&2
	failed_stages+=("VERIFY after the direct write")
fi

if [ "${#failed_stages[@]}" -gt 0 ]; then
	fail "stages with differences: ${failed_stages[*]}"
fi
echo "$me: ok"
