// Daily pre-aggregates: per-statement accumulation of the daily delta rows.
#include "core/daily.hpp"

#include <algorithm>
#include <cstring>

namespace dexcost {

namespace {

constexpr int kLlmCall = 0; // index of llm_call in kEventTypes

bool add_count(int64_t *a, int64_t b, int sign) {
	int64_t delta = 0;
	if (__builtin_mul_overflow(b, static_cast<int64_t>(sign), &delta))
		return false;
	return !__builtin_add_overflow(*a, delta, a);
}

bool add_money(Decimal *a, const Decimal &b, int sign) {
	return a->checked_add(sign > 0 ? b : Decimal::from_units(-b.units()), a);
}

// Appends a length-prefixed part to a key, so ("ab", "c") and ("a", "bc") differ.
void key_part(std::string *key, std::string_view part) {
	uint32_t n = static_cast<uint32_t>(part.size());
	key->append(reinterpret_cast<const char *>(&n), sizeof n);
	key->append(part.data(), part.size());
}

void key_day(std::string *key, int32_t day) {
	key->append(reinterpret_cast<const char *>(&day), sizeof day);
}

template <typename Entry>
std::vector<const Entry *> sorted_rows(const std::unordered_map<std::string, Entry> &map, bool (*keep)(const Entry &)) {
	std::vector<std::pair<const std::string *, const Entry *>> rows;
	rows.reserve(map.size());
	for (const auto &kv : map)
		if (keep(kv.second))
			rows.emplace_back(&kv.first, &kv.second);
	std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) { return *a.first < *b.first; });
	std::vector<const Entry *> out;
	out.reserve(rows.size());
	for (const auto &r : rows)
		out.push_back(r.second);
	return out;
}

bool keep_customer(const DailyCustomerEntry &e) {
	return e.llm_calls != 0 || !e.totals.is_zero();
}

bool keep_model(const DailyModelEntry &e) {
	return e.llm_calls != 0 || e.unpriced_calls != 0 || e.retry_calls != 0 || e.failed_calls != 0 || !e.cost.is_zero() ||
	       e.input_tokens != 0 || e.cache_read_tokens != 0 || e.cache_write_tokens != 0 || e.output_tokens != 0 ||
	       e.reasoning_tokens != 0 || e.latency_ms_sum != 0 || e.latency_calls != 0 || !e.cost_values.empty() ||
	       !e.latency_values.empty() || !e.prompt_values.empty() || !e.output_values.empty();
}

bool keep_retry(const DailyRetryEntry &e) {
	return e.retries != 0 || e.second_attempts != 0 || e.later_attempts != 0 || !e.retry_cost.is_zero();
}

} // namespace

bool is_llm_call(const EventFacts &facts) {
	return facts.event_type == kLlmCall;
}

