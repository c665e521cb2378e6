// dexcost's shared library: module magic and load-time setup.
#include "pg_pricing.hpp"
#include "pg_retry.hpp"

#include "pg_bridge.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

// Registers the cache invalidation callbacks of the binding files.
void _PG_init(void) {
	dexcost_pg::pricing_init();
	dexcost_pg::event_init();
	dexcost_pg::retry_init();
}
