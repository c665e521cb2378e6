// Unit tests for the write order of a payload's tasks (parents before children).
#include "core/task_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dexcost;

namespace {

// A payload's tasks: ids and parent ids owned here, links viewing them.
struct Payload {
	std::vector<std::string> ids, parents;
	std::vector<bool> ok;

	void add(std::string id, std::string parent = "", bool accepted = true) {
		ids.push_back(std::move(id));
		parents.push_back(std::move(parent));
		ok.push_back(accepted);
	}
	std::vector<TaskLink> links() const {
		std::vector<TaskLink> l;
		for (size_t i = 0; i < ids.size(); ++i)
			l.push_back(TaskLink{ids[i], parents[i], ok[i]});
		return l;
	}
};

struct Result {
	std::vector<int> order;
	std::vector<TaskPlace> place;
};

Result run(const Payload &p) {
	std::vector<TaskLink> l = p.links();
	Result r;
	r.order.assign(l.size(), -1);
	r.place.assign(l.size(), TaskPlace::kSkipped);
	size_t n_order = 12345;
	order_tasks(l.data(), l.size(), r.order.data(), &n_order, r.place.data());
	r.order.resize(n_order);
	return r;
}

// The quadratic passes ingest used before (the reference for the order): later copies of an
// id supersede earlier ones; each pass places, in payload order, every task whose parent is
// not an unplaced task of the payload; tasks never placed form a cycle.
Result reference(const Payload &p) {
	size_t n = p.ids.size();
	Result r;
	r.place.assign(n, TaskPlace::kSkipped);
	std::vector<bool> ok = p.ok, placed(n, false);
	for (size_t i = 0; i < n; ++i)
		for (size_t j = i + 1; j < n && ok[i]; ++j)
			if (ok[j] && p.ids[i] == p.ids[j]) {
				ok[i] = false;
				r.place[i] = TaskPlace::kSuperseded;
			}
	for (size_t pass = 0; pass <= n; ++pass) {
		bool progress = false;
		for (size_t i = 0; i < n; ++i) {
			if (!ok[i] || placed[i])
				continue;
			bool pending = false;
			if (!p.parents[i].empty())
				for (size_t j = 0; j < n; ++j)
					if (j != i && ok[j] && !placed[j] && p.ids[j] == p.parents[i])
						pending = true;
			if (pending)
				continue;
			placed[i] = progress = true;
			r.order.push_back(static_cast<int>(i));
			r.place[i] = TaskPlace::kPlaced;
		}
		if (!progress)
			break;
	}
	for (size_t i = 0; i < n; ++i)
		if (ok[i] && !placed[i])
			r.place[i] = TaskPlace::kCycle;
	return r;
}

// Whether every placed task comes after its placed parent.
void expect_parents_first(const Payload &p, const Result &r) {
	std::unordered_map<std::string, size_t> position; // of the placed tasks, by id
	for (size_t k = 0; k < r.order.size(); ++k)
		position[p.ids[r.order[k]]] = k;
	for (size_t k = 0; k < r.order.size(); ++k) {
		auto parent = position.find(p.parents[r.order[k]]);
		if (parent != position.end()) {
			EXPECT_LT(parent->second, k) << "task " << p.ids[r.order[k]] << " before its parent";
		}
	}
}

std::string id(int k) { return "t" + std::to_string(k); }

// Trees of `size` tasks, each task the parent of up to three: task k's parent, or -1.
int forest_parent(int k, int size) { return k % size == 0 ? -1 : k / size * size + (k % size - 1) / 3; }

} // namespace

TEST(TaskOrder, ParentsFirstKeepsThePayloadOrder) {
	Payload p;
	for (int k = 0; k < 300; ++k)
		p.add(id(k), forest_parent(k, 100) < 0 ? "" : id(forest_parent(k, 100)));
	Result r = run(p);
	ASSERT_EQ(r.order.size(), 300u);
	for (int k = 0; k < 300; ++k)
		EXPECT_EQ(r.order[k], k);
}

TEST(TaskOrder, ChildrenFirstPutsParentsFirst) {
	Payload p;
	for (int k = 299; k >= 0; --k)
		p.add(id(k), forest_parent(k, 100) < 0 ? "" : id(forest_parent(k, 100)));
	Result r = run(p);
	ASSERT_EQ(r.order.size(), 300u);
	expect_parents_first(p, r);
	Result ref = reference(p);
	EXPECT_EQ(r.order, ref.order);
	EXPECT_EQ(r.place, ref.place);
	// The roots (payload positions 99, 199, 299 hold tasks 200, 100, 0) come first, in payload order.
	EXPECT_EQ(r.order[0], 99);
	EXPECT_EQ(r.order[1], 199);
	EXPECT_EQ(r.order[2], 299);
}

TEST(TaskOrder, ReversedChainGoesRootFirst) {
	Payload p;
	const int n = 1000;
	for (int k = n - 1; k >= 0; --k)
		p.add(id(k), k == 0 ? "" : id(k - 1));
	Result r = run(p);
	ASSERT_EQ(r.order.size(), static_cast<size_t>(n));
	for (int k = 0; k < n; ++k)
		EXPECT_EQ(r.order[k], n - 1 - k); // task k sits at payload position n - 1 - k
}

