// Cooperative cancellation of the core's long loops, without any PostgreSQL header.
//
// PostgreSQL cancels a query by setting a flag from a signal handler (InterruptPending) and acting on
// it at the next CHECK_FOR_INTERRUPTS(), which the core may not call: it would longjmp over C++
// frames. So the binding points g_interrupt_flag at that flag (in _PG_init), long core loops poll it
// every kInterruptStride iterations and return a kInterrupted status, and the binding runs
// CHECK_FOR_INTERRUPTS() after the core returned (phase 3), then calls again if the interrupt was
// not a cancel. Unit tests and benchmarks leave the pointer null (never interrupted) or point it at
// a flag of their own.
#pragma once

#include "core/cpp_only.hpp"

#include <csignal>
#include <cstdint>

namespace dexcost {

// The flag a long loop polls; null: never interrupted.
extern const volatile std::sig_atomic_t *g_interrupt_flag;

// Iterations between two polls: a few hundred microseconds of the slowest loop that polls.
constexpr uint32_t kInterruptStride = 1u << 16;

// Whether an interrupt is pending (one volatile read).
inline bool interrupt_pending() noexcept {
	const volatile std::sig_atomic_t *flag = g_interrupt_flag;
	return flag != nullptr && *flag != 0;
}

// Counts iterations and polls the flag every kInterruptStride of them.
class InterruptPoll {
  public:
	// Whether the loop should stop now.
	bool stop() noexcept { return (++count_ & (kInterruptStride - 1)) == 0 && interrupt_pending(); }

  private:
	uint32_t count_ = 0;
};

// Stops polling while alive (restores the previous flag): for a call that must finish, e.g. when the
// binding cannot serve the interrupt because PostgreSQL holds interrupts off.
class InterruptsIgnored {
  public:
	InterruptsIgnored() noexcept : saved_(g_interrupt_flag) { g_interrupt_flag = nullptr; }
	~InterruptsIgnored() { g_interrupt_flag = saved_; }
	InterruptsIgnored(const InterruptsIgnored &) = delete;
	InterruptsIgnored &operator=(const InterruptsIgnored &) = delete;

  private:
	const volatile std::sig_atomic_t *saved_;
};

} // namespace dexcost
