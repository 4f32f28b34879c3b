<?php
// A customer's page: customer.php?id=N[&placed=ORDER].  The customer, the
// latest orders with their lines, the money spent and the customer's
// reviews.  The order form redirects here after an order (placed=...).
declare(strict_types=1);
require __DIR__ . '/../lib/shop.php';

const SHOWN_ORDERS = 10;

$id = shop_int_param($_GET, 'id');
if ($id === null) {
    shop_fail(400, 'Customer', 'Which customer? Give customer.php?id=N.');
}
$placed = shop_int_param($_GET, 'placed');

$c = shop_row('SELECT id, email, first_name, last_name, city, country, newsletter, created_at FROM customer WHERE id = ?', [$id]);
if ($c === null) {
    shop_fail(404, 'Customer', "There is no customer $id.");
}
$count = (int)shop_row('SELECT count(*) AS n FROM orders WHERE customer_id = ?', [$id])['n'];
// newest first by a timestamptz: PostgreSQL answers
$orders = shop_rows(
    'SELECT id, placed_at, status, gift, note FROM orders WHERE customer_id = ? ORDER BY placed_at DESC, id DESC LIMIT ' . SHOWN_ORDERS,
    [$id]
);
$lines = [];
if ($orders !== []) {
    $ids = array_map(fn($o) => (int)$o['id'], $orders);
    // a join along the RCCs orders -> order_line -> product: the cache answers
    foreach (shop_rows(
        'SELECT l.order_id, l.line_no, l.quantity, l.unit_price, p.id AS product_id, p.name '
        . 'FROM order_line l JOIN product p ON p.id = l.product_id WHERE l.order_id IN (' . shop_marks(count($ids)) . ') '
        . 'ORDER BY l.order_id, l.line_no',
        $ids
    ) as $l) {
        $lines[(int)$l['order_id']][] = $l;
    }
}
// numeric arithmetic summed over a join: PostgreSQL answers
$spent = shop_row(
    'SELECT sum(l.quantity * l.unit_price) AS total FROM orders o JOIN order_line l ON l.order_id = o.id '
    . "WHERE o.customer_id = ? AND o.status <> 'cancelled'",
    [$id]
)['total'];
// no entry point on review.customer_id: PostgreSQL answers
$reviews = shop_rows(
    'SELECT r.id, r.rating, r.title, p.id AS product_id, p.name FROM review r JOIN product p ON p.id = r.product_id '
    . 'WHERE r.customer_id = ? ORDER BY r.id DESC LIMIT 5',
    [$id]
);

$name = trim(($c['first_name'] ?? '') . ' ' . $c['last_name']);
shop_header($name);
if ($placed !== null) {
    echo '<p class="notice">Thank you! Your order no. ', $placed, " has been placed.</p>\n";
}
echo "<dl class=\"customer\">\n";
echo '<dt>Customer no.</dt><dd>', (int)$c['id'], "</dd>\n";
echo '<dt>E-mail</dt><dd>', h($c['email']), "</dd>\n";
echo '<dt>Lives in</dt><dd>', $c['city'] === null ? '' : h($c['city']) . ', ', h($c['country']), "</dd>\n";
echo '<dt>Newsletter</dt><dd>', shop_bool($c['newsletter']) ? 'yes' : 'no', "</dd>\n";
echo '<dt>Customer since</dt><dd>', h(shop_time($c['created_at'])), "</dd>\n";
echo '<dt>Spent</dt><dd class="money">', h(shop_money($spent === null ? 0 : shop_cents($spent))), "</dd>\n";
echo "</dl>\n";
echo '<p><a class="button" href="order.php?customer=', $id, "\">New order</a></p>\n";

echo '<section class="orders">', "\n<h2>Orders</h2>\n<p>", $count, $count === 1 ? ' order' : ' orders';
if ($count > SHOWN_ORDERS) {
    echo ', the latest ', SHOWN_ORDERS;
}
echo "</p>\n";
foreach ($orders as $o) {
    $oid = (int)$o['id'];
    echo '<article id="order-', $oid, '"><h3>Order ', $oid, ' of ', h(shop_time($o['placed_at'])), ' – ', h($o['status']),
        shop_bool($o['gift']) ? ' (gift)' : '', "</h3>\n";
    if ($o['note'] !== null) {
        echo '<p class="note">', h($o['note']), "</p>\n";
    }
    echo "<table>\n";
    $sum = 0;
    foreach ($lines[$oid] ?? [] as $l) {
        $amount = (int)$l['quantity'] * shop_cents($l['unit_price']);
        $sum += $amount;
        echo '<tr><td>', (int)$l['line_no'], '</td><td><a href="product.php?id=', (int)$l['product_id'], '">', h($l['name']),
            '</a></td><td>', (int)$l['quantity'], ' × ', h(shop_money(shop_cents($l['unit_price']))),
            '</td><td class="money">', h(shop_money($amount)), "</td></tr>\n";
    }
    echo '<tr class="sum"><td></td><td>Total</td><td></td><td class="money">', h(shop_money($sum)), "</td></tr>\n</table>\n</article>\n";
}
echo "</section>\n";

echo "<section class=\"reviews\">\n<h2>Reviews written</h2>\n";
if ($reviews === []) {
    echo "<p>None.</p>\n";
} else {
    echo "<ul>\n";
    foreach ($reviews as $r) {
        echo '<li>', shop_stars((int)$r['rating']), ' ', h($r['title']), ' on <a href="product.php?id=', (int)$r['product_id'],
            '">', h($r['name']), "</a></li>\n";
    }
    echo "</ul>\n";
}
echo "</section>\n";

shop_footer();