bool DailyAccumulator::add(const DailyEvent &e, int sign) {
	const EventFacts &f = e.facts;

	key_.clear();
	key_day(&key_, e.day);
	key_part(&key_, e.customer_id);
	key_part(&key_, e.task_type);
	auto c = customers_.find(key_);
	if (c == customers_.end()) {
		c = customers_.emplace(key_, DailyCustomerEntry()).first;
		c->second.day = e.day;
		c->second.customer_id.assign(e.customer_id);
		c->second.task_type.assign(e.task_type);
	}
	if (!c->second.totals.add_event(f, sign) || !add_count(&c->second.llm_calls, is_llm_call(f) ? 1 : 0, sign))
		return false;

	if (is_llm_call(f)) {
		key_.clear();
		key_day(&key_, e.day);
		for (std::string_view part : {e.task_type, e.provider, e.model, e.route, e.service_tier, e.fallback_reason})
			key_part(&key_, part);
		auto m = models_.find(key_);
		if (m == models_.end()) {
			m = models_.emplace(key_, DailyModelEntry()).first;
			DailyModelEntry &n = m->second;
			n.day = e.day;
			n.task_type.assign(e.task_type);
			n.provider.assign(e.provider);
			n.model.assign(e.model);
			n.route.assign(e.route);
			n.service_tier.assign(e.service_tier);
			n.fallback_reason.assign(e.fallback_reason);
		}
		DailyModelEntry &me = m->second;
		const int64_t *t = f.tokens;
		int64_t cache_write = 0;
		if (__builtin_add_overflow(t[static_cast<int>(Bucket::kCacheWrite)], t[static_cast<int>(Bucket::kCacheWrite1h)],
		                           &cache_write))
			return false;
		bool ok = add_count(&me.llm_calls, 1, sign) && add_count(&me.unpriced_calls, f.priced ? 0 : 1, sign) &&
		          add_count(&me.retry_calls, counts_as_retry(f) ? 1 : 0, sign) &&
		          add_count(&me.failed_calls, f.has_error ? 1 : 0, sign) &&
		          add_count(&me.input_tokens, t[static_cast<int>(Bucket::kInput)], sign) &&
		          add_count(&me.cache_read_tokens, t[static_cast<int>(Bucket::kCacheRead)], sign) &&
		          add_count(&me.cache_write_tokens, cache_write, sign) &&
		          add_count(&me.output_tokens, t[static_cast<int>(Bucket::kOutput)], sign) &&
		          add_count(&me.reasoning_tokens, t[static_cast<int>(Bucket::kReasoning)], sign) &&
		          add_count(&me.latency_ms_sum, e.has_latency ? e.latency_ms : 0, sign) &&
		          add_count(&me.latency_calls, e.has_latency ? 1 : 0, sign) &&
		          (!f.priced || add_money(&me.cost, f.cost, sign));
		if (!ok)
			return false;
		if (sign > 0) { // sketches only grow
			if (f.priced)
				me.cost_values.push_back(e.cost_value);
			if (e.has_latency)
				me.latency_values.push_back(static_cast<double>(e.latency_ms));
			int64_t prompt = 0;
			if (__builtin_add_overflow(t[static_cast<int>(Bucket::kInput)], t[static_cast<int>(Bucket::kCacheRead)],
			                           &prompt) ||
			    __builtin_add_overflow(prompt, cache_write, &prompt))
				return false;
			me.prompt_values.push_back(static_cast<double>(prompt));
			if (e.has_output_tokens)
				me.output_values.push_back(static_cast<double>(t[static_cast<int>(Bucket::kOutput)]));
		}
	}

	if (counts_as_retry(f)) {
		std::string_view type = e.retry_type.empty() ? std::string_view("application_retry") : e.retry_type;
		key_.clear();
		key_day(&key_, e.day);
		key_part(&key_, e.task_type);
		key_part(&key_, type);
		key_part(&key_, e.retry_reason);
		auto r = retries_.find(key_);
		if (r == retries_.end()) {
			r = retries_.emplace(key_, DailyRetryEntry()).first;
			r->second.day = e.day;
			r->second.task_type.assign(e.task_type);
			r->second.retry_type.assign(type);
			r->second.retry_reason.assign(e.retry_reason);
		}
		DailyRetryEntry &re = r->second;
		bool ok = add_count(&re.retries, 1, sign) && add_count(&re.second_attempts, e.retry_attempt == 2 ? 1 : 0, sign) &&
		          add_count(&re.later_attempts, e.retry_attempt >= 3 ? 1 : 0, sign) &&
		          (!f.priced || add_money(&re.retry_cost, f.cost, sign));
		if (!ok)
			return false;
	}
	return true;
}

bool DailyTaskAccumulator::add(const DailyTaskRun &run, int sign) {
	key_.clear();
	key_day(&key_, run.day);
	key_part(&key_, run.customer_id);
	key_part(&key_, run.task_type);
	auto it = entries_.find(key_);
	if (it == entries_.end()) {
		it = entries_.emplace(key_, DailyTaskEntry()).first;
		it->second.day = run.day;
		it->second.customer_id.assign(run.customer_id);
		it->second.task_type.assign(run.task_type);
	}
	DailyTaskEntry &e = it->second;
	return add_count(&e.tasks, 1, sign) && add_count(&e.root_tasks, run.root ? 1 : 0, sign) &&
	       add_count(&e.succeeded_tasks, run.succeeded ? 1 : 0, sign) &&
	       add_count(&e.failed_tasks, run.failed ? 1 : 0, sign) && add_count(&e.accepted_tasks, run.accepted ? 1 : 0, sign);
}

std::vector<const DailyTaskEntry *> DailyTaskAccumulator::rows() const {
	return sorted_rows(entries_, +[](const DailyTaskEntry &) { return true; });
}

std::vector<const DailyCustomerEntry *> DailyAccumulator::customer_rows() const {
	return sorted_rows(customers_, keep_customer);
}

std::vector<const DailyModelEntry *> DailyAccumulator::model_rows() const {
	return sorted_rows(models_, keep_model);
}

std::vector<const DailyRetryEntry *> DailyAccumulator::retry_rows() const {
	return sorted_rows(retries_, keep_retry);
}

} // namespace dexcost
