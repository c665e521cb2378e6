// Retry settings shared by the event trigger and the retry functions. Include before pg_bridge.hpp.
#pragma once

#include <cstdint>

namespace dexcost_pg {

// Defines dexcost.enable_retry_heuristics, dexcost.retry_window and dexcost.retry_threshold.
void retry_init();

bool retry_heuristics_enabled();
int64_t retry_window_us(); // dexcost.retry_window in microseconds
double retry_threshold();  // dexcost.retry_threshold

} // namespace dexcost_pg
