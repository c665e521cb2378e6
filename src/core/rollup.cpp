// Roll-up arithmetic: per-event contributions and per-statement accumulation.
#include "core/rollup.hpp"

#include <algorithm>
#include <cstring>

namespace dexcost {

namespace {

constexpr int kLlmCall = 0, kExternalCost = 1, kComputeCost = 2, kRetryMarker = 3, kNetwork = 4, kGpuCost = 5,
              kGpuUtilization = 6;

// a += sign * b for counts; false on overflow.
bool add_count(int64_t *a, int64_t b, int sign) {
	int64_t delta = 0;
	if (__builtin_mul_overflow(b, static_cast<int64_t>(sign), &delta))
		return false;
	return !__builtin_add_overflow(*a, delta, a);
}

// a += sign * b for money; false on overflow.
bool add_money(Decimal *a, const Decimal &b, int sign) {
	return a->checked_add(sign > 0 ? b : Decimal::from_units(-b.units()), a);
}

} // namespace

CostCategory category_of(const EventFacts &facts) {
	switch (facts.event_type) {
	case kExternalCost:
		return CostCategory::kExternal;
	case kComputeCost:
		return CostCategory::kCompute;
	case kNetwork:
		return CostCategory::kNetwork;
	case kGpuCost:
	case kGpuUtilization: // a signal the SDK never prices; any cost it carries is GPU spend
		return CostCategory::kGpu;
	case kRetryMarker:
		return facts.has_model ? CostCategory::kLlm : CostCategory::kExternal;
	case kLlmCall:
	default:
		return CostCategory::kLlm;
	}
}

bool counts_as_retry(const EventFacts &facts) {
	return !facts.retry_dismissed && (facts.is_retry || facts.event_type == kRetryMarker);
}

bool Totals::add_event(const EventFacts &facts, int sign) {
	bool retry = counts_as_retry(facts);
	bool ok = add_count(&event_count, 1, sign) && add_count(&retry_count, retry ? 1 : 0, sign) &&
	          add_count(&failure_count, facts.has_error ? 1 : 0, sign) &&
	          add_count(&unpriced_count, facts.priced ? 0 : 1, sign);
	for (int b = 0; ok && b < kBucketCount; ++b)
		ok = add_count(&tokens[b], facts.tokens[b], sign);
	if (!ok || !facts.priced)
		return ok;
	Decimal *category = nullptr;
	switch (category_of(facts)) {
	case CostCategory::kLlm:
		category = &llm_cost;
		break;
	case CostCategory::kExternal:
		category = &external_cost;
		break;
	case CostCategory::kCompute:
		category = &compute_cost;
		break;
	case CostCategory::kNetwork:
		category = &network_cost;
		break;
	case CostCategory::kGpu:
		category = &gpu_cost;
		break;
	}
	return add_money(&total_cost, facts.cost, sign) && add_money(category, facts.cost, sign) &&
	       (!retry || add_money(&retry_cost, facts.cost, sign)) &&
	       (!facts.has_error || add_money(&failure_cost, facts.cost, sign));
}

bool Totals::is_zero() const {
	if (event_count || retry_count || failure_count || unpriced_count)
		return false;
	for (const Decimal *d :
	     {&total_cost, &llm_cost, &external_cost, &compute_cost, &network_cost, &gpu_cost, &retry_cost, &failure_cost})
		if (!d->is_zero())
			return false;
	return std::all_of(std::begin(tokens), std::end(tokens), [](int64_t t) { return t == 0; });
}

bool Accumulator::add(std::string_view customer_id, const unsigned char task_id[16], const EventFacts &facts,
                      int sign) {
	std::string key(reinterpret_cast<const char *>(task_id), 16);
	key.append(customer_id);
	auto [it, inserted] = entries_.try_emplace(std::move(key));
	if (inserted) {
		it->second.customer_id.assign(customer_id);
		std::memcpy(it->second.task_id, task_id, 16);
	}
	return it->second.totals.add_event(facts, sign);
}

std::vector<const Accumulator::Entry *> Accumulator::nonzero() const {
	std::vector<const Entry *> out;
	out.reserve(entries_.size());
	for (const auto &kv : entries_)
		if (!kv.second.totals.is_zero())
			out.push_back(&kv.second);
	// Key order: deterministic output (deltas are appended, so order takes no lock).
	std::sort(out.begin(), out.end(), [](const Entry *a, const Entry *b) {
		int c = std::memcmp(a->task_id, b->task_id, 16);
		return c != 0 ? c < 0 : a->customer_id < b->customer_id;
	});
	return out;
}

} // namespace dexcost
