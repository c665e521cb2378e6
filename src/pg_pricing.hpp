// Shared between the pricing and event bindings: the backend's in-memory price catalogue.
//
// Plain structs only cross this boundary, so callers keep no C++ object alive while
// PostgreSQL may raise an error. Include before pg_bridge.hpp.
#pragma once

#include "core/pricing.hpp"

#include <cstddef>
#include <cstdint>

namespace dexcost_pg {

// A pricing question in plain data (strings may be nullptr).
struct PlainPriceRequest {
	const char *provider = nullptr;
	const char *model = nullptr;
	const char *service_tier = "standard";
	int64_t at = 0;
	int64_t tokens[dexcost::kBucketCount] = {0, 0, 0, 0, 0, 0};
	bool known[dexcost::kBucketCount] = {false, false, false, false, false, false};
};

// Its answer in plain data: a decimal cost and version when priced, a reason when not.
struct PlainPriceResult {
	bool failed = false; // a C++ exception was caught; reason holds its message
	bool priced = false;
	char cost[64] = "";
	char version[160] = "";
	char reason[512] = "";
};

// Registers the relcache callback that drops the catalogue when prices change.
void pricing_init();
// Registers the event binding's callbacks.
void event_init();

// Phase 1: makes sure the catalogue reflects dexcost.model_price and model_alias (may ereport).
void ensure_price_catalog();

// Phase 2: prices with the loaded catalogue; never throws.
void price_noexcept(const PlainPriceRequest &request, PlainPriceResult *result) noexcept;

} // namespace dexcost_pg
