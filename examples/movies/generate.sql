-- Deterministic data for the movie database, scaled by the psql variable
-- `scale` (default 1):
--     psql -v scale=1 -f examples/movies/generate.sql
-- At scale 1: 1,000 directors, 10,000 films, 20,000 actors, about 60,000
-- cast rows, 300 places, 12 genres.  Fractional scales (0.1) make small
-- databases for quick tests.  The same scale always gives the same rows:
-- every "random" choice is a hash of the row number (md5), not random().
--
-- The data is shaped to meet the cache's hard cases: NULLs in nullable
-- columns, names in mixed case and with non-ASCII letters, ties in years,
-- ratings and titles, and skew (a few directors made many films, a few
-- actors appear in many, a few places host many films).

\set ON_ERROR_STOP 1
BEGIN;

-- scale (default 1), u(salt, i) and pick(salt, i, arr): deterministic
-- random numbers and choices
\ir ../generate-common.sql

-- plz(j): the postal code of place j (1-based); distinct for j < 99999.
CREATE FUNCTION pg_temp.plz(j bigint) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT lpad(((j * 7919) % 99999 + 1)::text, 5, '0')
$$;

CREATE TEMP TABLE sizes AS
SELECT greatest(20, round(300 * :scale))::int    AS n_ort,
       greatest(10, round(1000 * :scale))::int   AS n_reg,
       greatest(50, round(10000 * :scale))::int  AS n_film,
       greatest(50, round(20000 * :scale))::int  AS n_darst;

CREATE TEMP TABLE vornamen (a text[]);
INSERT INTO vornamen VALUES (ARRAY[
    'Anna', 'Jürgen', 'Zoë', 'Ólafur', 'Łukasz', 'François', 'Ängela', 'Maria',
    'Hans', 'Søren', 'José', 'Chloé', 'Renée', 'Björn', 'Ines', 'Peter',
    'Wim', 'Agnès', 'Đorđe', 'Mikhaïl', 'Ana', 'ANNA', 'anna', 'Yūko',
    'Nikolaj', 'Fatima', 'Ömer', 'Çağla', 'Sven', 'Eva']);

CREATE TEMP TABLE nachnamen (a text[]);
INSERT INTO nachnamen VALUES (ARRAY[
    'Müller', 'MÜLLER', 'müller', 'Mueller', 'Schmidt', 'Schröder', 'de la Cruz',
    'McDonald', 'van Dyke', 'O''Brien', 'Fassbinder', 'Herzog', 'Wenders',
    'Tykwer', 'Petzold', 'Dörrie', 'von Trotta', 'Akın', 'Haneke', 'Kaurismäki',
    'Almodóvar', 'Żuławski', 'Tarkovsky', 'Ozu', 'Varda', 'Østergaard', 'Åkesson',
    'Ünal', 'Smith', 'smith', 'SMITH', 'Lang', 'Murnau', 'Wilder']);

CREATE TEMP TABLE ortnamen (a text[]);
INSERT INTO ortnamen VALUES (ARRAY[
    'Berlin', 'München', 'Köln', 'Düsseldorf', 'Görlitz', 'Zürich', 'Wien',
    'Lübeck', 'Jena', 'Halle (Saale)', 'Frankfurt am Main', 'Frankfurt (Oder)',
    'Kaiserslautern', 'Würzburg', 'Ölbronn', 'Überlingen', 'Ærø', 'Graz',
    'Hamburg', 'Bremen', 'Weimar', 'Bad Tölz', 'ST. INGBERT', 'st. ingbert']);

CREATE TEMP TABLE titelwoerter (adj text[], nom text[]);
INSERT INTO titelwoerter VALUES (
    ARRAY['Der blaue', 'Das letzte', 'Die große', 'Ein stiller', 'Der dritte',
          'Die verlorene', 'Das weiße', 'Der lange', 'Die kalte', 'Ein fremder'],
    ARRAY['Engel', 'Sommer', 'Zug', 'Himmel', 'Mann', 'Stadt', 'Nacht',
          'Weg', 'Spiegel', 'Fluss', 'Traum', 'Winter']);

INSERT INTO ort (plz, name)
SELECT pg_temp.plz(j),
       pg_temp.pick('ort.name', j, o.a) || CASE WHEN j % 3 = 0 THEN ' ' || (j / 3)::text ELSE '' END
FROM sizes, ortnamen o, generate_series(1, n_ort) AS j;

INSERT INTO genre (id, name) VALUES
    (1, 'Drama'), (2, 'Komödie'), (3, 'Krimi'), (4, 'Dokumentarfilm'),
    (5, 'Science-Fiction'), (6, 'Western'), (7, 'Horror'), (8, 'Animation'),
    (9, 'Liebesfilm'), (10, 'Thriller'), (11, 'Musical'), (12, 'Abenteuer');

