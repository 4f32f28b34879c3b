<?php
// A category's products, a page at a time: category.php?id=N[&page=P][&sort=S].
// A top-level category lists the products of all its subcategories.
// Sort orders: number (the catalogue number; the cache answers it), name,
// price and new (PostgreSQL answers those: text under the database's ICU
// collation, numeric and timestamptz ordering are not evaluated in the
// cache).
declare(strict_types=1);
require __DIR__ . '/../lib/shop.php';

const SORTS = [
    'number' => ['p.id', 'catalogue number'],
    'name' => ['p.name, p.id', 'name'],
    'price' => ['p.price, p.id', 'price'],
    'new' => ['p.added_at DESC, p.id DESC', 'newest'],
];

$id = shop_int_param($_GET, 'id');
if ($id === null) {
    shop_fail(400, 'Category', 'Which category? Give category.php?id=N.');
}
$page = shop_int_param($_GET, 'page') ?? 1;
$sort = $_GET['sort'] ?? 'number';
if (!is_string($sort) || !isset(SORTS[$sort])) {
    shop_fail(400, 'Category', 'Sort by number, name, price or new.');
}

$category = shop_row('SELECT id, parent_id, name FROM category WHERE id = ?', [$id]);
if ($category === null) {
    shop_fail(404, 'Category', "There is no category $id.");
}
$parent = $category['parent_id'] === null ? null
    : shop_row('SELECT id, parent_id, name FROM category WHERE id = ?', [(int)$category['parent_id']]);
$children = shop_rows('SELECT id, name FROM category WHERE parent_id = ? ORDER BY position, id', [$id]);

// the categories whose products are listed: this one, or its subcategories
$ids = $children === [] ? [$id] : array_map(fn($c) => (int)$c['id'], $children);
$total = (int)shop_row('SELECT count(*) AS n FROM product WHERE category_id IN (' . shop_marks(count($ids)) . ')', $ids)['n'];
$pages = max(1, intdiv($total + SHOP_PAGE_SIZE - 1, SHOP_PAGE_SIZE));
if ($page > $pages) {
    shop_fail(404, $category['name'], "Page $page of $pages does not exist.");
}
$products = shop_rows(
    'SELECT p.id, p.sku, p.name, p.price, p.active, s.quantity FROM product p JOIN stock s ON s.product_id = p.id '
    . 'WHERE p.category_id IN (' . shop_marks(count($ids)) . ') ORDER BY ' . SORTS[$sort][0] . ' LIMIT ? OFFSET ?',
    array_merge($ids, [SHOP_PAGE_SIZE, ($page - 1) * SHOP_PAGE_SIZE])
);

shop_header($category['name']);
echo '<p class="crumbs"><a href="index.php">Home</a>';
if ($parent !== null) {
    echo ' › <a href="category.php?id=', (int)$parent['id'], '">', h($parent['name']), '</a>';
}
echo ' › ', h($category['name']), "</p>\n";
if ($children !== []) {
    echo "<p class=\"children\">";
    foreach ($children as $c) {
        echo '<a href="category.php?id=', (int)$c['id'], '">', h($c['name']), '</a> ';
    }
    echo "</p>\n";
}

echo '<p class="sort">', $total, ' products, sorted by ';
foreach (SORTS as $key => [, $label]) {
    echo $key === $sort ? '<strong>' . h($label) . '</strong> '
        : '<a href="category.php?id=' . $id . '&amp;sort=' . h($key) . '">' . h($label) . '</a> ';
}
echo "</p>\n";

echo "<table class=\"products\">\n<tr><th>No.</th><th>Product</th><th>Price</th><th>Availability</th></tr>\n";
foreach ($products as $p) {
    $stock = (int)$p['quantity'];
    $state = !shop_bool($p['active']) ? 'no longer sold' : ($stock === 0 ? 'out of stock' : "$stock in stock");
    echo '<tr><td>', h($p['sku']), '</td><td><a href="product.php?id=', (int)$p['id'], '">', h($p['name']),
        '</a></td><td class="money">', h(shop_money(shop_cents($p['price']))), '</td><td>', h($state), "</td></tr>\n";
}
echo "</table>\n";

echo '<p class="pages">Page ', $page, ' of ', $pages;
$link = 'category.php?id=' . $id . ($sort === 'number' ? '' : '&amp;sort=' . h($sort)) . '&amp;page=';
if ($page > 1) {
    echo ' <a rel="prev" href="', $link, $page - 1, '">previous</a>';
}
if ($page < $pages) {
    echo ' <a rel="next" href="', $link, $page + 1, '">next</a>';
}
echo "</p>\n";

shop_footer();
