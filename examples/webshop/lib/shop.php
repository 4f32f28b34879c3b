<?php
// shop.php - what every page of the web shop shares: the database
// connection, queries with bound parameters, escaping, money and the page
// frame.  No framework: each page in public/ is a plain PHP script.
//
// Environment (php -S and php-fpm pass it to the scripts):
//   SHOP_DSN              the PDO DSN, e.g. odbc:DSN=shop (through cbcached)
//                         or odbc:DSN=shop-direct (straight to PostgreSQL)
//   SHOP_DB_USER          user and password when the DSN does not hold them
//   SHOP_DB_PASSWORD
//   SHOP_PERSISTENT       1: each PHP process keeps its connection across
//                         requests; otherwise a new connection per request
//                         (PHP's default; see README "Web application" for
//                         why persistent connections lose the cache today)
//   CBCACHE_ADMIN_SOCKET  cbcached's admin socket, for the admin page
//
// Every page is deterministic: the same database gives the same bytes (no
// clock, no random numbers, every ORDER BY has a tie-breaker), so a page
// through the cache can be compared with the page straight from PostgreSQL.

declare(strict_types=1);

const SHOP_PAGE_SIZE = 12;

function shop_db(): PDO
{
    static $db = null;
    if ($db === null) {
        $dsn = getenv('SHOP_DSN');
        if ($dsn === false || $dsn === '') {
            throw new RuntimeException('SHOP_DSN is not set: give the PDO DSN, e.g. odbc:DSN=shop');
        }
        $user = getenv('SHOP_DB_USER');
        $password = getenv('SHOP_DB_PASSWORD');
        $db = new PDO($dsn, $user === false ? null : $user, $password === false ? null : $password, [
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
            PDO::ATTR_PERSISTENT => getenv('SHOP_PERSISTENT') === '1',
        ]);
        // a persistent connection left in a transaction by a request
        // that died must not carry it into this one
        if ($db->inTransaction()) {
            $db->rollBack();
        }
    }
    return $db;
}

// Run $sql with the positional parameters $params (each bound with its
// PHP type) and return the statement, ready to fetch.
function shop_run(string $sql, array $params = []): PDOStatement
{
    $st = shop_db()->prepare($sql);
    $n = 1;
    foreach ($params as $v) {
        $type = is_int($v) ? PDO::PARAM_INT : ($v === null ? PDO::PARAM_NULL : PDO::PARAM_STR);
        $st->bindValue($n++, $v, $type);
    }
    $st->execute();
    return $st;
}

/** All rows of $sql. */
function shop_rows(string $sql, array $params = []): array
{
    return shop_run($sql, $params)->fetchAll();
}

/** The first row of $sql, or null. */
function shop_row(string $sql, array $params = []): ?array
{
    $st = shop_run($sql, $params);
    $row = $st->fetch();
    $st->closeCursor();
    return $row === false ? null : $row;
}

/** "?, ?, ?" for an IN list of $n parameters. */
function shop_marks(int $n): string
{
    return implode(', ', array_fill(0, $n, '?'));
}

/** Escape text for HTML (element content and quoted attributes). */
function h(?string $s): string
{
    return htmlspecialchars($s ?? '', ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
}

/** A query parameter as a positive integer, or null. */
function shop_int_param(array $from, string $name): ?int
{
    $v = $from[$name] ?? null;
    if (!is_string($v) || preg_match('/^[1-9][0-9]{0,8}$/', $v) !== 1) {
        return null;
    }
    return (int)$v;
}

/** A boolean as the driver returns it (1/0, t/f, true/false). */
function shop_bool($v): bool
{
    return $v === true || $v === 1 || $v === '1' || $v === 't' || $v === 'true';
}

/** A numeric(10,2) text ("12.50", "-3.1", "7") in cents. */
function shop_cents(string $amount): int
{
    if (preg_match('/^(-?)([0-9]+)(?:\.([0-9]{1,2}))?$/', $amount, $m) !== 1) {
        throw new UnexpectedValueException('not an amount: ' . $amount);
    }
    $cents = (int)$m[2] * 100 + (int)str_pad($m[3] ?? '', 2, '0');
    return $m[1] === '-' ? -$cents : $cents;
}

/** Cents as a euro amount, German style: 1.234,50 €. */
function shop_money(int $cents): string
{
    $sign = $cents < 0 ? '-' : '';
    $cents = abs($cents);
    return $sign . number_format(intdiv($cents, 100), 0, ',', '.') . ',' . sprintf('%02d', $cents % 100) . ' €';
}

/**
 * A timestamp shown to the minute.  The ODBC driver reports timestamptz as
 * SQL_TYPE_TIMESTAMP and gives its text in the session's time zone without
 * the offset (as psqlODBC does); an offset, when present, is kept.
 */
function shop_time(string $ts): string
{
    if (preg_match('/^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2})(?::[0-9]{2}(?:\.[0-9]+)?)?([+-][0-9:]+)?$/', $ts, $m) !== 1) {
        return $ts;
    }
    return $m[1] . (isset($m[2]) && $m[2] !== '' ? ' ' . $m[2] : '');
}

/** Stars for a rating 1-5. */
function shop_stars(int $rating): string
{
    return str_repeat('★', $rating) . str_repeat('☆', 5 - $rating);
}

// ---- the page frame ----------------------------------------------------

function shop_header(string $title): void
{
    header('Content-Type: text/html; charset=UTF-8');
    $top = shop_rows('SELECT id, name FROM category WHERE parent_id IS NULL ORDER BY position, id');
    echo "<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n";
    echo '<title>', h($title), " – Webshop</title>\n";
    echo "<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n";
    echo "<header><a class=\"home\" href=\"index.php\">Webshop</a>\n<nav>";
    foreach ($top as $c) {
        echo '<a href="category.php?id=', (int)$c['id'], '">', h($c['name']), '</a> ';
    }
    echo "<a href=\"order.php\">Order form</a> <a href=\"admin.php\">Admin</a></nav>\n</header>\n<main>\n";
    echo '<h1>', h($title), "</h1>\n";
}

function shop_footer(): void
{
    echo "</main>\n<footer>A cbcache example: PHP PDO_ODBC on PostgreSQL, through cbcached or not.</footer>\n";
    echo "</body>\n</html>\n";
}

/** Stop with an error page ($status: 400, 404, 409, ...). */
function shop_fail(int $status, string $title, string $message): never
{
    http_response_code($status);
    shop_header($title);
    echo '<p class="error">', h($message), "</p>\n";
    shop_footer();
    exit;
}

// Pages are buffered; a database error throws the half-rendered page away
// and answers 500 with the SQLSTATE and message instead.
set_exception_handler(function (Throwable $e): void {
    while (ob_get_level() > 0) {
        ob_end_clean();
    }
    if (!headers_sent()) {
        http_response_code(500);
        header('Content-Type: text/plain; charset=UTF-8');
    }
    echo "\nerror: ", $e instanceof PDOException ? 'SQLSTATE ' . $e->getCode() . ': ' : '', $e->getMessage(), "\n";
});
ob_start();
