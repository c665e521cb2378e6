# dexcost: PostgreSQL extension (C++17) for what AI agents cost.
#
# PGXS is the one build and install path:
#   make && make install     build dexcost.so and install it into the server found by pg_config
#   make demo                everything needed for a first look (see README.md)
#   make test                every test layer against a throwaway cluster (see README.md)

EXTENSION   = dexcost
MODULE_big  = dexcost
DATA        = sql/dexcost--0.1.sql
# Upgrade script 0.1 -> 0.2, built from its parts (one file per feature, applied in name order).
UPGRADE_0_2 = $(sort $(wildcard sql/0.2/*.sql))
DATA_built  = sql/dexcost--0.1--0.2.sql
PGFILEDESC  = "dexcost - the system of record for what AI agents cost"

CORE_SRCS   = $(sort $(wildcard src/core/*.cpp))
PG_SRCS     = $(sort $(wildcard src/pg_*.cpp))
OBJS        = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# pg_regress: inputs in test/sql, expected outputs in the top-level expected/
# (pg_regress looks in --outputdir=. before --inputdir on PG15).
REGRESS      = $(basename $(notdir $(sort $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=test --load-extension=btree_gist --load-extension=$(EXTENSION)

ISOLATION      = $(basename $(notdir $(sort $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=btree_gist --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Isrc
# -Wno-register: PostgreSQL headers still use the C 'register' keyword, which C++17 removed.
PG_CXXFLAGS = -std=c++17 -fPIC -Wall -Wextra -Wno-register -Wno-missing-field-initializers -MMD -MP $(DEXCOST_WERROR)
SHLIB_LINK += -lstdc++

EXTRA_CLEAN = src/*.d src/core/*.d results/ regression.diffs regression.out output_iso/ build/

# The LLVM bitcode rule leaves out CXXFLAGS; our functions gain nothing from JIT inlining,
# so skip bitcode entirely (no clang needed on the build machine). Must precede the include.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

sql/dexcost--0.1--0.2.sql: $(UPGRADE_0_2)
	cat $^ > $@

.PHONY: test demo unit bench stop statement
test:
	scripts/test.sh
demo:
	scripts/demo.sh
unit:
	scripts/unit.sh
stop:
	scripts/cluster.sh stop demo

# A customer's monthly statement as a PDF: make statement CUSTOMER=acme MONTH=2026-09 [OUT=file.pdf]
statement:
	scripts/statement.sh "$(CUSTOMER)" "$(MONTH)" $(OUT)
