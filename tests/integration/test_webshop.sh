#!/usr/bin/env bash
# test_webshop.sh - the web shop (examples/webshop/) through cbcached and
# straight to PostgreSQL must serve the same pages, byte for byte.
#
# Inside tests/harness/with-pg.sh: loads the shop (examples/shop/, scale
# $WS_SCALE, default 0.2) into a database of its own, starts cbcached with
# the shop's cache group and two php -S servers on the same application,
# one with the DSN through cbcached and one with the DSN straight to
# PostgreSQL.  Every page is fetched from both with curl (the HTTP bodies
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
#   after-direct-write  a product's name and price changed with psql
#                 straight on PostgreSQL, after that product was shown
#                 from the cache; the cached site must show the change
#                 within 5 s (cbcached sees only writes that pass through
#                 it until it follows the backend's change stream)
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
for v in big_cat target reviewed no_desc inactive sold_out busy_customer buyer; do
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
	if [ "$bad" -eq 0 ]; then
		echo "$me: [$stage] ok: $n pages equal through cbcached and straight to PostgreSQL ($how)"
	else
		echo "$me: [$stage] FAILED: $bad differences in $n pages" >&2
		failed_stages+=("$stage")
	fi
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
if awk -v r="$ratio" 'BEGIN { exit !(r > 0) }'; then
	echo "$me: [warm] ok: the admin page shows a hit ratio of $ratio %"
else
	echo "$me: [warm] the admin page shows a hit ratio of $ratio %, not above 0" >&2
	failed_stages+=("admin hit ratio")
fi
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

# ---- stage 4: a write straight to PostgreSQL ----------------------------------
# the product's row must be answered from the cache before the write, so
# that the write changes something the cache holds: the order form looks
# up the product by id (a cache hit once the product is loaded)
lookup='SELECT name, price FROM product WHERE id = $1'
from_cache=0
for _ in 1 2 3 4 5; do
	hits_before="$(shape_hits "$lookup")"
	curl -s -o /dev/null "$cache_url/order.php?customer=$buyer&product=$target"
	hits_after="$(shape_hits "$lookup")"
	if [ "$((hits_after - hits_before))" -gt 0 ]; then
		from_cache=1
		break
	fi
done
if [ "$from_cache" -eq 0 ]; then
	echo "$me: [before-direct-write] product $target was not answered from the cache in 5 tries:" >&2
	admin SHOW STATS | grep -E 'queries_|cache_inval|cache_rows ' >&2
	admin SHOW QUERIES | grep -F "$lookup" >&2
	failed_stages+=("before-direct-write")
else
	echo "$me: [before-direct-write] ok: the order form's lookup of product $target was answered from the cache"
fi
shop_psql -c "UPDATE product SET name = name || ' (neu)', price = price + 1.00 WHERE id = $target" >/dev/null
new_name="$(q "SELECT name FROM product WHERE id = $target")"
new_name_html="$(sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' -e "s/'/\&apos;/g" <<<"$new_name")"
# the change must reach the cached site within 5 s (the design's budget is
# 100 ms): poll the order form, whose product lookup came from the cache,
# instead of waiting a fixed time
seen=0
for _ in $(seq 1 50); do
	if curl -s "$cache_url/order.php?customer=$buyer&product=$target" | grep -qF "<td>$new_name_html, "; then
		seen=1
		break
	fi
	sleep 0.1
done
if [ "$seen" -eq 1 ]; then
	echo "$me: [after-direct-write] the cached site shows the new name of product $target"
else
	echo "$me: [after-direct-write] the cached site still shows the old name of product $target after 5 s" >&2
fi
compare_pages after-direct-write "${after_order[@]}"

if [ "${#failed_stages[@]}" -gt 0 ]; then
	fail "stages with differences: ${failed_stages[*]}"
fi
echo "$me: ok"
