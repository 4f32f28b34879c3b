-- Deterministic data for the shop (examples/shop/schema.sql), scaled by the
-- psql variable `scale` (default 1):
--     psql -d shop -v scale=1 -f examples/shop/generate.sql
-- At scale 1: 48 categories (8 top-level with 5 subcategories each),
-- 4,000 products with their stock, 2,000 customers, 8,000 orders with
-- about 24,000 lines and 12,000 reviews.  Fractional scales (0.1) give
-- small shops for tests; categories do not scale.  Every "random" choice
-- is a hash of the row number (md5), never random(): the same scale always
-- gives the same rows.
--
-- What the pages and the cache must get right is in the data: names in
-- mixed case, with non-ASCII letters, quotes, '&' and '<' (the pages must
-- escape them), equal names and equal timestamps (every ORDER BY needs a
-- tie-breaker), NULLs in every optional column, prices with trailing
-- zeros, out-of-stock and inactive products, and skew (a few products get
-- most of the reviews and orders, a few customers order most often).

\set ON_ERROR_STOP 1
BEGIN;

-- scale (default 1), u(salt, i) and pick(salt, i, arr): deterministic
-- random numbers and choices
\ir ../generate-common.sql

CREATE TEMP TABLE sizes AS
SELECT greatest(60, round(4000 * :scale))::int   AS n_product,
       greatest(30, round(2000 * :scale))::int   AS n_customer,
       greatest(60, round(8000 * :scale))::int   AS n_order,
       greatest(60, round(12000 * :scale))::int  AS n_review;

-- ---- categories: 8 top-level ones, 5 subcategories under each ----------
INSERT INTO category (id, parent_id, name, position) VALUES
    (1, NULL, 'Küche', 1), (2, NULL, 'Wohnen', 2), (3, NULL, 'Garten & Balkon', 3),
    (4, NULL, 'Bad', 4), (5, NULL, 'Büro', 5), (6, NULL, 'Kinder', 6),
    (7, NULL, 'Sport & Freizeit', 7), (8, NULL, 'Elektro', 8);

INSERT INTO category (id, parent_id, name, position)
SELECT 8 + k, 1 + (k - 1) / 5, n.name, 1 + (k - 1) % 5
FROM unnest(ARRAY[
    'Töpfe & Pfannen', 'Messer', 'Backen', 'Kaffee & Tee', 'Aufbewahrung',
    'Lampen', 'Teppiche', 'Deko', 'Textilien', 'Möbel',
    'Pflanzgefäße', 'Grills', 'Gartengeräte', 'Bewässerung', 'Lounge',
    'Handtücher', 'Accessoires', 'Spiegel', 'Wellness', 'Badteppiche',
    'Schreibwaren', 'Ordnung', 'Schreibtisch', 'Papier', 'Ergonomie',
    'Spielzeug', 'Bücher', 'Kinderzimmer', 'Basteln', 'Baby',
    'Fitness', 'Camping', 'Radsport', 'Wassersport', 'Yoga',
    'Küchengeräte', 'Audio', 'Zubehör', 'Smart Home', 'Licht & Strom'
]) WITH ORDINALITY AS n(name, k);

-- ---- products ----------------------------------------------------------
CREATE TEMP TABLE words (noun text[], variant text[], colour text[], phrase text[]);
INSERT INTO words VALUES (
    ARRAY['Kaffeebecher', 'Teekanne', 'Ölflasche', 'Crème-brûlée-Förmchen', 'Smörgås-Brett',
          'Tom & Jerry Tasse', 'Vase "Lotus"', 'O''Neill Regenjacke', '<Blink> LED-Leuchte',
          'Æbleskiver-Pfanne', 'Żubr Krug', 'Espressotasse', 'Kochlöffel', 'Schneidebrett',
          'Bügeleisen', 'Wasserkocher', 'Thermoskanne', 'Brotkorb', 'Käsereibe', 'Yogamatte',
          'Gießkanne', 'Schreibtischlampe', 'Notizbuch', 'Holzeisenbahn', 'Zelt', 'ÜBERTOPF',
          'überwurf', 'Çay-Glas', 'Ångström-Uhr', 'Kissen'],
    ARRAY['Classic', 'classic', 'CLASSIC', 'Öko', 'Deluxe', 'Mini', 'XL', 'Retro', 'Nordic', 'Éco', 'Pro'],
    ARRAY['Rot', 'Blau', 'Grün', 'Weiß', 'Schwarz', 'Gelb', 'Türkis', 'Anthrazit'],
    ARRAY['Handgefertigt in Jönköping.', 'Spülmaschinenfest.', 'Aus recyceltem Material.',
          'Mit 2 Jahren Garantie & kostenlosem Versand.', 'Größe: 12 × 30 cm.',
          'Nicht für Kinder unter 3 Jahren <36 Monate>.', 'Ein "Bestseller" seit 1998.',
          'Pflegeleicht; bei 40 °C waschbar.']);

