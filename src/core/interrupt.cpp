// The flag long core loops poll (see interrupt.hpp).
#include "core/interrupt.hpp"

namespace dexcost {

const volatile std::sig_atomic_t *g_interrupt_flag = nullptr;

} // namespace dexcost
