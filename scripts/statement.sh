#!/usr/bin/env bash
# A customer's monthly statement as a PDF: dexcost.statement_html() rendered by WeasyPrint.
#
#   scripts/statement.sh CUSTOMER MONTH [OUT.pdf]     (or: make statement CUSTOMER=acme MONTH=2026-09)
#
# MONTH is YYYY-MM (or any day of the month, YYYY-MM-DD). Connects with the usual libpq variables
# (PGHOST, PGPORT, PGDATABASE, ...). Writes statement-CUSTOMER-YYYY-MM.pdf unless OUT is given.
# WeasyPrint (Debian package weasyprint) is the HTML-to-PDF tool; scripts/deps.sh installs it.
set -euo pipefail
customer=${1:?usage: scripts/statement.sh CUSTOMER MONTH [OUT.pdf]}
month=${2:?usage: scripts/statement.sh CUSTOMER MONTH [OUT.pdf]}
[[ $month =~ ^[0-9]{4}-[0-9]{2}$ ]] && month="$month-01"
[[ $month =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "statement.sh: MONTH must be YYYY-MM, not \"$month\"" >&2; exit 2; }
safe=$(printf '%s' "$customer" | tr -c 'A-Za-z0-9._-' '_')
out=${3:-statement-$safe-${month:0:7}.pdf}
command -v weasyprint >/dev/null || { echo "statement.sh: weasyprint is missing (scripts/deps.sh installs it)" >&2; exit 1; }

html=$(mktemp --suffix=.html)
trap 'rm -f "$html"' EXIT
# psql quotes the variables (:'name'), so any customer id is safe; -c would not interpolate them.
psql -X -q -At -v ON_ERROR_STOP=1 -v customer="$customer" -v month="$month" -o "$html" <<'SQL'
SELECT dexcost.statement_html(:'customer', :'month');
SQL
weasyprint --quiet "$html" "$out"
echo "$out"
