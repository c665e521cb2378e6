#!/usr/bin/env bash
# make test step: renders one monthly statement to PDF (scripts/statement.sh, WeasyPrint) and reads
# it back with pdftotext: the customer, the month and the figures must be in the PDF.
# Runs against the cluster of the caller's environment (PGHOST, PGPORT), in a database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
db=dexcost_pdf
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
export PGDATABASE=$db
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION dexcost CASCADE;
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES
  ('00000000-0000-4000-8000-0000000000f1', 'acme-pdf', 'support'),
  ('00000000-0000-4000-8000-0000000000f2', 'acme-pdf', 'support');
-- gpt-4o: 1,000,000 x 2.50 + 100,000 x 10.00 = 3.50; claude-haiku-4-5: 2,000,000 x 1.00 + 400,000 x 5.00 = 4.00
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens) VALUES
  ('00000000-0000-4000-8000-0000000000f1', 'llm_call', '2026-09-03 10:00+00', 'openai', 'gpt-4o', 1000000, 100000),
  ('00000000-0000-4000-8000-0000000000f2', 'llm_call', '2026-09-04 10:00+00', 'anthropic', 'claude-haiku-4-5', 2000000, 400000);
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, service_name, cost_usd) VALUES
  ('00000000-0000-4000-8000-0000000000f2', 'external_cost', '2026-09-05 10:00+00', 'pinecone', 1234.5);
INSERT INTO dexcost.statement_adjustment (customer_id, month, kind, description, amount_usd)
  VALUES ('acme-pdf', '2026-09-01', 'credit', 'Launch credit', -2.25);
SQL
scripts/statement.sh acme-pdf 2026-09 "$work/s.pdf" >/dev/null
pdftotext -layout "$work/s.pdf" "$work/s.txt"
# AI cost 3.50 + 4.00 + 1,234.50 = 1,242.00; credit -2.25; total 1,239.75; 2 tasks -> 621.00 per task.
fail=0
for want in 'AI cost statement' 'acme-pdf' 'September 2026' 'Pinecone' '1,234.50' 'OpenAI' '3.50' 'Anthropic' '4.00' \
            'Launch credit' '-2.25' '1,242.00' '1,239.75' '621.00'; do
  grep -qF -- "$want" "$work/s.txt" || { echo "statement PDF: \"$want\" not found" >&2; fail=1; }
done
grep -E '^ *Total +1,239\.75 *$' "$work/s.txt" >/dev/null || { echo 'statement PDF: no "Total 1,239.75" line' >&2; fail=1; }
if [ $fail -ne 0 ]; then cat "$work/s.txt" >&2; exit 1; fi
echo "statement PDF: $(wc -c < "$work/s.pdf") bytes, figures read back with pdftotext"
