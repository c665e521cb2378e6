// The quantile sketch for other bindings. Include after pg_bridge.hpp.
#pragma once

namespace dexcost_pg {

// A dexcost.ddsketch of n values (n > 0) with the default relative error: what the aggregate
// dexcost.sketch(float8) returns for them. Raises like it (NaN and infinity are refused).
Datum sketch_of_values(const double *values, size_t n);

} // namespace dexcost_pg