TEST(TaskOrder, VeryDeepChainsInEitherOrder) {
	// 100,000 deep: a recursive walk would overflow the stack; the reference would take hours.
	const int n = 100000;
	for (bool reversed : {false, true}) {
		Payload p;
		for (int j = 0; j < n; ++j) {
			int k = reversed ? n - 1 - j : j;
			p.add(id(k), k == 0 ? "" : id(k - 1));
		}
		Result r = run(p);
		ASSERT_EQ(r.order.size(), static_cast<size_t>(n));
		for (int k = 0; k < n; ++k)
			ASSERT_EQ(r.order[k], reversed ? n - 1 - k : k) << (reversed ? "reversed" : "parents first");
	}
}

TEST(TaskOrder, ChainWithAlternatingDirections) {
	// Links that point forward and backward in the payload: task 2k at position k, task 2k+1 at
	// position n-1-k. Every step from the even half to the odd half and back.
	const int n = 20001;
	std::vector<int> at(n);
	for (int k = 0; k < n; ++k)
		at[k] = k % 2 == 0 ? k / 2 : n - 1 - k / 2;
	std::vector<int> task_at(n);
	for (int k = 0; k < n; ++k)
		task_at[at[k]] = k;
	Payload p;
	for (int pos = 0; pos < n; ++pos) {
		int k = task_at[pos];
		p.add(id(k), k == 0 ? "" : id(k - 1));
	}
	Result r = run(p);
	ASSERT_EQ(r.order.size(), static_cast<size_t>(n));
	for (int k = 0; k < n; ++k)
		ASSERT_EQ(r.order[k], at[k]);
}

TEST(TaskOrder, ForestOfShuffledTrees) {
	Payload p;
	std::vector<int> tasks(5000);
	for (int k = 0; k < 5000; ++k)
		tasks[k] = k;
	std::shuffle(tasks.begin(), tasks.end(), std::mt19937(7));
	for (int k : tasks)
		p.add(id(k), forest_parent(k, 50) < 0 ? "" : id(forest_parent(k, 50)));
	Result r = run(p);
	ASSERT_EQ(r.order.size(), 5000u);
	expect_parents_first(p, r);
}

TEST(TaskOrder, CyclesAndWhatHangsBelowThemArePlacedNowhere) {
	Payload p;
	p.add("a", "b");   // 0: a -> b -> a
	p.add("b", "a");   // 1
	p.add("c", "a");   // 2: below the cycle
	p.add("root");     // 3
	p.add("d", "root"); // 4
	p.add("x", "y");   // 5: x -> y -> z -> x
	p.add("y", "z");   // 6
	p.add("z", "x");   // 7
	Result r = run(p);
	EXPECT_EQ(r.order, (std::vector<int>{3, 4}));
	for (int i : {0, 1, 2, 5, 6, 7})
		EXPECT_EQ(r.place[i], TaskPlace::kCycle) << i;
	EXPECT_EQ(r.place[3], TaskPlace::kPlaced);
	EXPECT_EQ(r.place[4], TaskPlace::kPlaced);
}

TEST(TaskOrder, SelfParentIsLeftToTheChecksAndTheTable) {
	// check_task refuses a task that names itself as parent before ordering; if one came through,
	// it is not its own parent in the payload (the table's trigger refuses it), as before.
	Payload p;
	p.add("a", "a");
	Result r = run(p);
	EXPECT_EQ(r.order, (std::vector<int>{0}));
	EXPECT_EQ(r.place, reference(p).place);
}

TEST(TaskOrder, LaterCopyOfAnIdCounts) {
	Payload p;
	p.add("child", "parent"); // 0
	p.add("parent");          // 1: superseded by 3
	p.add("child", "parent"); // 2: counts (the last copy)
	p.add("parent");          // 3
	p.add("parent", "", false); // 4: refused copy: supersedes nothing
	Result r = run(p);
	EXPECT_EQ(r.place[0], TaskPlace::kSuperseded);
	EXPECT_EQ(r.place[1], TaskPlace::kSuperseded);
	EXPECT_EQ(r.place[4], TaskPlace::kSkipped);
	EXPECT_EQ(r.order, (std::vector<int>{3, 2}));
	EXPECT_EQ(r.order, reference(p).order);
}

TEST(TaskOrder, RefusedTasksAreNobodysParent) {
	Payload p;
	p.add("child", "parent");
	p.add("parent", "", false);
	Result r = run(p);
	// The parent in the payload was refused: the child is a root here (ingest then looks the
	// parent up in dexcost.task, or parks the child).
	EXPECT_EQ(r.order, (std::vector<int>{0}));
	EXPECT_EQ(r.place[1], TaskPlace::kSkipped);
}

TEST(TaskOrder, EmptyPayload) {
	Payload p;
	Result r = run(p);
	EXPECT_TRUE(r.order.empty());
}

TEST(TaskOrder, SameOrderAsTheRepeatedPasses) {
	// Random payloads with duplicates, cycles, refused tasks and outside parents: the same order
	// and the same fates as the quadratic passes ingest used before.
	std::mt19937 rng(42);
	for (int round = 0; round < 3000; ++round) {
		int n = static_cast<int>(rng() % 40);
		int id_space = n + 1 + static_cast<int>(rng() % 8);
		Payload p;
		for (int k = 0; k < n; ++k) {
			std::string parent = rng() % 5 == 0 ? "" : id(static_cast<int>(rng() % id_space));
			p.add(id(static_cast<int>(rng() % id_space)), parent, rng() % 10 != 0);
		}
		Result r = run(p), ref = reference(p);
		ASSERT_EQ(r.order, ref.order) << "round " << round;
		ASSERT_EQ(r.place, ref.place) << "round " << round;
	}
}
