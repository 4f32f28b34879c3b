-- generate-common.sql: the deterministic random helpers of the example data
-- generators (examples/movies/generate.sql, examples/shop/generate.sql),
-- included with \ir inside their transaction: the psql variable scale
-- (1 unless given with -v scale=N) and temporary functions.

\if :{?scale}
\else
\set scale 1
\endif

-- u(salt, i): a deterministic uniform number in [0, 1).
CREATE FUNCTION pg_temp.u(salt text, i bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT ('x' || substr(md5(salt || ':' || i::text), 1, 8))::bit(32)::bigint / 4294967296.0
$$;

-- pick(salt, i, arr): a deterministic element of arr.
CREATE FUNCTION pg_temp.pick(salt text, i bigint, arr text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT arr[1 + floor(pg_temp.u(salt, i) * array_length(arr, 1))::int]
$$;