-- Directors: every 13th has no first name, every 17th no home town.
INSERT INTO regisseur (id, vname, nname, wohnort)
SELECT i,
       CASE WHEN i % 13 = 0 THEN NULL ELSE pg_temp.pick('reg.vname', i, v.a) END,
       pg_temp.pick('reg.nname', i, n.a),
       CASE WHEN i % 17 = 0 THEN NULL
            ELSE pg_temp.plz(1 + floor(n_ort * pg_temp.u('reg.ort', i) ^ 2)::int) END
FROM sizes, vornamen v, nachnamen n, generate_series(1, n_reg) AS i;

-- Films: the director is skewed (u^3: director 1 made the most), every
-- 50th film has no director, every 23rd no place; years and ratings tie
-- often; budgets and ratings are sometimes NULL; colour (farbe) is true,
-- false or unknown.
INSERT INTO film (id, titel, ort, genre, regie, jahr, laenge_min, budget,
                  bewertung, erschienen, geaendert, farbe)
SELECT i,
       pg_temp.pick('film.adj', i, t.adj) || ' ' || pg_temp.pick('film.nom', i, t.nom)
           || CASE WHEN i % 4 = 0 THEN '' ELSE ' ' || (i % 97)::text END,
       CASE WHEN i % 23 = 0 THEN NULL
            ELSE pg_temp.plz(1 + floor(n_ort * pg_temp.u('film.ort', i) ^ 2)::int) END,
       1 + floor(12 * pg_temp.u('film.genre', i) ^ 1.5)::int,
       CASE WHEN i % 50 = 0 THEN NULL
            ELSE 1 + floor(n_reg * pg_temp.u('film.regie', i) ^ 3)::int END,
       1950 + floor(75 * pg_temp.u('film.jahr', i))::int,
       CASE WHEN i % 31 = 0 THEN NULL ELSE 60 + floor(120 * pg_temp.u('film.laenge', i))::int END,
       CASE WHEN i % 11 = 0 THEN NULL
            ELSE round((pg_temp.u('film.budget', i) * 5e7)::numeric, 2) END,
       CASE WHEN i % 19 = 0 THEN NULL
            WHEN i % 3 = 0 THEN round((1 + 9 * pg_temp.u('film.bew', i))::numeric, 1)::double precision
            ELSE 1 + 9 * pg_temp.u('film.bew', i) END,
       make_date(1950 + floor(75 * pg_temp.u('film.jahr', i))::int, 1, 1)
           + floor(365 * pg_temp.u('film.tag', i))::int,
       timestamptz '2020-01-01 00:00:00+00' + i * interval '37 minutes 13.5 seconds',
       CASE WHEN i % 13 = 0 THEN NULL ELSE pg_temp.u('film.farbe', i) < 0.7 END
FROM sizes, titelwoerter t, generate_series(1, n_film) AS i;

INSERT INTO darsteller (id, vname, nname, wohnort)
SELECT i,
       CASE WHEN i % 29 = 0 THEN NULL ELSE pg_temp.pick('darst.vname', i, v.a) END,
       pg_temp.pick('darst.nname', i, n.a),
       CASE WHEN i % 7 = 0 THEN NULL
            ELSE pg_temp.plz(1 + floor(n_ort * pg_temp.u('darst.ort', i))::int) END
FROM sizes, vornamen v, nachnamen n, generate_series(1, n_darst) AS i;

-- Cast: 0 to 12 slots per film (6 on average); the actor is skewed (u^2),
-- so a few actors play in very many films.  A repeated (actor, film) pair
-- is dropped.
INSERT INTO darst_film (did, fid, rolle)
SELECT DISTINCT ON (did, fid) did, fid, rolle
FROM (
    SELECT 1 + floor(n_darst * pg_temp.u('cast.did', f * 16 + k) ^ 2)::int AS did,
           f AS fid,
           CASE WHEN (f + k) % 9 = 0 THEN NULL
                ELSE (ARRAY['Hauptrolle', 'Nebenrolle', 'Kommissar', 'Ärztin', 'Erzähler',
                            'Gast', 'Statist', 'Mörder', 'Opfer', 'hauptrolle'])[1 + (f * k) % 10] END AS rolle
    FROM sizes, generate_series(1, n_film) AS f, generate_series(1, 12) AS k
    WHERE k <= floor(13 * pg_temp.u('cast.n', f))::int
) c
ORDER BY did, fid, rolle;

COMMIT;

ANALYZE;
