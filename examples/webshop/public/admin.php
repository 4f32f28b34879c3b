<?php
// The admin page: how cbcached answered this shop's statements, read from
// its admin socket (SHOW STATS, SHOW QUERIES; doc/admin.md), whose path is
// in CBCACHE_ADMIN_SOCKET.  Without it the site runs straight on
// PostgreSQL and the page says so.  This page changes with every request
// (it shows live counters); the others do not.
declare(strict_types=1);
require __DIR__ . '/../lib/shop.php';

/**
 * One admin command: the rows (column name => value) and the final
 * OK/ERROR line.  The reply is COLUMNS/ROW lines, tab-separated with
 * \\, \t and \n escaped, then one line "OK ..." or "ERROR ...".
 */
function admin_command(string $socket, string $command): array
{
    $fp = @stream_socket_client('unix://' . $socket, $errno, $errstr, 2.0);
    if ($fp === false) {
        throw new RuntimeException("cannot reach cbcached's admin socket $socket: $errstr");
    }
    stream_set_timeout($fp, 5);
    fwrite($fp, $command . "\n");
    $unescape = fn(string $v): string => preg_replace_callback('/\\\\([\\\\tn])/', fn($m) => ['\\' => '\\', 't' => "\t", 'n' => "\n"][$m[1]], $v);
    $columns = [];
    $rows = [];
    while (($line = fgets($fp)) !== false) {
        $line = rtrim($line, "\n");
        $fields = explode("\t", $line);
        $kind = array_shift($fields);
        if ($kind === 'COLUMNS') {
            $columns = array_map($unescape, $fields);
        } elseif ($kind === 'ROW') {
            $rows[] = array_combine($columns, array_map($unescape, $fields));
        } elseif (str_starts_with($line, 'OK') || str_starts_with($line, 'ERROR')) {
            fclose($fp);
            return [$rows, $line];
        }
    }
    fclose($fp);
    throw new RuntimeException("cbcached's admin socket closed before the reply to $command ended");
}

$socket = getenv('CBCACHE_ADMIN_SOCKET');
if ($socket === false || $socket === '') {
    shop_header('Cache');
    echo "<p id=\"no-cache\">There is no cache: this site's DSN goes straight to PostgreSQL "
        . "(CBCACHE_ADMIN_SOCKET is not set).</p>\n";
    shop_footer();
    exit;
}

try {
    [$stats] = admin_command($socket, 'SHOW STATS');
    [$queries] = admin_command($socket, 'SHOW QUERIES');
} catch (RuntimeException $e) {
    shop_fail(503, 'Cache', $e->getMessage());
}
$stat = array_column($stats, 'value', 'name');
$hits = (int)($stat['queries_cache_hits'] ?? 0);
$misses = (int)($stat['queries_cache_misses'] ?? 0);
$backend = (int)($stat['queries_backend'] ?? 0);
$all = $hits + $misses + $backend;

shop_header('Cache');
echo '<p>Statements answered from cbcached\'s cache: <strong id="hit-ratio">',
    $all === 0 ? '0.0' : sprintf('%.1f', 100.0 * $hits / $all), " %</strong> (hit ratio)</p>\n";
echo "<table class=\"stats\">\n";
$shown = ['queries_cache_hits' => 'answered from the cache', 'queries_cache_misses' => 'cache misses (fill queued)',
    'queries_backend' => 'answered by PostgreSQL for another reason', 'cache_fills_done' => 'fills done',
    'cache_rows' => 'rows in the cache', 'cache_invalidations' => 'invalidations after writes',
    'cache_evictions' => 'fill values evicted', 'sessions_active' => 'sessions now', 'uptime_s' => 'uptime (s)'];
foreach ($shown as $name => $label) {
    echo '<tr><th>', h($label), '</th><td id="', h($name), '">', h($stat[$name] ?? ''), "</td></tr>\n";
}
echo "</table>\n";

echo "<h2>Statements</h2>\n<table class=\"queries\">\n";
echo "<tr><th>Statement</th><th>Executions</th><th>Hits</th><th>Misses</th><th>PostgreSQL</th><th>Why not from the cache</th></tr>\n";
foreach ($queries as $q) {
    echo '<tr><td><code>', h($q['query'] ?? ''), '</code></td><td>', h($q['executions'] ?? ''), '</td><td>', h($q['cache_hits'] ?? ''),
        '</td><td>', h($q['cache_misses'] ?? ''), '</td><td>', h($q['backend'] ?? ''), '</td><td>', h($q['reason'] ?? ''), "</td></tr>\n";
}
echo "</table>\n";
shop_footer();
