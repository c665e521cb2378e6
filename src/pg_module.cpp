// dexcost's shared library: module magic and load-time setup.
#include "core/interrupt.hpp"
#include "pg_pricing.hpp"
#include "pg_retry.hpp"

#include "pg_bridge.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

// Registers the cache invalidation callbacks of the binding files, and lets long core loops see
// PostgreSQL's pending interrupts (core/interrupt.hpp).
void _PG_init(void) {
	dexcost::g_interrupt_flag = &InterruptPending;
	dexcost_pg::pricing_init();
	dexcost_pg::event_init();
	dexcost_pg::retry_init();
	dexcost_pg::budget_init();
}
