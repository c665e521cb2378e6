// Guard for the pure C++ half of dexcost: src/core never sees a PostgreSQL header.
//
// Binding files (src/pg_*.cpp) include core headers first and PostgreSQL's last, so
// PostgreSQL macros (printf, Min, Max, ...) never leak into the C++ standard library
// and core code. If postgres.h was already included, stop the build here.
#pragma once

#if defined(PG_VERSION_NUM) || defined(POSTGRES_H)
#error "src/core is pure C++: include core headers before any PostgreSQL header"
#endif
