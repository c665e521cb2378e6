#!/usr/bin/env bash
# Installs the Debian packages dexcost needs to build, test and demo, when they are missing,
# and the packages given as arguments (bench/percentiles.sh asks for postgresql-15-tdigest).
#
# Everything comes from Debian 12's own archive:
#   postgresql-15, postgresql-server-dev-15  the server (contrib's btree_gist included) and PGXS
#   postgresql-client-15                     psql, pg_regress and pg_isolation_regress
#   libboost-dev                             Boost headers (Accumulators)
#   postgresql-15-pgtap + pg_prove           pgTAP behaviour tests
#   postgresql-15-cron                       scheduled checks (pg_cron)
#   cmake, g++, libgtest-dev                 the core's unit tests
#   libpostgresql-jdbc-java, openjdk-17-jdk-headless   the BI client test (the PostgreSQL JDBC driver, as Metabase uses it)
#   weasyprint, poppler-utils                statement PDFs (HTML to PDF, see docs/reconcile.md) and their test (pdftotext)
set -euo pipefail

packages=(postgresql-15 postgresql-client-15 postgresql-server-dev-15 libboost-dev
          postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-15-cron
          cmake g++ make libgtest-dev libpostgresql-jdbc-java openjdk-17-jdk-headless weasyprint poppler-utils
          "$@") # arguments: more packages (benchmarks ask for their baselines)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "dexcost: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "dexcost: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package may start its own cluster on 5432; dexcost never uses it.
