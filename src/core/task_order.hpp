// The order in which the tasks of one SDK payload are written: a parent before its children.
//
// A payload may list its tasks in any order (children before parents, one long chain of
// sub-agents given deepest first). order_tasks() decides, in time linear in the number of
// tasks and with no recursion (a chain may be 100,000 deep), which copy of a task id sent twice
// counts, which tasks hang in a cycle, and the order to write the others in. Pure, no
// PostgreSQL header: the ingest binding (src/pg_ingest.cpp) hands it plain views of the ids.
#pragma once

#include "core/cpp_only.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dexcost {

// One task of a payload as the ordering sees it (views into the payload; nothing owned).
struct TaskLink {
	std::string_view id;     // task_id as sent
	std::string_view parent; // parent_task_id as sent; empty when null
	bool ok;                 // accepted by the checks so far; the others take no part
};

// What became of a task.
enum class TaskPlace : uint8_t {
	kSkipped,    // not ok on entry: left as it was
	kPlaced,     // in the write order
	kSuperseded, // a later copy of the same task id in the payload replaces it
	kCycle,      // its parent chain inside the payload never reaches a task outside it
};

// Orders the ok tasks of a payload so that a parent in the payload comes before its children.
// Ids are compared as sent (text); of several ok copies of an id the last counts. A task's
// parent "in the payload" is the remaining ok task with that id; any other parent (null, stored
// already, unknown, refused) is the binding's to resolve, so such a task is a root here.
// Writes the indexes of the placed tasks to order (room for n) and their count to *n_order,
// and every task's fate to place (room for n). The order is the one of repeated passes over
// the payload, each placing, in payload order, every task whose parent is placed already: a
// payload that lists parents first keeps its own order. O(n) expected time and memory; may
// throw std::bad_alloc.
void order_tasks(const TaskLink *tasks, size_t n, int *order, size_t *n_order, TaskPlace *place);

} // namespace dexcost
