// The write order of a payload's tasks: Kahn's algorithm over the payload's parent links.
#include "core/task_order.hpp"

#include <unordered_map>
#include <vector>

namespace dexcost {

void order_tasks(const TaskLink *tasks, size_t n, int *order, size_t *n_order, TaskPlace *place) {
	*n_order = 0;
	// The copy of an id that counts is the last ok one: walking backwards, the first met.
	// Every counted task is kCycle until a path from a root reaches it.
	std::unordered_map<std::string_view, int> index;
	index.reserve(n);
	for (size_t k = n; k-- > 0;) {
		if (!tasks[k].ok) {
			place[k] = TaskPlace::kSkipped;
			continue;
		}
		place[k] = index.emplace(tasks[k].id, static_cast<int>(k)).second ? TaskPlace::kCycle : TaskPlace::kSuperseded;
	}

	// Each counted task's parent in the payload (-1: none there), and the children of each
	// task in payload order (compressed rows: the children of p are kids[start[p] .. start[p + 1])).
	std::vector<int> parent(n, -1);
	std::vector<size_t> start(n + 1, 0);
	for (size_t i = 0; i < n; ++i) {
		if (place[i] != TaskPlace::kCycle || tasks[i].parent.empty())
			continue;
		auto it = index.find(tasks[i].parent);
		if (it != index.end() && it->second != static_cast<int>(i)) {
			parent[i] = it->second;
			++start[it->second + 1];
		}
	}
	for (size_t p = 0; p < n; ++p)
		start[p + 1] += start[p];
	std::vector<int> kids(start[n]);
	std::vector<size_t> next(start.begin(), start.end() - 1);
	for (size_t i = 0; i < n; ++i)
		if (parent[i] >= 0)
			kids[next[parent[i]]++] = static_cast<int>(i);

	// Breadth first from the roots (an explicit queue: no recursion, whatever the depth). The pass
	// a task is placed in, as repeated passes in payload order would place it: its parent's pass
	// if the parent comes earlier in the payload, the one after if later.
	std::vector<int> pass(n, 0);
	std::vector<int> queue;
	queue.reserve(n);
	for (size_t i = 0; i < n; ++i)
		if (place[i] == TaskPlace::kCycle && parent[i] < 0)
			queue.push_back(static_cast<int>(i));
	int passes = queue.empty() ? 0 : 1;
	for (size_t head = 0; head < queue.size(); ++head) {
		int p = queue[head];
		for (size_t k = start[p]; k < start[p + 1]; ++k) {
			int c = kids[k];
			pass[c] = pass[p] + (p > c ? 1 : 0);
			if (pass[c] + 1 > passes)
				passes = pass[c] + 1;
			queue.push_back(c);
		}
	}

	// Counting sort of the reached tasks by pass, payload order within a pass. Tasks the queue
	// never reached hang in a cycle (or below one) and stay kCycle.
	std::vector<size_t> at(static_cast<size_t>(passes) + 1, 0);
	for (int i : queue)
		++at[pass[i] + 1];
	for (int p = 0; p < passes; ++p)
		at[p + 1] += at[p];
	std::vector<char> reached(n, 0);
	for (int i : queue)
		reached[i] = 1;
	for (size_t i = 0; i < n; ++i)
		if (reached[i]) {
			order[at[pass[i]]++] = static_cast<int>(i);
			place[i] = TaskPlace::kPlaced;
		}
	*n_order = queue.size();
}

} // namespace dexcost
