<?php
// The shop's front page: the category tree with the number of products on
// sale in each, and the newest products.
declare(strict_types=1);
require __DIR__ . '/../lib/shop.php';

shop_header('Willkommen');

// complete table: answered from the cache
$categories = shop_rows('SELECT id, parent_id, name FROM category ORDER BY position, id');
// GROUP BY: the cache does not answer it, PostgreSQL does
$counts = [];
foreach (shop_rows('SELECT category_id, count(*) AS n FROM product WHERE active GROUP BY category_id') as $r) {
    $counts[(int)$r['category_id']] = (int)$r['n'];
}
// newest first by a timestamptz: PostgreSQL answers
$newest = shop_rows('SELECT id, name, price, added_at FROM product WHERE active ORDER BY added_at DESC, id DESC LIMIT 6');

echo "<section class=\"categories\">\n<h2>Categories</h2>\n<ul>\n";
foreach ($categories as $top) {
    if ($top['parent_id'] !== null) {
        continue;
    }
    echo '<li><a href="category.php?id=', (int)$top['id'], '">', h($top['name']), "</a>\n<ul>\n";
    foreach ($categories as $sub) {
        if ($sub['parent_id'] !== null && (int)$sub['parent_id'] === (int)$top['id']) {
            $n = $counts[(int)$sub['id']] ?? 0;
            echo '<li><a href="category.php?id=', (int)$sub['id'], '">', h($sub['name']), '</a> <span class="count">(',
                $n, ")</span></li>\n";
        }
    }
    echo "</ul></li>\n";
}
echo "</ul>\n</section>\n";

echo "<section class=\"newest\">\n<h2>New in the shop</h2>\n<ul>\n";
foreach ($newest as $p) {
    echo '<li><a href="product.php?id=', (int)$p['id'], '">', h($p['name']), '</a> ',
        h(shop_money(shop_cents($p['price']))), ' <span class="date">since ', h(shop_time($p['added_at'])), "</span></li>\n";
}
echo "</ul>\n</section>\n";

shop_footer();
