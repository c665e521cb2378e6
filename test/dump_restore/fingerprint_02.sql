-- The 0.2 facts a dump and restore must preserve exactly, after fingerprint.sql (which
-- test/upgrade.sh also runs on 0.1): every dumped table row by row, the sequences, and the
-- derived daily tables and budget spend, folded plus pending.
SET timezone = 'UTC';
-- Every table whose rows are dumped (the extension's configuration tables), row by row.
SELECT 'dumped table', c.relname,
       (pg_catalog.xpath('/row/n/text()', x))[1]::text AS n, (pg_catalog.xpath('/row/m/text()', x))[1]::text AS m
  FROM pg_catalog.pg_extension AS ext
 CROSS JOIN LATERAL pg_catalog.unnest(ext.extconfig) AS cfg(oid)
  JOIN pg_catalog.pg_class AS c ON c.oid = cfg.oid AND c.relkind = 'r'
 CROSS JOIN LATERAL pg_catalog.query_to_xml(pg_catalog.format(
        'SELECT count(*) AS n, md5(coalesce(string_agg(r::text, %L ORDER BY r::text), %L)) AS m FROM %I.%I AS r',
        '|', '', 'dexcost', c.relname), false, true, '') AS q(x)
 WHERE ext.extname = 'dexcost'
 ORDER BY c.relname;
SELECT 'sequence', c.relname, pg_catalog.pg_sequence_last_value(c.oid)
  FROM pg_catalog.pg_class AS c
 WHERE c.relnamespace = 'dexcost'::pg_catalog.regnamespace AND c.relkind = 'S' ORDER BY c.relname;
-- Derived data, folded plus pending (a restore rebuilds it as pending deltas).
SELECT 'daily customer', md5(string_agg(d::text, '|' ORDER BY d::text)), count(*) FROM (
  SELECT day, customer_id, task_type, sum(events), sum(cost_usd), sum(llm_cost_usd), sum(non_llm_cost_usd),
         sum(retry_count), sum(retry_cost_usd), sum(failure_cost_usd), sum(tasks), sum(root_tasks)
    FROM dexcost.daily_customer_all GROUP BY 1, 2, 3) AS d;
SELECT 'daily customer total', md5(string_agg(d::text, '|' ORDER BY d::text)), count(*) FROM (
  SELECT day, customer_id, sum(events), sum(cost_usd), sum(non_llm_cost_usd), sum(root_tasks)
    FROM dexcost.daily_customer_total_all GROUP BY 1, 2) AS d;
SELECT 'daily workflow', md5(string_agg(d::text, '|' ORDER BY d::text)), count(*) FROM (
  SELECT day, task_type, sum(events), sum(llm_calls), sum(cost_usd), sum(unpriced_events), sum(input_tokens),
         sum(output_tokens), sum(tasks), sum(succeeded_tasks), sum(accepted_tasks)
    FROM dexcost.daily_workflow_all GROUP BY 1, 2) AS d;
SELECT 'daily model', md5(string_agg(d::text, '|' ORDER BY d::text)), count(*) FROM (
  SELECT day, task_type, provider, model, route, service_tier, fallback_reason, sum(llm_calls), sum(cost_usd),
         sum(unpriced_calls), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens)
    FROM dexcost.daily_model_all GROUP BY 1, 2, 3, 4, 5, 6, 7) AS d;
SELECT 'daily retry', md5(string_agg(d::text, '|' ORDER BY d::text)), count(*) FROM (
  SELECT day, task_type, retry_type, retry_reason, sum(retries), sum(retry_cost_usd)
    FROM dexcost.daily_retry_all GROUP BY 1, 2, 3, 4) AS d;
SELECT 'daily tables equal the ledger', count(*) = 0 FROM dexcost.daily_check();
SELECT 'budget spend', b.budget_id, b.name, pg_catalog.trim_scale(dexcost.budget_spent(b.budget_id, '-infinity', 'infinity'))
  FROM dexcost.budget AS b ORDER BY b.budget_id;
