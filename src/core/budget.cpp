// Budget spend: per-statement accumulation of the budget_spend rows.
#include "core/budget.hpp"

#include <algorithm>

namespace dexcost {

int64_t spend_bucket(int64_t at) noexcept {
	int64_t r = at % kSpendBucketMicros;
	if (r < 0) // before 2000: floor, as date_bin does
		r += kSpendBucketMicros;
	return at - r;
}

DecimalError parse_spend_amount(std::string_view text, SpendAmount *out) noexcept {
	DecimalError err = Decimal::parse(text, &out->value);
	if (err != DecimalError::kNone)
		return err;
	size_t point = text.find('.');
	out->scale = point == std::string_view::npos ? 0 : static_cast<int>(text.size() - point - 1);
	return DecimalError::kNone;
}

std::string format_spend(const Decimal &value, int scale) {
	std::string text = value.to_string(); // shortest; never more than 18 places
	size_t point = text.find('.');
	int places = point == std::string::npos ? 0 : static_cast<int>(text.size() - point - 1);
	if (scale > places) {
		if (places == 0)
			text.push_back('.');
		text.append(static_cast<size_t>(scale - places), '0');
	}
	return text;
}

size_t BudgetSpendAccumulator::KeyHash::operator()(const Key &k) const noexcept {
	uint64_t h = static_cast<uint64_t>(k.budget_id) * 0x9E3779B97F4A7C15ULL;
	return static_cast<size_t>(h ^ (static_cast<uint64_t>(k.bucket) + (h << 6) + (h >> 2)));
}

bool BudgetSpendAccumulator::add(int64_t budget_id, int64_t bucket, const SpendAmount &amount, int sign) {
	auto it = groups_.try_emplace(Key{budget_id, bucket}).first;
	BudgetSpendRow &row = it->second;
	row.budget_id = budget_id;
	row.bucket = bucket;
	row.scale = std::max(row.scale, amount.scale);
	Decimal delta = sign > 0 ? amount.value : Decimal::from_units(-amount.value.units());
	return row.spent.checked_add(delta, &row.spent);
}

std::vector<BudgetSpendRow> BudgetSpendAccumulator::rows(bool drop_zero) const {
	std::vector<BudgetSpendRow> out;
	out.reserve(groups_.size());
	for (const auto &kv : groups_)
		if (!drop_zero || !kv.second.spent.is_zero())
			out.push_back(kv.second);
	std::sort(out.begin(), out.end(), [](const BudgetSpendRow &a, const BudgetSpendRow &b) {
		return a.budget_id != b.budget_id ? a.budget_id < b.budget_id : a.bucket < b.bucket;
	});
	return out;
}

std::optional<BudgetScope> budget_scope_of(std::string_view word) noexcept {
	static constexpr std::string_view kWords[kBudgetScopeCount] = {"customer", "team", "user",
	                                                               "task_type", "project", "workspace"};
	for (int s = 0; s < kBudgetScopeCount; ++s)
		if (word == kWords[s])
			return static_cast<BudgetScope>(s);
	return std::nullopt;
}

namespace {

std::string scope_key(BudgetScope scope, std::string_view scope_id) {
	std::string key(1, static_cast<char>('0' + static_cast<int>(scope)));
	key.append(scope_id.data(), scope_id.size());
	return key;
}

} // namespace

void BudgetIndex::add(BudgetScope scope, std::string_view scope_id, int64_t budget_id) {
	by_key_[scope_key(scope, scope_id)].push_back(budget_id);
	++count_;
	if (scope != BudgetScope::kCustomer && scope != BudgetScope::kWorkspace)
		needs_task_ = true;
}

void BudgetIndex::match(const std::optional<std::string_view> (&values)[kBudgetScopeCount],
                        std::vector<int64_t> *out) const {
	for (int s = 0; s < kBudgetScopeCount; ++s) {
		auto scope = static_cast<BudgetScope>(s);
		std::optional<std::string_view> v = scope == BudgetScope::kWorkspace ? std::optional<std::string_view>("*") : values[s];
		if (!v)
			continue;
		auto it = by_key_.find(scope_key(scope, *v));
		if (it != by_key_.end())
			out->insert(out->end(), it->second.begin(), it->second.end());
	}
}

} // namespace dexcost
