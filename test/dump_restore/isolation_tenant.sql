-- What the tenant login (limited to customer iso-a) sees: its own customer, and nothing else.
SELECT 'tenant cost_event', pg_catalog.array_agg(DISTINCT e.customer_id ORDER BY e.customer_id), count(*)
  FROM dexcost.cost_event AS e;
SELECT 'tenant task', pg_catalog.array_agg(DISTINCT t.customer_id ORDER BY t.customer_id), count(*)
  FROM dexcost.task AS t;
SELECT 'tenant bi customer_daily', pg_catalog.array_agg(DISTINCT d.customer_id ORDER BY d.customer_id),
       sum(d.total_cost_usd)
  FROM dexcost_bi.customer_daily AS d;
