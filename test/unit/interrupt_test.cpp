// Unit tests for cooperative cancellation (core/interrupt.hpp): the Pareto table's long loops (ranking,
// canonical serialization, merging, regrowing) stop with kInterrupted while the flag is set, leave their
// inputs usable, and give the same results as an uninterrupted run once the flag is clear.
#include "core/anomaly.hpp"
#include "core/interrupt.hpp"
#include "core/pareto.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

using namespace dexcost;

namespace {

constexpr uint32_t kKeys = 200000; // several kInterruptStride of work for every loop below

// A flat table in 8-aligned heap memory.
struct Flat {
	std::vector<uint64_t> mem;
	ParetoHeader *h() { return reinterpret_cast<ParetoHeader *>(mem.data()); }
};

// An empty table sized for n keys of up to 8 bytes.
Flat sized_for(uint32_t n) {
	Flat probe{std::vector<uint64_t>(pareto_bytes(kParetoMinCapacity, 0) / 8 + 1)};
	EXPECT_EQ(pareto_init(probe.h(), kParetoMinCapacity, 0), ParetoStatus::kOk);
	uint32_t capacity = 0, arena = 0;
	EXPECT_EQ(pareto_needed(probe.h(), n, static_cast<uint64_t>(n) * 8, &capacity, &arena), ParetoStatus::kOk);
	Flat t{std::vector<uint64_t>(pareto_bytes(capacity, arena) / 8 + 1)};
	EXPECT_EQ(pareto_init(t.h(), capacity, arena), ParetoStatus::kOk);
	return t;
}

// A table of keys "k<first>" .. "k<first + n - 1>", key i costing i % 97 units.
Flat table(uint32_t first, uint32_t n) {
	Flat t = sized_for(n);
	for (uint32_t i = first; i < first + n; ++i) {
		std::string key = "k" + std::to_string(i);
		EXPECT_EQ(pareto_add(t.h(), key.data(), key.size(), Decimal::from_units(i % 97)), ParetoStatus::kOk);
	}
	return t;
}

// Points the core at a flag of the test's own for the scope of a test.
class InterruptTest : public ::testing::Test {
  protected:
	void SetUp() override { g_interrupt_flag = &flag_; }
	void TearDown() override { g_interrupt_flag = nullptr; }
	volatile std::sig_atomic_t flag_ = 0;
};

TEST_F(InterruptTest, RankStopsAndThenRanksAsUninterrupted) {
	Flat t = table(0, kKeys);
	std::vector<uint32_t> order(kKeys), expected(kKeys);
	ASSERT_EQ(pareto_rank(t.h(), expected.data(), kKeys), ParetoStatus::kOk);
	flag_ = 1;
	ASSERT_EQ(pareto_rank(t.h(), order.data(), kKeys), ParetoStatus::kInterrupted);
	std::vector<uint32_t> a = order, b = expected; // still a permutation of the slot numbers
	std::sort(a.begin(), a.end());
	std::sort(b.begin(), b.end());
	EXPECT_EQ(a, b);
	flag_ = 0;
	ASSERT_EQ(pareto_rank(t.h(), order.data(), kKeys), ParetoStatus::kOk);
	EXPECT_EQ(order, expected);
}

TEST_F(InterruptTest, SerializeStopsAndThenWritesTheSameBytes) {
	Flat t = table(0, kKeys);
	std::vector<uint32_t> order(kKeys);
	size_t size = pareto_serialized_size(t.h()), written = 0;
	std::vector<uint8_t> expected(size), out(size);
	ASSERT_EQ(pareto_serialize(t.h(), order.data(), kKeys, expected.data(), size, &written), ParetoStatus::kOk);
	flag_ = 1;
	EXPECT_EQ(pareto_serialize(t.h(), order.data(), kKeys, out.data(), size, &written), ParetoStatus::kInterrupted);
	flag_ = 0;
	ASSERT_EQ(pareto_serialize(t.h(), order.data(), kKeys, out.data(), size, &written), ParetoStatus::kOk);
	EXPECT_EQ(out, expected);
}

TEST_F(InterruptTest, MergeResumesAtItsCursor) {
	Flat src = table(kKeys / 2, kKeys);
	Flat reference = sized_for(2 * kKeys), dst = sized_for(2 * kKeys);
	for (Flat *d : {&reference, &dst})
		for (uint32_t i = 0; i < kKeys; ++i) {
			std::string key = "k" + std::to_string(i);
			ASSERT_EQ(pareto_add(d->h(), key.data(), key.size(), Decimal::from_units(1)), ParetoStatus::kOk);
		}
	uint32_t cursor = 0;
	ASSERT_EQ(pareto_merge(reference.h(), src.h(), &cursor), ParetoStatus::kOk);

	cursor = 0;
	flag_ = 1;
	int stops = 0;
	ParetoStatus st;
	while ((st = pareto_merge(dst.h(), src.h(), &cursor)) == ParetoStatus::kInterrupted)
		++stops; // the flag stays set: each call merges one stride more, from its cursor
	ASSERT_EQ(st, ParetoStatus::kOk);
	EXPECT_GT(stops, 1);
	EXPECT_EQ(pareto_nkeys(dst.h()), pareto_nkeys(reference.h()));
	EXPECT_EQ(pareto_total(dst.h()), pareto_total(reference.h()));
	std::vector<uint32_t> o1(pareto_nkeys(dst.h())), o2(pareto_nkeys(dst.h()));
	size_t n1 = 0, n2 = 0;
	std::vector<uint8_t> b1(pareto_serialized_size(dst.h())), b2(pareto_serialized_size(reference.h()));
	flag_ = 0;
	ASSERT_EQ(pareto_serialize(dst.h(), o1.data(), o1.size(), b1.data(), b1.size(), &n1), ParetoStatus::kOk);
	ASSERT_EQ(pareto_serialize(reference.h(), o2.data(), o2.size(), b2.data(), b2.size(), &n2), ParetoStatus::kOk);
	EXPECT_EQ(b1, b2);
}

TEST_F(InterruptTest, RegrowStopsAndThenCopies) {
	Flat t = table(0, kKeys);
	uint32_t capacity = 0, arena = 0;
	ASSERT_EQ(pareto_needed(t.h(), kKeys, 0, &capacity, &arena), ParetoStatus::kOk);
	Flat bigger{std::vector<uint64_t>(pareto_bytes(capacity, arena) / 8 + 1)};
	flag_ = 1;
	EXPECT_EQ(pareto_regrow(t.h(), bigger.h(), capacity, arena), ParetoStatus::kInterrupted);
	flag_ = 0;
	ASSERT_EQ(pareto_regrow(t.h(), bigger.h(), capacity, arena), ParetoStatus::kOk);
	EXPECT_EQ(pareto_validate(bigger.h(), pareto_bytes(capacity, arena)), ParetoStatus::kOk);
	EXPECT_EQ(pareto_nkeys(bigger.h()), kKeys);
}

TEST_F(InterruptTest, SharesStopAndThenAnswerAsUninterrupted) {
	Flat t = table(0, kKeys);
	std::vector<uint32_t> order(kKeys);
	ASSERT_EQ(pareto_rank(t.h(), order.data(), kKeys), ParetoStatus::kOk);
	Decimal half, expected_cum, cum;
	ASSERT_EQ(Decimal::parse("0.999", &half), DecimalError::kNone);
	uint32_t expected_k = 0, k = 0;
	ASSERT_EQ(pareto_cumulative(t.h(), order.data(), kKeys, &expected_cum), ParetoStatus::kOk);
	ASSERT_EQ(pareto_keys_for_share(t.h(), order.data(), half, &expected_k), ParetoStatus::kOk);
	ASSERT_GT(expected_k, kInterruptStride);
	flag_ = 1;
	EXPECT_EQ(pareto_cumulative(t.h(), order.data(), kKeys, &cum), ParetoStatus::kInterrupted);
	EXPECT_EQ(pareto_keys_for_share(t.h(), order.data(), half, &k), ParetoStatus::kInterrupted);
	flag_ = 0;
	ASSERT_EQ(pareto_cumulative(t.h(), order.data(), kKeys, &cum), ParetoStatus::kOk);
	ASSERT_EQ(pareto_keys_for_share(t.h(), order.data(), half, &k), ParetoStatus::kOk);
	EXPECT_EQ(cum, expected_cum);
	EXPECT_EQ(k, expected_k);
}

TEST_F(InterruptTest, IgnoredScopeFinishesAndRestores) {
	Flat t = table(0, kKeys);
	std::vector<uint32_t> order(kKeys);
	flag_ = 1;
	{
		InterruptsIgnored ignored;
		EXPECT_EQ(pareto_rank(t.h(), order.data(), kKeys), ParetoStatus::kOk);
	}
	EXPECT_EQ(g_interrupt_flag, &flag_);
	EXPECT_EQ(pareto_rank(t.h(), order.data(), kKeys), ParetoStatus::kInterrupted);
}

} // namespace

