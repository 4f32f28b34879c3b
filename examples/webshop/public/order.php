<?php
// The order form: order.php[?customer=N][&product=M] shows it; a POST
// places the order in one transaction (the order, its lines at today's
// prices, the stock taken) and redirects to the customer's page.
//
// POST fields: customer, product[] and quantity[] (up to LINES lines; an
// empty product field skips the line), gift (checkbox), note.
// (A real shop would also check a CSRF token and who is logged in; this
// example has no sessions, so that its pages stay deterministic.)
declare(strict_types=1);
require __DIR__ . '/../lib/shop.php';

const LINES = 3;
const MAX_QUANTITY = 99;

/** The form, filled with $values, with $errors above it. */
function order_form(array $values, array $errors): void
{
    $customer = shop_int_param($values, 'customer');
    $who = $customer === null ? null
        : shop_row('SELECT first_name, last_name FROM customer WHERE id = ?', [$customer]);
    shop_header('Order form');
    if ($errors !== []) {
        echo "<ul class=\"error\">\n";
        foreach ($errors as $e) {
            echo '<li>', h($e), "</li>\n";
        }
        echo "</ul>\n";
    }
    echo "<form method=\"post\" action=\"order.php\">\n";
    echo '<p><label>Customer no. <input name="customer" inputmode="numeric" value="', h($values['customer'] ?? ''), '"></label>';
    if ($who !== null) {
        echo ' ', h(trim(($who['first_name'] ?? '') . ' ' . $who['last_name']));
    }
    echo "</p>\n<table>\n<tr><th>Product no.</th><th>Quantity</th><th></th></tr>\n";
    $products = is_array($values['product'] ?? null) ? $values['product'] : [];
    $quantities = is_array($values['quantity'] ?? null) ? $values['quantity'] : [];
    for ($i = 0; $i < LINES; $i++) {
        $pv = is_string($products[$i] ?? null) ? $products[$i] : '';
        $qv = is_string($quantities[$i] ?? null) ? $quantities[$i] : ($pv === '' ? '' : '1');
        echo '<tr><td><input name="product[]" inputmode="numeric" value="', h($pv), '"></td>',
            '<td><input name="quantity[]" inputmode="numeric" value="', h($qv), '"></td><td>';
        $pid = shop_int_param(['p' => $pv], 'p');
        if ($pid !== null) {
            $p = shop_row('SELECT name, price FROM product WHERE id = ?', [$pid]);
            if ($p !== null) {
                echo h($p['name']), ', ', h(shop_money(shop_cents($p['price']))), ' each';
            }
        }
        echo "</td></tr>\n";
    }
    echo "</table>\n";
    echo '<p><label><input type="checkbox" name="gift" value="1"', isset($values['gift']) ? ' checked' : '',
        "> Gift wrapping</label></p>\n";
    echo '<p><label>Note<br><textarea name="note" rows="3" cols="40">', h(is_string($values['note'] ?? null) ? $values['note'] : ''),
        "</textarea></label></p>\n";
    echo "<p><button type=\"submit\">Place order</button></p>\n</form>\n";
    shop_footer();
}

if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
    $values = [];
    if (shop_int_param($_GET, 'customer') !== null) {
        $values['customer'] = $_GET['customer'];
    }
    if (shop_int_param($_GET, 'product') !== null) {
        $values['product'] = [$_GET['product']];
    }
    order_form($values, []);
    exit;
}

// ---- POST: check the input, then place the order ------------------------
$errors = [];
$customer = shop_int_param($_POST, 'customer');
if ($customer === null) {
    $errors[] = 'Give your customer number.';
}
$wanted = [];   // product id => quantity, in the order of the form
$products = is_array($_POST['product'] ?? null) ? $_POST['product'] : [];
$quantities = is_array($_POST['quantity'] ?? null) ? $_POST['quantity'] : [];
for ($i = 0; $i < LINES; $i++) {
    $pv = is_string($products[$i] ?? null) ? trim($products[$i]) : '';
    if ($pv === '') {
        continue;
    }
    $pid = shop_int_param(['p' => $pv], 'p');
    $qty = shop_int_param(['q' => is_string($quantities[$i] ?? null) ? trim($quantities[$i]) : ''], 'q');
    if ($pid === null) {
        $errors[] = 'Line ' . ($i + 1) . ': "' . $pv . '" is not a product number.';
    } elseif ($qty === null || $qty > MAX_QUANTITY) {
        $errors[] = 'Line ' . ($i + 1) . ': the quantity must be 1 to ' . MAX_QUANTITY . '.';
    } else {
        $wanted[$pid] = ($wanted[$pid] ?? 0) + $qty;
    }
}
if ($errors === [] && $wanted === []) {
    $errors[] = 'Order at least one product.';
}
$note = is_string($_POST['note'] ?? null) ? trim($_POST['note']) : '';
// (no mbstring needed: PCRE checks the UTF-8 and counts the characters)
if (preg_match('//u', $note) !== 1 || preg_match_all('/./su', $note) > 500) {
    $errors[] = 'The note is at most 500 characters of UTF-8 text.';
}
if ($errors !== []) {
    http_response_code(422);
    order_form($_POST, $errors);
    exit;
}

$db = shop_db();
$db->beginTransaction();
try {
    if (shop_row('SELECT id FROM customer WHERE id = ?', [$customer]) === null) {
        $errors[] = "There is no customer $customer.";
    }
    $priced = [];
    foreach ($wanted as $pid => $qty) {
        // lock the stock rows: two orders of the last piece cannot both succeed
        $p = shop_row(
            'SELECT p.name, p.price, p.active, s.quantity FROM product p JOIN stock s ON s.product_id = p.id '
            . 'WHERE p.id = ? FOR UPDATE OF s',
            [$pid]
        );
        if ($p === null) {
            $errors[] = "There is no product $pid.";
        } elseif (!shop_bool($p['active'])) {
            $errors[] = $p['name'] . ' is no longer sold.';
        } elseif ((int)$p['quantity'] < $qty) {
            $errors[] = $p['name'] . ': only ' . (int)$p['quantity'] . ' in stock.';
        } else {
            $priced[$pid] = $p['price'];
        }
    }
    if ($errors !== []) {
        $db->rollBack();
        http_response_code(409);
        order_form($_POST, $errors);
        exit;
    }
    $order = (int)shop_row(
        'INSERT INTO orders (customer_id, gift, note) VALUES (?, ?, ?) RETURNING id',
        [$customer, isset($_POST['gift']) ? 'true' : 'false', $note === '' ? null : $note]
    )['id'];
    $line = 0;
    foreach ($wanted as $pid => $qty) {
        shop_run(
            'INSERT INTO order_line (order_id, line_no, product_id, quantity, unit_price) VALUES (?, ?, ?, ?, ?)',
            [$order, ++$line, $pid, $qty, $priced[$pid]]
        );
        shop_run('UPDATE stock SET quantity = quantity - ? WHERE product_id = ?', [$qty, $pid]);
    }
    $db->commit();
} catch (Throwable $e) {
    if ($db->inTransaction()) {
        $db->rollBack();
    }
    throw $e;
}
header('Location: customer.php?id=' . $customer . '&placed=' . $order, true, 303);
