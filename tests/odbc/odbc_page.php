<?php
// A small page of a web application on PHP PDO_ODBC: a director and the
// films with their location, rendered as HTML, through the DSN given as
// the first argument.  Used by tests/odbc/test_odbc_php.sh.
//
//   php odbc_page.php DSN DIRECTOR_ID
$dsn = $argv[1];
$id = (int)$argv[2];
$db = new PDO("odbc:DSN=$dsn");
$db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);

$r = $db->prepare('SELECT vname, nname FROM regisseur WHERE id = ?');
$r->execute([$id]);
$director = $r->fetch(PDO::FETCH_ASSOC);
if ($director === false) {
    fwrite(STDERR, "no director $id\n");
    exit(1);
}
$films = $db->prepare('SELECT f.titel, f.jahr, o.name AS ort FROM film f LEFT JOIN ort o ON o.plz = f.ort '
    . 'WHERE f.regie = ? ORDER BY f.id');
$films->execute([$id]);

echo "<h1>", htmlspecialchars(trim(($director['vname'] ?? '') . ' ' . $director['nname'])), "</h1>\n";
echo "<ul>\n";
foreach ($films->fetchAll(PDO::FETCH_ASSOC) as $f) {
    printf("<li>%s (%s) %s</li>\n", htmlspecialchars($f['titel']), $f['jahr'] ?? '', htmlspecialchars($f['ort'] ?? ''));
}
echo "</ul>\n";

// a transaction that is rolled back leaves nothing behind
$db->beginTransaction();
$db->exec("INSERT INTO genre VALUES (960, 'PhpGenre')");
$db->rollBack();
$n = $db->query('SELECT count(*) FROM genre WHERE id = 960')->fetchColumn();
echo "rolled back: $n\n";

// errors surface as PDOException with the server's SQLSTATE
try {
    $db->query('SELECT * FROM no_such_table');
    echo "no error\n";
} catch (PDOException $e) {
    echo "error: ", $e->getCode(), "\n";
}