-- Categories are skewed (u^1.5 over the 40 subcategories); every 3rd name
-- has no colour, so equal names are common; every 7th product has no
-- description, every 6th no weight, every 11th is no longer sold.  Three
-- products in a row share their added_at.
INSERT INTO product (id, category_id, sku, name, description, price, weight_g, active, added_at)
SELECT i,
       9 + floor(40 * pg_temp.u('product.category', i) ^ 1.5)::int,
       'SKU-' || lpad(i::text, 6, '0'),
       pg_temp.pick('product.noun', i, w.noun) || ' ' || pg_temp.pick('product.variant', i, w.variant)
           || CASE WHEN i % 3 = 0 THEN '' ELSE ' ' || pg_temp.pick('product.colour', i, w.colour) END,
       CASE WHEN i % 7 = 0 THEN NULL
            ELSE pg_temp.pick('product.d1', i, w.phrase)
                 || CASE WHEN i % 2 = 0 THEN ' ' || pg_temp.pick('product.d2', i, w.phrase) ELSE '' END END,
       CASE WHEN i % 5 = 0 THEN floor(5 + 95 * pg_temp.u('product.price', i))::numeric + 0.90
            ELSE round((0.5 + 299.5 * pg_temp.u('product.price', i) ^ 2)::numeric, 2) END,
       CASE WHEN i % 6 = 0 THEN NULL ELSE 20 + floor(4980 * pg_temp.u('product.weight', i))::int END,
       i % 11 <> 0,
       timestamptz '2022-01-01 08:00:00+00' + (i / 3) * interval '7 hours 13 minutes 20 seconds'
FROM sizes, words w, generate_series(1, n_product) AS i;

-- Every 13th product is out of stock; low stock has a restock date.
INSERT INTO stock (product_id, quantity, restock_on)
SELECT id, q, CASE WHEN q < 5 THEN date '2025-01-06' + (id % 40) END
FROM (SELECT id, CASE WHEN id % 13 = 0 THEN 0
                      ELSE 1 + floor(60 * pg_temp.u('stock.qty', id))::int END AS q
      FROM product) p;

-- ---- customers ---------------------------------------------------------
CREATE TEMP TABLE people (first text[], last text[], city text[], country text[]);
INSERT INTO people VALUES (
    ARRAY['Anna', 'Jürgen', 'Zoë', 'Ólafur', 'Łukasz', 'François', 'Ängela', 'Maria', 'Hans',
          'Søren', 'José', 'Chloé', 'Renée', 'Björn', 'Ines', 'ANNA', 'anna', 'Yūko', 'Ömer', 'Çağla'],
    ARRAY['Müller', 'MÜLLER', 'müller', 'Mueller', 'Schmidt', 'Schröder', 'de la Cruz', 'McDonald',
          'van Dyke', 'O''Brien', 'Østergaard', 'Åkesson', 'Ünal', 'Żuławski', 'Smith', 'smith',
          'Kaurismäki', 'Nguyễn', 'Lefèvre', 'Brønsted'],
    ARRAY['Berlin', 'München', 'Köln', 'Zürich', 'Wien', 'Lübeck', 'Århus', 'Göteborg', 'Kraków',
          'Besançon', 'Tromsø', 'Graz', 'ST. GALLEN', 'st. gallen', 'Frankfurt (Oder)'],
    ARRAY['DE', 'DE', 'DE', 'AT', 'CH', 'FR', 'DK', 'SE', 'PL', 'NO']);

INSERT INTO customer (id, email, first_name, last_name, city, country, newsletter, created_at)
SELECT i,
       CASE WHEN i % 10 = 0 THEN 'Kunde' || i || '@Example.ORG' ELSE 'kunde' || i || '@example.org' END,
       CASE WHEN i % 9 = 0 THEN NULL ELSE pg_temp.pick('customer.first', i, p.first) END,
       pg_temp.pick('customer.last', i, p.last),
       CASE WHEN i % 8 = 0 THEN NULL ELSE pg_temp.pick('customer.city', i, p.city) END,
       pg_temp.pick('customer.country', i, p.country),
       pg_temp.u('customer.newsletter', i) < 0.4,
       timestamptz '2021-06-01 00:00:00+00' + i * interval '3 hours 41 minutes'
FROM sizes, people p, generate_series(1, n_customer) AS i;

