-- Run by an unprivileged role with CREATE on schema public: look-alike functions, aggregates and
-- operators in public that record every call. :'names' lists the function names to imitate (every
-- identifier followed by "(" in the extension's scripts and C sources, plus common ones).
-- Each look-alike copies a pg_catalog signature exactly (it wins when public precedes pg_catalog in
-- search_path) and, for text arguments, adds a varchar variant (it wins for varchar arguments even
-- when pg_catalog comes first). A call bumps public.planted_hits (not transactional: an error that
-- rolls the caller back does not hide it), logs the name in public.planted_calls and warns.
SET search_path = pg_catalog, pg_temp;

CREATE SEQUENCE public.planted_hits;
CREATE TABLE public.planted_calls (what text, by_role name DEFAULT current_user, at timestamptz DEFAULT now());
GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.planted_hits TO PUBLIC;
GRANT INSERT, SELECT ON public.planted_calls TO PUBLIC;
CREATE TABLE public.planted_objects (kind text, signature text);
GRANT SELECT ON public.planted_objects TO PUBLIC;

CREATE FUNCTION public.planted_record(what text) RETURNS void LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM nextval('public.planted_hits');
    BEGIN
        INSERT INTO public.planted_calls (what) VALUES (what);
    EXCEPTION WHEN OTHERS THEN NULL;   -- a read-only context: the sequence still counts it
    END;
    RAISE WARNING 'planted object ran: %', what;
END $$;
GRANT EXECUTE ON FUNCTION public.planted_record(text) TO PUBLIC;

SET planted.names = :'names';

DO $plant$
DECLARE
    f record;
    types text[];
    v_types text[];
    args text;
    n int := 0;
BEGIN
    -- Functions: every plain pg_catalog overload of the names, concrete types only.
    FOR f IN
        SELECT p.proname, p.prorettype::regtype::text AS rettype,
               array(SELECT t::regtype::text FROM unnest(p.proargtypes) AS t) AS argtypes
          FROM pg_proc AS p
         WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f' AND NOT p.proretset
           AND p.provariadic = 0 AND p.pronargs BETWEEN 0 AND 6
           AND p.proname = ANY (string_to_array(current_setting('planted.names'), ' '))
           AND (SELECT typtype FROM pg_type WHERE oid = p.prorettype) <> 'p'
           AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes) AS t JOIN pg_type AS ty ON ty.oid = t
                            WHERE ty.typtype = 'p')
    LOOP
        types := f.argtypes;
        FOR pass IN 1..2 LOOP
            IF pass = 2 THEN
                CONTINUE WHEN NOT ('text' = ANY (types));
                v_types := array(SELECT CASE WHEN t = 'text' THEN 'character varying' ELSE t END FROM unnest(types) AS t);
                CONTINUE WHEN EXISTS (SELECT 1 FROM pg_proc AS p WHERE p.pronamespace = 'pg_catalog'::regnamespace
                                        AND p.proname = f.proname
                                        AND array(SELECT t::regtype::text FROM unnest(p.proargtypes) AS t) = v_types);
                types := v_types;
            END IF;
            args := (SELECT coalesce(string_agg(format('$%s::%s', i, f.argtypes[i]), ', '), '')
                       FROM generate_series(1, cardinality(types)) AS i);
            BEGIN
                EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                               f.proname, array_to_string(types, ', '), f.rettype,
                               format('BEGIN PERFORM public.planted_record(%L); RETURN pg_catalog.%I(%s); END',
                                      format('function public.%s(%s)', f.proname, array_to_string(types, ',')),
                                      f.proname, args));
                INSERT INTO public.planted_objects VALUES ('function', format('%s(%s)', f.proname, array_to_string(types, ',')));
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'not planted: %(%): %', f.proname, array_to_string(types, ','), SQLERRM;
            END;
            types := f.argtypes;
        END LOOP;
    END LOOP;

    -- Aggregates of those names with one concrete argument.
    FOR f IN
        SELECT p.proname, p.prorettype::regtype::text AS rettype, p.proargtypes[0]::regtype::text AS argtype
          FROM pg_proc AS p
         WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'a' AND p.pronargs = 1
           AND p.proname = ANY (string_to_array(current_setting('planted.names'), ' '))
           AND (SELECT typtype FROM pg_type WHERE oid = p.proargtypes[0]) <> 'p'
           AND (SELECT typtype FROM pg_type WHERE oid = p.prorettype) <> 'p'
    LOOP
        n := n + 1;
        BEGIN
            EXECUTE format('CREATE FUNCTION public.planted_sfunc_%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS %L',
                           n, f.rettype, f.argtype, f.rettype,
                           format('BEGIN PERFORM public.planted_record(%L); RETURN $1; END',
                                  format('aggregate public.%s(%s)', f.proname, f.argtype)));
            EXECUTE format('CREATE AGGREGATE public.%I(%s) (SFUNC = public.planted_sfunc_%s, STYPE = %s)',
                           f.proname, f.argtype, n, f.rettype);
            INSERT INTO public.planted_objects VALUES ('aggregate', format('%s(%s)', f.proname, f.argtype));
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'not planted: aggregate %(%): %', f.proname, f.argtype, SQLERRM;
        END;
    END LOOP;

    -- Operators: comparisons, arithmetic, concatenation, json and pattern operators on the scalar
    -- types dexcost uses, each copied with its exact operand types.
    FOR f IN
        SELECT o.oprname, o.oprleft::regtype::text AS l, o.oprright::regtype::text AS r,
               o.oprresult::regtype::text AS rettype
          FROM pg_operator AS o
         WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprkind = 'b'
           AND o.oprname IN ('=', '<>', '<', '>', '<=', '>=', '+', '-', '*', '/', '||', '->', '->>', '?', '@>', '~~', '#>>')
           AND o.oprleft::regtype::text IN ('text', 'character varying', 'uuid', 'numeric', 'bigint', 'integer',
                                            'smallint', 'double precision', 'timestamp with time zone', 'date',
                                            'interval', 'jsonb', 'boolean', 'name', 'bytea')
           AND o.oprright::regtype::text IN ('text', 'character varying', 'uuid', 'numeric', 'bigint', 'integer',
                                             'smallint', 'double precision', 'timestamp with time zone', 'date',
                                             'interval', 'jsonb', 'boolean', 'name', 'bytea', 'text[]')
    LOOP
        n := n + 1;
        BEGIN
            EXECUTE format('CREATE FUNCTION public.planted_op_%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS %L',
                           n, f.l, f.r, f.rettype,
                           format('BEGIN PERFORM public.planted_record(%L); RETURN $1 OPERATOR(pg_catalog.%s) $2; END',
                                  format('operator public.%s(%s,%s)', f.oprname, f.l, f.r), f.oprname));
            EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.planted_op_%s)',
                           f.oprname, f.l, f.r, n);
            INSERT INTO public.planted_objects VALUES ('operator', format('%s(%s,%s)', f.oprname, f.l, f.r));
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'not planted: operator %(%,%): %', f.oprname, f.l, f.r, SQLERRM;
        END;
    END LOOP;
END
$plant$;

SELECT kind, count(*) FROM public.planted_objects GROUP BY kind ORDER BY kind;
