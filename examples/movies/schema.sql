-- The movie database of the CBCS slides (constraint-based database caching).
-- Load with: psql -f examples/movies/schema.sql, then generate.sql.

CREATE TABLE ort (
    plz   varchar(5) PRIMARY KEY,
    name  text NOT NULL
);

CREATE TABLE genre (
    id    integer PRIMARY KEY,
    name  text NOT NULL UNIQUE
);

CREATE TABLE regisseur (
    id       integer PRIMARY KEY,
    vname    text,
    nname    text NOT NULL,
    wohnort  varchar(5) REFERENCES ort (plz)
);

CREATE TABLE film (
    id          integer PRIMARY KEY,
    titel       text NOT NULL,
    ort         varchar(5) REFERENCES ort (plz),
    genre       integer REFERENCES genre (id),
    regie       integer REFERENCES regisseur (id),
    jahr        integer,
    laenge_min  integer,
    budget      numeric(12,2),
    bewertung   double precision,
    erschienen  date,
    geaendert   timestamptz NOT NULL,
    farbe       boolean
);

CREATE TABLE darsteller (
    id       integer PRIMARY KEY,
    vname    text,
    nname    text NOT NULL,
    wohnort  varchar(5) REFERENCES ort (plz)
);

CREATE TABLE darst_film (
    did    integer NOT NULL REFERENCES darsteller (id),
    fid    integer NOT NULL REFERENCES film (id),
    rolle  text,
    PRIMARY KEY (did, fid)
);

CREATE INDEX film_regie_idx ON film (regie);
CREATE INDEX film_ort_idx ON film (ort);
CREATE INDEX film_genre_idx ON film (genre);
CREATE INDEX regisseur_wohnort_idx ON regisseur (wohnort);
CREATE INDEX darsteller_wohnort_idx ON darsteller (wohnort);
CREATE INDEX darst_film_fid_idx ON darst_film (fid);