-- ---- orders and their lines ---------------------------------------------
-- The customer is skewed (u^2: customer 1 orders most often).  placed_at
-- grows with the id but jitters by up to two days, so newest-first by
-- placed_at is not the id order; every 40th order ties with the one before.
INSERT INTO orders (id, customer_id, placed_at, status, gift, note)
SELECT i,
       1 + floor(n_customer * pg_temp.u('order.customer', i) ^ 2)::int,
       timestamptz '2023-01-01 09:00:00+00' + (i - CASE WHEN i % 40 = 0 THEN 1 ELSE 0 END) * interval '67 minutes'
           + floor(2880 * pg_temp.u('order.jitter', i - CASE WHEN i % 40 = 0 THEN 1 ELSE 0 END)) * interval '1 minute',
       CASE WHEN i % 29 = 0 THEN 'cancelled'
            WHEN i > n_order - 10 THEN 'new'
            WHEN i > n_order - 40 THEN 'paid'
            ELSE 'shipped' END,
       i % 17 = 0,
       CASE WHEN i % 6 <> 0 THEN NULL
            ELSE (ARRAY['Bitte beim Nachbarn abgeben', 'Geschenk für Zoë – bitte ohne Rechnung',
                        '<b>Zerbrechlich</b> & "vorsichtig" behandeln', 'Lieferung nach 17 Uhr',
                        'Klingel defekt, bitte anrufen'])[1 + (i / 6) % 5] END
FROM sizes, generate_series(1, n_order) AS i;

-- 1 to 5 lines per order; the product is skewed (u^1.5); the unit price
-- is the product's price, every 9th line with 10 % off.
INSERT INTO order_line (order_id, line_no, product_id, quantity, unit_price)
SELECT l.order_id, l.line_no, p.id, l.quantity,
       CASE WHEN (l.order_id + l.line_no) % 9 = 0 THEN round(p.price * 0.9, 2) ELSE p.price END
FROM (
    SELECT o AS order_id, k AS line_no,
           1 + floor(n_product * pg_temp.u('line.product', o * 8 + k) ^ 1.5)::int AS product_id,
           1 + floor(3 * pg_temp.u('line.quantity', o * 8 + k) ^ 2)::int AS quantity
    FROM sizes, generate_series(1, n_order) AS o, generate_series(1, 5) AS k
    WHERE k <= 1 + floor(5 * pg_temp.u('line.count', o))::int
) l JOIN product p ON p.id = l.product_id;

-- ---- reviews -----------------------------------------------------------
CREATE TEMP TABLE review_words (author text[], title text[], body text[]);
INSERT INTO review_words VALUES (
    ARRAY['Anna K.', 'jürgen', 'ZOË', 'Ólafur B.', 'Łukasz', 'O''Brien', 'Tom & Jerry',
          '<script>alert(1)</script>', 'Renée', 'søren', 'Yūko T.', '"Der Kritiker"'],
    ARRAY['Super!', 'Gut, aber teuer', 'Nicht empfehlenswert', 'Genau wie beschrieben',
          'Würde ich wieder kaufen', 'Qualität <mittel>', 'Top & schnell geliefert',
          'ÜBERRASCHEND GUT', 'naja', 'Perfekt für die Küche'],
    ARRAY['Hält seit Monaten.', 'Die Farbe weicht etwas vom Foto ab.',
          'Verpackung war beschädigt, Ware aber ok.', 'Preis & Leistung stimmen.',
          'Mein Sohn liebt es <3', 'Leider nach 2 Wochen kaputt.', 'Schöne Verarbeitung, "edles" Gefühl.']);

-- The product is skewed (u^2); every 10th review has no customer, every
-- 4th no author name (anonymous), every 3rd no body.
INSERT INTO review (id, product_id, customer_id, author, rating, title, body, verified, created_at)
SELECT i,
       1 + floor(n_product * pg_temp.u('review.product', i) ^ 2)::int,
       CASE WHEN i % 10 = 0 THEN NULL ELSE 1 + floor(n_customer * pg_temp.u('review.customer', i))::int END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE pg_temp.pick('review.author', i, w.author) END,
       (1 + floor(5 * pg_temp.u('review.rating', i) ^ 0.6))::smallint,
       pg_temp.pick('review.title', i, w.title),
       CASE WHEN i % 3 = 0 THEN NULL ELSE pg_temp.pick('review.body', i, w.body) END,
       pg_temp.u('review.verified', i) < 0.6,
       timestamptz '2023-02-01 12:00:00+00' + i * interval '41 minutes 7 seconds'
FROM sizes, review_words w, generate_series(1, n_review) AS i;

-- new orders and reviews take their ids from the identity columns
SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders));
SELECT setval(pg_get_serial_sequence('review', 'id'), (SELECT max(id) FROM review));

COMMIT;

ANALYZE;
