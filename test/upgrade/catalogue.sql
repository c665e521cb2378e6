-- One line per catalogue fact of the dexcost extension, without OIDs, sorted: a fresh install
-- and an ALTER EXTENSION UPDATE must print the same lines (test/upgrade.sh diffs them).
--
-- The objects: every member of the extension (pg_depend deptype 'e') and, recursively, what
-- depends on them automatically or internally (columns' defaults, constraints, indexes,
-- triggers, policies, owned sequences, row and array types, view rules). Generic on purpose:
-- parts added to sql/0.2/ are covered without editing this file.
SET search_path = pg_catalog, pg_temp;   -- names outside pg_catalog print schema-qualified
SET timezone = 'UTC';
SET extra_float_digits = 0;

CREATE TEMP VIEW ext_obj AS
WITH RECURSIVE obj(classid, objid) AS (
    SELECT d.classid, d.objid
      FROM pg_depend AS d JOIN pg_extension AS e ON e.oid = d.refobjid
     WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'dexcost' AND d.deptype = 'e'
    UNION
    SELECT d.classid, d.objid
      FROM pg_depend AS d JOIN obj AS o ON d.refclassid = o.classid AND d.refobjid = o.objid
     WHERE d.deptype IN ('a', 'i')
)
SELECT o.classid, o.objid, i.type, i.identity
  FROM obj AS o, LATERAL pg_identify_object(o.classid, o.objid, 0) AS i
 WHERE i.schema IS DISTINCT FROM 'pg_toast'            -- toast names carry OIDs
   AND NOT EXISTS (SELECT 1 FROM pg_trigger AS t        -- so do foreign keys' internal triggers
                    WHERE o.classid = 'pg_trigger'::regclass AND t.oid = o.objid AND t.tgisinternal);

CREATE TEMP VIEW facts(fact) AS
-- The extension itself: version, configuration tables (dumped data), relocatability.
SELECT format('extension %s version=%s relocatable=%s config=%s condition=%s owner=%s',
              e.extname, e.extversion, e.extrelocatable, e.extconfig::regclass[], e.extcondition,
              e.extowner::regrole)
  FROM pg_extension AS e WHERE e.extname = 'dexcost'
UNION ALL
-- Membership and every dependent object, by kind and name.
SELECT format('object %s %s', o.type, o.identity) FROM ext_obj AS o
UNION ALL
-- Schemas: owner and grants.
SELECT format('schema %s owner=%s acl=%s', n.nspname, n.nspowner::regrole, n.nspacl)
  FROM ext_obj AS o JOIN pg_namespace AS n ON o.classid = 'pg_namespace'::regclass AND n.oid = o.objid
UNION ALL
-- Functions, procedures, aggregates: signature, result, language, volatility, strictness,
-- parallel safety, security, settings (proconfig), cost, grants, and the full definition.
SELECT format('function %s kind=%s returns=%s language=%s volatile=%s strict=%s parallel=%s secdef=%s leakproof=%s config=%s cost=%s rows=%s args=[%s] owner=%s acl=%s',
              p.oid::regprocedure, p.prokind, pg_get_function_result(p.oid), l.lanname, p.provolatile,
              p.proisstrict, p.proparallel, p.prosecdef, p.proleakproof, p.proconfig, p.procost, p.prorows,
              pg_get_function_arguments(p.oid), p.proowner::regrole, p.proacl)
  FROM ext_obj AS o JOIN pg_proc AS p ON o.classid = 'pg_proc'::regclass AND p.oid = o.objid
  JOIN pg_language AS l ON l.oid = p.prolang
UNION ALL
SELECT format('function %s body=%s', p.oid::regprocedure,
              CASE WHEN p.prokind IN ('f', 'p') THEN regexp_replace(pg_get_functiondef(p.oid), '\s+', ' ', 'g')
                   ELSE p.prosrc END)
  FROM ext_obj AS o JOIN pg_proc AS p ON o.classid = 'pg_proc'::regclass AND p.oid = o.objid
UNION ALL
SELECT format('aggregate %s kind=%s trans=%s/%s final=%s extra=%s modify=%s combine=%s serial=%s deserial=%s init=%s mtrans=%s minv=%s mfinal=%s sortop=%s',
              a.aggfnoid::regprocedure, a.aggkind, a.aggtransfn::regproc, a.aggtranstype::regtype, a.aggfinalfn::regproc,
              a.aggfinalextra, a.aggfinalmodify, a.aggcombinefn::regproc, a.aggserialfn::regproc,
              a.aggdeserialfn::regproc, a.agginitval, a.aggmtransfn::regproc, a.aggminvtransfn::regproc,
              a.aggmfinalfn::regproc, a.aggsortop::regoperator)
  FROM ext_obj AS o JOIN pg_aggregate AS a ON o.classid = 'pg_proc'::regclass AND a.aggfnoid = o.objid
UNION ALL
-- Relations: kind, persistence, options (security_invoker, ...), row security, owner, grants.
SELECT format('relation %s kind=%s persistence=%s options=%s rls=%s force_rls=%s replident=%s owner=%s acl=%s',
              c.oid::regclass, c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity,
              c.relforcerowsecurity, c.relreplident, c.relowner::regrole, c.relacl)
  FROM ext_obj AS o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid
UNION ALL
-- Columns in order: type, collation, not null, default, identity, generated, column grants.
SELECT format('column %s.%s position=%s type=%s collation=%s notnull=%s default=%s identity=%s generated=%s acl=%s',
              c.oid::regclass, a.attname, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
              format_type(a.atttypid, a.atttypmod), NULLIF(a.attcollation, 0)::regcollation, a.attnotnull,
              pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, a.attacl)
  FROM ext_obj AS o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid
  JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
UNION ALL
SELECT format('view %s definition=%s', c.oid::regclass, regexp_replace(pg_get_viewdef(c.oid), '\s+', ' ', 'g'))
  FROM ext_obj AS o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid
 WHERE c.relkind IN ('v', 'm')
UNION ALL
SELECT format('index %s', pg_get_indexdef(c.oid))
  FROM ext_obj AS o JOIN pg_class AS c ON o.classid = 'pg_class'::regclass AND c.oid = o.objid
 WHERE c.relkind IN ('i', 'I')
UNION ALL
SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
              s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
              s.seqcache, s.seqcycle)
  FROM ext_obj AS o JOIN pg_sequence AS s ON o.classid = 'pg_class'::regclass AND s.seqrelid = o.objid
UNION ALL
-- Constraints of tables and domains, with their definitions.
SELECT format('constraint %s on %s%s: %s deferrable=%s deferred=%s validated=%s',
              co.conname, NULLIF(co.conrelid, 0)::regclass, NULLIF(co.contypid, 0)::regtype, pg_get_constraintdef(co.oid),
              co.condeferrable, co.condeferred, co.convalidated)
  FROM ext_obj AS o JOIN pg_constraint AS co ON o.classid = 'pg_constraint'::regclass AND co.oid = o.objid
UNION ALL
SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
  FROM ext_obj AS o JOIN pg_trigger AS t ON o.classid = 'pg_trigger'::regclass AND t.oid = o.objid
UNION ALL
SELECT format('policy %s on %s cmd=%s permissive=%s roles=%s using=%s check=%s',
              po.polname, po.polrelid::regclass, po.polcmd, po.polpermissive, po.polroles::regrole[],
              pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid))
  FROM ext_obj AS o JOIN pg_policy AS po ON o.classid = 'pg_policy'::regclass AND po.oid = o.objid
UNION ALL
-- Types: kind, base/element type, enum labels in order, domain defaults, owner, grants.
SELECT format('type %s kind=%s element=%s base=%s notnull=%s default=%s labels=%s owner=%s acl=%s',
              t.oid::regtype, t.typtype, NULLIF(t.typelem, 0)::regtype, NULLIF(t.typbasetype, 0)::regtype,
              t.typnotnull, t.typdefault,
              (SELECT array_agg(en.enumlabel ORDER BY en.enumsortorder) FROM pg_enum AS en WHERE en.enumtypid = t.oid),
              t.typowner::regrole, t.typacl)
  FROM ext_obj AS o JOIN pg_type AS t ON o.classid = 'pg_type'::regclass AND t.oid = o.objid
UNION ALL
SELECT format('operator %s function=%s commutator=%s negator=%s restrict=%s join=%s',
              op.oid::regoperator, op.oprcode::regproc, NULLIF(op.oprcom, 0)::regoperator,
              NULLIF(op.oprnegate, 0)::regoperator, op.oprrest::regproc, op.oprjoin::regproc)
  FROM ext_obj AS o JOIN pg_operator AS op ON o.classid = 'pg_operator'::regclass AND op.oid = o.objid
UNION ALL
SELECT format('cast %s function=%s context=%s method=%s', o.identity, NULLIF(ca.castfunc, 0)::regprocedure,
              ca.castcontext, ca.castmethod)
  FROM ext_obj AS o JOIN pg_cast AS ca ON o.classid = 'pg_cast'::regclass AND ca.oid = o.objid
UNION ALL
-- Comments on every object and column (pg_dump and BI tools read them).
SELECT format('comment on %s: %s', pg_describe_object(dsc.classoid, dsc.objoid, dsc.objsubid), dsc.description)
  FROM ext_obj AS o JOIN pg_description AS dsc ON dsc.classoid = o.classid AND dsc.objoid = o.objid
UNION ALL
-- Initial privileges recorded for the extension's objects (what pg_dump treats as the baseline).
SELECT format('initial privileges on %s (%s): %s', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
              ip.privtype, ip.initprivs)
  FROM ext_obj AS o JOIN pg_init_privs AS ip ON ip.classoid = o.classid AND ip.objoid = o.objid
UNION ALL
-- Default privileges set inside the extension's schemas.
SELECT format('default privileges in %s for %s on %s: %s', da.defaclnamespace::regnamespace,
              da.defaclrole::regrole, da.defaclobjtype, da.defaclacl)
  FROM pg_default_acl AS da
  JOIN ext_obj AS o ON o.classid = 'pg_namespace'::regclass AND o.objid = da.defaclnamespace;

SELECT fact FROM facts ORDER BY fact COLLATE "C";
