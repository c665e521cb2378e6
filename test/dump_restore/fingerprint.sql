-- One line per fact that a dump and restore must preserve exactly.
SET timezone = 'UTC';
SELECT 'tasks', count(*), md5(string_agg(t::text, '|' ORDER BY task_id)) FROM dexcost.task t;
SELECT 'events', count(*), md5(string_agg(e::text, '|' ORDER BY event_id)) FROM dexcost.cost_event e;
SELECT 'cost by confidence', cost_confidence, count(*), sum(cost_usd)
  FROM dexcost.cost_event GROUP BY cost_confidence ORDER BY cost_confidence;
SELECT 'prices', is_seed, count(*), md5(string_agg(p::text, '|' ORDER BY price_id))
  FROM dexcost.model_price p GROUP BY is_seed ORDER BY is_seed;
SELECT 'aliases', is_seed, count(*), md5(string_agg(a::text, '|' ORDER BY provider, alias))
  FROM dexcost.model_alias a GROUP BY is_seed ORDER BY is_seed;
SELECT 'unpriced', provider, model, events, reason FROM dexcost.unpriced_spend ORDER BY provider, model;
SELECT 'price sequence ahead of every price', last_value >= (SELECT max(price_id) FROM dexcost.model_price)
  FROM dexcost.model_price_price_id_seq;
SELECT 'task totals', task_id, pg_catalog.trim_scale((own).total_cost_usd), (own).event_count,
       pg_catalog.trim_scale((subtree).total_cost_usd), (subtree).event_count, (subtree).input_tokens
  FROM dexcost.task_cost ORDER BY task_id;
SELECT 'totals equal the ledger', count(*) = 0 FROM dexcost.rollup_check();