// The anomaly detectors stop with kAnomalyInterrupted while the flag is set (polled per task type and per
// customer over the cost floor: 300,000 customers x 366 days took 5.8 s to cancel before), and find the
// same anomalies as ever once it is clear.
TEST(Interrupt, AnomalyDetectorsStopAndRunAgain) {
	const int days = 60, types = 3, customers = 50;
	std::vector<double> type_cost(types * days, 10), type_runs(types * days, 5), type_retry(types * days, 0.5),
	    customer_cost(static_cast<size_t>(customers) * days, 2);
	for (int k = 0; k < customers; ++k)
		customer_cost[static_cast<size_t>(k) * days + days - 1] = k == 7 ? 40 : 2; // customer 7 doubles
	AnomalyPanel panel;
	panel.days = days;
	panel.task_types = types;
	panel.customers = customers;
	panel.type_cost = type_cost.data();
	panel.type_runs = type_runs.data();
	panel.type_retry_cost = type_retry.data();
	panel.customer_cost = customer_cost.data();
	std::vector<AnomalyFinding> out(anomaly_capacity(panel));
	size_t clean = detect_anomalies(panel, AnomalyParams(), out.data(), out.size());
	ASSERT_NE(clean, kAnomalyInterrupted);
	ASSERT_GE(clean, 1u);
	volatile std::sig_atomic_t flag = 1;
	g_interrupt_flag = &flag;
	EXPECT_EQ(detect_anomalies(panel, AnomalyParams(), out.data(), out.size()), kAnomalyInterrupted);
	flag = 0;
	EXPECT_EQ(detect_anomalies(panel, AnomalyParams(), out.data(), out.size()), clean);
	g_interrupt_flag = nullptr;
	bool customer_found = false;
	for (size_t i = 0; i < clean; ++i)
		customer_found |= out[i].kind == AnomalyKind::kCustomerCostDoubled && out[i].subject == 7;
	EXPECT_TRUE(customer_found);
}
