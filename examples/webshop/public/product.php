<?php
// A product: product.php?id=N.  The product joined with its category and
// stock, its rating, the latest reviews, more from the category, and what
// other customers bought with it.
declare(strict_types=1);
require __DIR__ . '/../lib/shop.php';

$id = shop_int_param($_GET, 'id');
if ($id === null) {
    shop_fail(400, 'Product', 'Which product? Give product.php?id=N.');
}

// joins along the cache group's RCCs (product -> stock, category complete)
$p = shop_row(
    'SELECT p.id, p.sku, p.name, p.description, p.price, p.weight_g, p.active, p.added_at, p.category_id, '
    . 'c.name AS category_name, c.parent_id, s.quantity, s.restock_on '
    . 'FROM product p JOIN category c ON c.id = p.category_id JOIN stock s ON s.product_id = p.id WHERE p.id = ?',
    [$id]
);
if ($p === null) {
    shop_fail(404, 'Product', "There is no product $id.");
}
$parent = $p['parent_id'] === null ? null : shop_row('SELECT id, name FROM category WHERE id = ?', [(int)$p['parent_id']]);
$rating = shop_row('SELECT count(*) AS n, sum(rating) AS total FROM review WHERE product_id = ?', [$id]);
// GROUP BY: PostgreSQL answers
$spread = shop_rows('SELECT rating, count(*) AS n FROM review WHERE product_id = ? GROUP BY rating ORDER BY rating DESC', [$id]);
$reviews = shop_rows(
    'SELECT id, author, rating, title, body, verified, created_at FROM review WHERE product_id = ? ORDER BY id DESC LIMIT 10',
    [$id]
);
$more = shop_rows(
    'SELECT id, name, price FROM product WHERE category_id = ? AND id <> ? AND active ORDER BY id LIMIT 4',
    [(int)$p['category_id'], $id]
);
// a self-join with GROUP BY and ORDER BY a count: PostgreSQL answers
$together = shop_rows(
    'SELECT p.id, p.name, count(*) AS n FROM order_line a JOIN order_line b ON b.order_id = a.order_id '
    . 'JOIN product p ON p.id = b.product_id WHERE a.product_id = ? AND b.product_id <> a.product_id '
    . 'GROUP BY p.id, p.name ORDER BY n DESC, p.id LIMIT 5',
    [$id]
);

shop_header($p['name']);
echo '<p class="crumbs"><a href="index.php">Home</a>';
if ($parent !== null) {
    echo ' › <a href="category.php?id=', (int)$parent['id'], '">', h($parent['name']), '</a>';
}
echo ' › <a href="category.php?id=', (int)$p['category_id'], '">', h($p['category_name']), "</a></p>\n";

echo "<dl class=\"product\">\n";
echo '<dt>Article</dt><dd>', h($p['sku']), "</dd>\n";
echo '<dt>Price</dt><dd class="money">', h(shop_money(shop_cents($p['price']))), "</dd>\n";
echo '<dt>Weight</dt><dd>', $p['weight_g'] === null ? 'not given' : h(number_format((int)$p['weight_g'], 0, ',', '.') . ' g'), "</dd>\n";
$stock = (int)$p['quantity'];
if (!shop_bool($p['active'])) {
    $state = 'no longer sold';
} elseif ($stock > 0) {
    $state = "$stock in stock";
} else {
    $state = 'out of stock' . ($p['restock_on'] === null ? '' : ', expected on ' . $p['restock_on']);
}
echo '<dt>Availability</dt><dd>', h($state), "</dd>\n";
echo '<dt>In the shop since</dt><dd>', h(shop_time($p['added_at'])), "</dd>\n";
echo "</dl>\n";
echo '<p class="description">', $p['description'] === null ? '<em>No description yet.</em>' : nl2br(h($p['description'])), "</p>\n";
if (shop_bool($p['active']) && $stock > 0) {
    echo '<p><a class="button" href="order.php?product=', $id, "\">Order this</a></p>\n";
}

$n = (int)$rating['n'];
echo "<section class=\"reviews\">\n<h2>Reviews</h2>\n";
if ($n === 0) {
    echo "<p>No reviews yet.</p>\n";
} else {
    // the mean to one decimal, rounded half up, in integers
    $tenths = intdiv(20 * (int)$rating['total'] + $n, 2 * $n);
    echo '<p class="rating">', intdiv($tenths, 10), ',', $tenths % 10, ' of 5 from ', $n, $n === 1 ? ' review' : ' reviews', "</p>\n";
    echo "<ul class=\"spread\">\n";
    foreach ($spread as $s) {
        echo '<li>', shop_stars((int)$s['rating']), ' ', (int)$s['n'], "</li>\n";
    }
    echo "</ul>\n";
    foreach ($reviews as $r) {
        echo '<article><h3>', shop_stars((int)$r['rating']), ' ', h($r['title']), "</h3>\n";
        echo '<p class="by">', $r['author'] === null ? 'anonymous' : h($r['author']),
            shop_bool($r['verified']) ? ', verified purchase' : '', ', ', h(shop_time($r['created_at'])), "</p>\n";
        if ($r['body'] !== null) {
            echo '<p>', h($r['body']), "</p>\n";
        }
        echo "</article>\n";
    }
}
echo "</section>\n";

if ($together !== []) {
    echo "<section class=\"together\">\n<h2>Often bought together</h2>\n<ul>\n";
    foreach ($together as $t) {
        echo '<li><a href="product.php?id=', (int)$t['id'], '">', h($t['name']), '</a> (', (int)$t['n'], "×)</li>\n";
    }
    echo "</ul>\n</section>\n";
}
if ($more !== []) {
    echo '<section class="more">', "\n<h2>More in ", h($p['category_name']), "</h2>\n<ul>\n";
    foreach ($more as $m) {
        echo '<li><a href="product.php?id=', (int)$m['id'], '">', h($m['name']), '</a> ',
            h(shop_money(shop_cents($m['price']))), "</li>\n";
    }
    echo "</ul>\n</section>\n";
}

shop_footer();
