// SQL surface of the cost ledger: the BEFORE INSERT OR UPDATE row trigger of dexcost.cost_event.
//
// For every row it checks the values (with messages that name the bad value and say how to
// fix it), copies the task's customer_id, and decides the cost:
//   given cost          -> kept (exact unless the client said otherwise)
//   quantity x price    -> estimated
//   tokens x catalogue  -> computed, with the price ids used; unknown (NULL) when unpriceable
// It runs once per row on every insert path (INSERT, multi-row INSERT, COPY), so it keeps
// per-backend caches: column numbers, the price catalogue, and the last task looked up.
#include "pg_pricing.hpp"
#include "pg_retry.hpp"

#include "core/decimal.hpp"
#include "core/retry.hpp"
#include "core/vocab.hpp"

#include "pg_bridge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_cost_event_before_write);
}

namespace dexcost_pg {

namespace {

// The columns the trigger reads or writes; the token columns follow dexcost::Bucket order.
enum Col {
	kEventId,
	kCustomerId,
	kTaskId,
	kEventType,
	kOccurredAt,
	kProvider,
	kModel,
	kServiceTier,
	kInputTokens,
	kCacheReadTokens,
	kCacheWriteTokens,
	kCacheWrite1hTokens,
	kOutputTokens,
	kReasoningTokens,
	kQuantity,
	kUnitPrice,
	kCost,
	kConfidence,
	kPricingVersion,
	kLatencyMs,
	kRetryType,
	kIsRetry,
	kRetryReason,
	kRetryOf,
	kErrorType,
	// Added by 0.2: missing between installing the new library and ALTER EXTENSION UPDATE,
	// when retry lineage and heuristics wait for the update.
	kRetryRoot,
	kRetryAttempt,
	kRetryConfidence,
	kRetryDetection,
	kColCount
};
constexpr int kFirstOptional = kRetryRoot;

const char *const kColNames[kColCount] = {
    "event_id",          "customer_id",   "task_id",          "event_type",         "occurred_at",
    "provider",          "model",         "service_tier",     "input_tokens",       "cache_read_tokens",
    "cache_write_tokens", "cache_write_1h_tokens", "output_tokens", "reasoning_tokens", "quantity",
    "unit_price_usd",    "cost_usd",      "cost_confidence",  "pricing_version",    "latency_ms",
    "retry_type",        "is_retry",      "retry_reason",     "retry_of",           "error_type",
    "retry_root_id",     "retry_attempt", "retry_confidence", "retry_detection"};

// Attribute numbers of kColNames in dexcost.cost_event, valid until its relcache entry changes.
struct AttrMap {
	Oid relid = InvalidOid;
	bool valid = false;
	bool has_lineage = false; // the 0.2 retry columns exist
	int attnum[kColCount];
};
AttrMap g_attrs;

// Tasks already looked up by the current command (one COPY or INSERT), so a bulk load
// looks each task up once. The foreign key still checks every row; this only saves work.
struct TaskCacheEntry {
	pg_uuid_t task_id; // hash key
	char *customer_id;
	bool only_customer; // found by task_id alone: no other customer has this task id
};
struct TaskCache {
	LocalTransactionId lxid = InvalidLocalTransactionId;
	CommandId cid = InvalidCommandId;
	MemoryContext cxt = nullptr;
	HTAB *tasks = nullptr;
};
TaskCache g_task_cache;

// The caller's known tasks (trust_known_tasks), or none.
struct Trusted {
	KnownCustomerFn fn;
	void *arg;
};
DEXCOST_PLAIN(Trusted);
Trusted g_trusted = {nullptr, nullptr};
constexpr long kTaskCacheMax = 65536;

SPIPlanPtr g_plan_by_key = nullptr;  // the task of (customer_id, task_id)
SPIPlanPtr g_plan_by_task = nullptr; // the tasks of task_id alone (single node only)

// One row's values of the columns above.
struct Row {
	Datum v[kColCount];
	bool null[kColCount];
};

// The columns the trigger replaces.
struct Changes {
	bool set[kColCount] = {};
	Datum v[kColCount] = {};
	bool null[kColCount] = {};

	void put(Col c, Datum value, bool is_null) {
		set[c] = true;
		v[c] = value;
		null[c] = is_null;
	}
};

DEXCOST_PLAIN(Row);
DEXCOST_PLAIN(Changes);
DEXCOST_PLAIN(PlainPriceRequest);
DEXCOST_PLAIN(PlainPriceResult);

// The ids of the indexes the retry lookups scan, valid until a relcache change.
struct RetryIndexes {
	bool valid = false;
	Oid by_task = InvalidOid;  // cost_event_task_idx (customer_id, task_id, occurred_at)
	Oid by_event = InvalidOid; // cost_event_pkey (customer_id, event_id)
};
RetryIndexes g_retry_indexes;

// Forgets column numbers (and index ids) when cost_event's definition changes.
void relcache_callback(Datum, Oid relid) {
	if (relid == InvalidOid || relid == g_attrs.relid)
		g_attrs.valid = g_retry_indexes.valid = false;
	if (relid == InvalidOid || relid == g_retry_indexes.by_task || relid == g_retry_indexes.by_event)
		g_retry_indexes.valid = false;
}

// Resolves the column numbers of rel, once per definition.
void resolve_attrs(Relation rel) {
	if (g_attrs.valid && g_attrs.relid == RelationGetRelid(rel))
		return;
	TupleDesc desc = RelationGetDescr(rel);
	g_attrs.has_lineage = true;
	for (int c = 0; c < kColCount; ++c) {
		int attnum = SPI_fnumber(desc, kColNames[c]);
		if (attnum <= 0 && c >= kFirstOptional) {
			g_attrs.has_lineage = false;
			attnum = 0;
		} else if (attnum <= 0)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
			                errmsg("table \"%s\" has no column \"%s\"", RelationGetRelationName(rel), kColNames[c]),
			                errhint("The cost_event_before_write trigger only works on dexcost.cost_event.")));
		g_attrs.attnum[c] = attnum;
	}
	g_attrs.relid = RelationGetRelid(rel);
	g_attrs.valid = true;
}

// Reads the trigger's columns from a tuple (one deform pass, not one walk per column).
void read_row(HeapTuple tuple, TupleDesc desc, Row *row) {
	Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * desc->natts));
	bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * desc->natts));
	heap_deform_tuple(tuple, desc, values, nulls);
	for (int c = 0; c < kColCount; ++c) {
		if (g_attrs.attnum[c] == 0) { // an optional column this schema lacks
			row->v[c] = (Datum)0;
			row->null[c] = true;
			continue;
		}
		row->v[c] = values[g_attrs.attnum[c] - 1];
		row->null[c] = nulls[g_attrs.attnum[c] - 1];
	}
}

// A text column as a C string (palloc'd), or nullptr for NULL.
const char *text_of(const Row &row, Col c) {
	return row.null[c] ? nullptr : TextDatumGetCString(row.v[c]);
}

// A numeric column as text, for messages.
const char *numeric_text(Datum value) {
	return DatumGetCString(DirectFunctionCall1(numeric_out, value));
}

// The uuid of the row, for messages.
const char *event_label(const Row &row) {
	return row.null[kEventId] ? "(no event_id)" : DatumGetCString(DirectFunctionCall1(uuid_out, row.v[kEventId]));
}

// Raises unless column c holds a word of vocab (or is NULL where allowed).
void check_word(const Row &row, Col c, const dexcost::Vocabulary &vocab, bool required, const char *hint) {
	if (row.null[c]) {
		if (required)
			ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
			                errmsg("%s of event %s must not be NULL", vocab.column, event_label(row)),
			                errdetail("%s must be %s.", vocab.column, vocab.listing), errhint("%s", hint)));
		return;
	}
	const char *word = text_of(row, c);
	if (!dexcost::vocab_contains(vocab, word))
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
		                errmsg("invalid %s \"%s\" for event %s", vocab.column, word, event_label(row)),
		                errdetail("%s must be %s.", vocab.column, vocab.listing), errhint("%s", hint)));
}

// Raises for a required column left NULL.
void check_present(const Row &row, Col c, const char *hint) {
	if (row.null[c])
		ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
		                errmsg("%s of event %s must not be NULL", kColNames[c], event_label(row)),
		                errhint("%s", hint)));
}

// Raises for a negative, NaN or infinite money or quantity value.
void check_amount(const Row &row, Col c, const char *hint) {
	if (row.null[c])
		return;
	Numeric value = DatumGetNumeric(row.v[c]);
	if (numeric_is_nan(value) || numeric_is_inf(value))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid %s \"%s\" for event %s: it must be a finite number", kColNames[c],
		                       numeric_text(row.v[c]), event_label(row)),
		                errhint("%s", hint)));
	if (DatumGetBool(DirectFunctionCall2(numeric_lt, row.v[c], NumericGetDatum(int64_to_numeric(0)))))
		ereport(ERROR, (errcode(ERRCODE_CHECK_VIOLATION),
		                errmsg("invalid %s \"%s\" for event %s: it cannot be negative", kColNames[c],
		                       numeric_text(row.v[c]), event_label(row)),
		                errhint("%s", hint)));
}

// Raises for a cost with more decimal places, or more dollars, than the roll-ups add exactly.
void check_cost_scale(const Row &row) {
	if (row.null[kCost])
		return;
	Datum limit = numeric_from_cstring("1000000000000000");
	if (DatumGetBool(DirectFunctionCall2(numeric_ge, row.v[kCost], limit)))
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("invalid cost_usd \"%s\" for event %s: one event costs less than 1,000,000,000,000,000 USD",
		                       numeric_text(row.v[kCost]), event_label(row)),
		                errhint("Check the unit: cost_usd is in US dollars.")));
	int places = DatumGetInt32(DirectFunctionCall1(numeric_min_scale, row.v[kCost]));
	if (places > dexcost::Decimal::kScale)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("invalid cost_usd \"%s\" for event %s: more than %d decimal places",
		                       numeric_text(row.v[kCost]), event_label(row), dexcost::Decimal::kScale),
		                errhint("Round the cost to %d decimal places (1e-%d USD).", dexcost::Decimal::kScale,
		                        dexcost::Decimal::kScale)));
}

// Raises for a negative count.
void check_count(const Row &row, Col c, const char *hint) {
	if (!row.null[c] && DatumGetInt64(row.v[c]) < 0)
		ereport(ERROR, (errcode(ERRCODE_CHECK_VIOLATION),
		                errmsg("invalid %s \"" INT64_FORMAT "\" for event %s: it cannot be negative", kColNames[c],
		                       DatumGetInt64(row.v[c]), event_label(row)),
		                errhint("%s", hint)));
}

// Checks every value the trigger is responsible for.
void check_row(const Row &row) {
	check_present(row, kTaskId, "Every event belongs to a task: insert the task first and give its task_id.");
	check_present(row, kOccurredAt, "Give the time of the call, or leave the column out for now().");
	check_word(row, kEventType, dexcost::kEventTypes, true,
	           "Use llm_call for model calls, external_cost for paid APIs, compute_cost for infrastructure, "
	           "retry_marker for retries; network, gpu_cost and gpu_utilization_signal come from the dexcost SDK.");
	check_word(row, kServiceTier, dexcost::kServiceTiers, true,
	           "Leave service_tier out for standard; batch, flex and priority calls have their own prices.");
	check_word(row, kConfidence, dexcost::kCostConfidences, false,
	           "Leave cost_confidence NULL and dexcost derives it: exact for a given cost, computed from tokens, "
	           "estimated from quantity x unit price, unknown otherwise.");
	check_word(row, kRetryType, dexcost::kRetryTypes, false,
	           "Use provider_retry for rate limits, timeouts and 5xx, validation_retry for parser or schema "
	           "failures, application_retry for your own retries and user_regeneration for a user's try-again.");
	for (int c = kInputTokens; c <= kReasoningTokens; ++c)
		check_count(row, static_cast<Col>(c),
		            "Count tokens per bucket, each 0 or more: input (uncached), cache reads, cache writes, "
		            "output and reasoning.");
	check_count(row, kLatencyMs, "Give the call's wall-clock time in milliseconds.");
	check_amount(row, kCost,
	             "Give the cost in USD, 0 or more; leave it NULL when it is not known (dexcost then prices the "
	             "tokens or marks it unknown). Record refunds and credits as invoice adjustments.");
	check_amount(row, kQuantity, "A quantity counts billable units: a finite number, 0 or more.");
	check_amount(row, kUnitPrice, "Give the price of one unit in USD: a finite number, 0 or more.");
	check_cost_scale(row);
}

// Prepares a kept SPI plan (once per backend).
SPIPlanPtr prepare_plan(const char *sql, int nargs, Oid *types) {
	SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
	if (!plan)
		elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the plan for \"%s\"", sql);
	return plan;
}

// Looks tasks up by (customer_id, task_id) or, without a customer, by task_id alone.
// Returns how many matched (at most 2) and the first one's customer_id, copied into cxt.
int find_task(Datum task_id, const char *customer_id, MemoryContext cxt, char **found_customer) {
	OwnerSwitch as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (!g_plan_by_key) {
		Oid types[2] = {TEXTOID, UUIDOID};
		g_plan_by_key = prepare_plan("SELECT customer_id FROM dexcost.task WHERE customer_id OPERATOR(pg_catalog.=) $1"
		                             " AND task_id OPERATOR(pg_catalog.=) $2", 2,
		                             types);
		g_plan_by_task = prepare_plan("SELECT customer_id FROM dexcost.task WHERE task_id OPERATOR(pg_catalog.=) $1 LIMIT 2", 1, types + 1);
	}
	int rc;
	if (customer_id) {
		Datum args[2] = {CStringGetTextDatum(customer_id), task_id};
		rc = SPI_execute_plan(g_plan_by_key, args, nullptr, true, 1);
	} else {
		Datum args[1] = {task_id};
		rc = SPI_execute_plan(g_plan_by_task, args, nullptr, true, 2);
	}
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not look up task: %s", SPI_result_code_string(rc));
	int found = static_cast<int>(SPI_processed);
	*found_customer = nullptr;
	if (found > 0)
		*found_customer = MemoryContextStrdup(cxt, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	SPI_finish();
	restore_user(as_owner);
	return found;
}

// The cache of the current command, emptied when a new command (or transaction) starts.
HTAB *task_cache() {
	if (!g_task_cache.cxt)
		g_task_cache.cxt = AllocSetContextCreate(TopMemoryContext, "dexcost task cache", ALLOCSET_DEFAULT_SIZES);
	CommandId cid = GetCurrentCommandId(false);
	if (g_task_cache.tasks && g_task_cache.lxid == MyProc->lxid && g_task_cache.cid == cid &&
	    hash_get_num_entries(g_task_cache.tasks) < kTaskCacheMax)
		return g_task_cache.tasks;
	MemoryContextReset(g_task_cache.cxt);
	HASHCTL ctl;
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(TaskCacheEntry);
	ctl.hcxt = g_task_cache.cxt;
	g_task_cache.tasks = hash_create("dexcost task cache", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	g_task_cache.lxid = MyProc->lxid;
	g_task_cache.cid = cid;
	return g_task_cache.tasks;
}

// The customer this command already resolved for the row: the given customer when the task
// is known under it, or the task's only customer when none is given. nullptr: look it up.
const char *task_cache_find(Datum task_id, const char *given) {
	auto *entry = static_cast<TaskCacheEntry *>(hash_search(task_cache(), DatumGetUUIDP(task_id), HASH_FIND, nullptr));
	if (!entry)
		return nullptr;
	if (given)
		return strcmp(given, entry->customer_id) == 0 ? entry->customer_id : nullptr;
	return entry->only_customer ? entry->customer_id : nullptr;
}

// Remembers task_id's customer for the rest of the current command.
void task_cache_store(Datum task_id, const char *customer_id, bool only_customer) {
	bool found = false;
	auto *entry = static_cast<TaskCacheEntry *>(hash_search(task_cache(), DatumGetUUIDP(task_id), HASH_ENTER, &found));
	entry->customer_id = MemoryContextStrdup(g_task_cache.cxt, customer_id);
	entry->only_customer = only_customer;
}

// Raises because an UPDATE would move an event to another customer.
void refuse_customer_move(const Row &row, const char *from, const char *to) {
	ereport(ERROR, (errcode(ERRCODE_CHECK_VIOLATION),
	                errmsg("cannot move event %s from customer \"%s\" to \"%s\"", event_label(row), from, to),
	                errdetail("An event belongs to its task's customer, and a customer's events stay with it."),
	                errhint("Delete the event and insert it again under a task of the other customer.")));
}

// Checks the event's task exists under its customer and fills customer_id when it is NULL.
// On UPDATE (old_customer set) the event must stay with old_customer.
void resolve_customer(const Row &row, const char *old_customer, Changes *changes) {
	const char *given = text_of(row, kCustomerId);
	if (old_customer && given && strcmp(given, old_customer) != 0)
		refuse_customer_move(row, old_customer, given);
	const char *customer = nullptr;
	if (given && g_trusted.fn) {
		const char *trusted = g_trusted.fn(DatumGetUUIDP(row.v[kTaskId]), g_trusted.arg);
		if (trusted && strcmp(trusted, given) == 0)
			customer = given;
	}
	if (!customer)
		customer = task_cache_find(row.v[kTaskId], given);
	if (!customer) {
		char *found_customer = nullptr;
		int found = find_task(row.v[kTaskId], given, CurrentMemoryContext, &found_customer);
		const char *task = found == 1 ? nullptr : DatumGetCString(DirectFunctionCall1(uuid_out, row.v[kTaskId]));
		if (found == 0 && given && find_task(row.v[kTaskId], nullptr, CurrentMemoryContext, &found_customer) > 0) {
			// The task exists, but under another customer.
			if (old_customer)
				refuse_customer_move(row, old_customer, found_customer);
			ereport(ERROR, (errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			                errmsg("event %s names customer \"%s\" but its task %s belongs to customer \"%s\"",
			                       event_label(row), given, task, found_customer),
			                errdetail("An event is always attributed to its task's customer."),
			                errhint("Leave customer_id NULL on events: dexcost copies it from the task.")));
		}
		if (found == 0)
			ereport(ERROR, (errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			                errmsg("task %s of event %s does not exist", task, event_label(row)),
			                errhint("Insert the task into dexcost.task before its events.")));
		if (found > 1)
			ereport(ERROR, (errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			                errmsg("task %s of event %s exists for several customers", task, event_label(row)),
			                errhint("Give the event's customer_id to say which task is meant.")));
		task_cache_store(row.v[kTaskId], found_customer, given == nullptr);
		customer = found_customer;
	}
	if (old_customer && strcmp(customer, old_customer) != 0)
		refuse_customer_move(row, old_customer, customer);
	if (!given)
		changes->put(kCustomerId, CStringGetTextDatum(customer), false);
}

// Whether column c differs between two rows (binary comparison; a false "changed" only costs a recompute).
bool column_changed(const Row &a, const Row &b, Col c, TupleDesc desc) {
	if (a.null[c] != b.null[c])
		return true;
	if (a.null[c])
		return false;
	Form_pg_attribute att = TupleDescAttr(desc, g_attrs.attnum[c] - 1);
	return !datumIsEqual(a.v[c], b.v[c], att->attbyval, att->attlen);
}

// Whether anything the cost is derived from changed.
bool pricing_inputs_changed(const Row &row, const Row &old, TupleDesc desc) {
	for (Col c : {kEventType, kOccurredAt, kProvider, kModel, kServiceTier, kInputTokens, kCacheReadTokens,
	              kCacheWriteTokens, kCacheWrite1hTokens, kOutputTokens, kReasoningTokens, kQuantity, kUnitPrice})
		if (column_changed(row, old, c, desc))
			return true;
	return false;
}

// Prices the row's tokens with the catalogue: computed with the price ids, or unknown.
void price_from_catalogue(const Row &row, Changes *changes) {
	// Phase 1: plain request; the catalogue is loaded last, after every other lookup.
	PlainPriceRequest req;
	req.provider = text_of(row, kProvider);
	req.model = text_of(row, kModel);
	req.service_tier = text_of(row, kServiceTier);
	req.at = DatumGetTimestampTz(row.v[kOccurredAt]);
	for (int b = 0; b < dexcost::kBucketCount; ++b) {
		Col c = static_cast<Col>(kInputTokens + b);
		req.known[b] = !row.null[c];
		req.tokens[b] = row.null[c] ? 0 : DatumGetInt64(row.v[c]);
	}
	ensure_price_catalog();

	// Phase 2.
	PlainPriceResult res;
	price_noexcept(req, &res);

	// Phase 3.
	if (res.failed)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not price event %s: %s", event_label(row),
		                                                       clip_to_characters(res.reason))));
	if (res.priced) {
		changes->put(kCost, numeric_from_cstring(res.cost), false);
		changes->put(kConfidence, CStringGetTextDatum("computed"), false);
		changes->put(kPricingVersion, CStringGetTextDatum(res.version), false);
	} else {
		changes->put(kCost, (Datum)0, true);
		changes->put(kConfidence, CStringGetTextDatum("unknown"), false);
		changes->put(kPricingVersion, (Datum)0, true);
	}
}

// Decides the cost of a row whose cost and confidence are as given (confidence may be NULL).
void derive_cost(const Row &row, bool cost_given, int confidence, Changes *changes) {
	using dexcost::Confidence;
	bool can_estimate = !row.null[kQuantity] && !row.null[kUnitPrice];
	if (cost_given) {
		if (confidence == static_cast<int>(Confidence::kUnknown))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			                errmsg("event %s has cost_usd \"%s\" but cost_confidence \"unknown\"", event_label(row),
			                       numeric_text(row.v[kCost])),
			                errhint("An unknown cost is NULL: drop cost_usd, or say how it is known (exact, "
			                        "computed or estimated).")));
		if (confidence < 0)
			changes->put(kConfidence, CStringGetTextDatum("exact"), false);
		return;
	}
	if (confidence == static_cast<int>(Confidence::kExact))
		ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
		                errmsg("event %s has cost_confidence \"exact\" but no cost_usd", event_label(row)),
		                errhint("Give the cost the provider reported, or leave cost_confidence NULL to let dexcost "
		                        "derive it.")));
	if (confidence == static_cast<int>(Confidence::kUnknown)) {
		changes->put(kPricingVersion, (Datum)0, true);
		return;
	}
	if (can_estimate && confidence != static_cast<int>(Confidence::kComputed)) {
		// An estimate keeps at most the 18 places the roll-ups add exactly.
		Datum product = DirectFunctionCall2(numeric_mul, row.v[kQuantity], row.v[kUnitPrice]);
		if (DatumGetInt32(DirectFunctionCall1(numeric_min_scale, product)) > dexcost::Decimal::kScale)
			product = DirectFunctionCall1(numeric_trim_scale, DirectFunctionCall2(numeric_round, product,
			                                                                      Int32GetDatum(dexcost::Decimal::kScale)));
		changes->put(kCost, product, false);
		changes->put(kConfidence, CStringGetTextDatum("estimated"), false);
		changes->put(kPricingVersion, (Datum)0, true);
		return;
	}
	if (confidence == static_cast<int>(Confidence::kEstimated))
		ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
		                errmsg("event %s has cost_confidence \"estimated\" but neither cost_usd nor quantity with "
		                       "unit_price_usd",
		                       event_label(row)),
		                errhint("Give the estimate in cost_usd, or quantity and unit_price_usd to multiply.")));
	price_from_catalogue(row, changes);
}

// Whether dexcost priced the row from its catalogue (rather than a client).
bool priced_by_dexcost(const Row &row) {
	const char *version = text_of(row, kPricingVersion);
	return version && strncmp(version, "dexcost:", 8) == 0;
}

// Whether the UPDATE's SET list names column c (PostgreSQL passes the target columns).
bool named_in_update(const TriggerData *trigdata, Col c) {
	return bms_is_member(g_attrs.attnum[c] - FirstLowInvalidHeapAttributeNumber, trigdata->tg_updatedcols);
}

// Decides the cost on UPDATE.
//  - A new cost with cost_confidence in the SET list is taken as given (reprice() sets the
//    cost to NULL and the confidence to computed, so this trigger prices it).
//  - A new cost alone is the caller's corrected figure: exact, with no catalogue version
//    unless pricing_version is set too.
//  - A new confidence alone is taken as given.
//  - Otherwise, when what the cost depends on changed, a cost dexcost derived is derived again
//    the same way; a client's own estimate stands, and a client's computed cost gives way only
//    to a price dexcost has (as in reprice()).
void update_cost(const TriggerData *trigdata, const Row &row, const Row &old, TupleDesc desc, Changes *changes) {
	int confidence = row.null[kConfidence] ? -1 : dexcost::vocab_index(dexcost::kCostConfidences, text_of(row, kConfidence));
	if (column_changed(row, old, kCost, desc)) {
		if (named_in_update(trigdata, kConfidence)) {
			derive_cost(row, !row.null[kCost], confidence, changes);
		} else if (!row.null[kCost]) {
			changes->put(kConfidence, CStringGetTextDatum("exact"), false);
			if (!named_in_update(trigdata, kPricingVersion))
				changes->put(kPricingVersion, (Datum)0, true);
		} else {
			derive_cost(row, false, confidence, changes); // cost cleared: derived under the row's confidence
		}
		return;
	}
	if (column_changed(row, old, kConfidence, desc)) {
		derive_cost(row, !row.null[kCost], confidence, changes);
		return;
	}
	if (confidence == static_cast<int>(dexcost::Confidence::kExact) || !pricing_inputs_changed(row, old, desc))
		return;
	if (confidence == static_cast<int>(dexcost::Confidence::kEstimated)) {
		// dexcost can only estimate again from quantity x unit price; a client's own estimate stands.
		if (!row.null[kQuantity] && !row.null[kUnitPrice])
			derive_cost(row, false, confidence, changes);
		return;
	}
	if (confidence == static_cast<int>(dexcost::Confidence::kComputed) && !priced_by_dexcost(row)) {
		Changes priced;
		price_from_catalogue(row, &priced);
		if (!priced.null[kCost])
			for (Col c : {kCost, kConfidence, kPricingVersion})
				changes->put(c, priced.v[c], priced.null[c]);
		return;
	}
	derive_cost(row, false, confidence == static_cast<int>(dexcost::Confidence::kUnknown) ? -1 : confidence, changes);
}

// The value a column will have: the trigger's change when it made one, else the row's.
bool value_after(const Row &row, const Changes &changes, Col c, Datum *value) {
	if (changes.set[c]) {
		*value = changes.v[c];
		return !changes.null[c];
	}
	*value = row.v[c];
	return !row.null[c];
}

// What a lookup found of an earlier attempt, copied out of SPI's memory.
struct Attempt {
	bool found = false;
	pg_uuid_t event_id;
	pg_uuid_t root; // valid when has_root
	bool has_root = false;
	int32 attempt = 1; // its own attempt number (1 when it is no retry)
	TimestampTz at = 0;
	double likelihood = 0; // of its error type
};
DEXCOST_PLAIN(Attempt);


// Looks both indexes up by name in the table's schema.
void resolve_retry_indexes(Relation rel) {
	if (g_retry_indexes.valid)
		return;
	Oid nsp = RelationGetNamespace(rel);
	g_retry_indexes.by_task = get_relname_relid("cost_event_task_idx", nsp);
	g_retry_indexes.by_event = get_relname_relid("cost_event_pkey", nsp);
	if (!OidIsValid(g_retry_indexes.by_task) || !OidIsValid(g_retry_indexes.by_event))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
		                errmsg("index cost_event_task_idx or cost_event_pkey of dexcost.cost_event is missing"),
		                errhint("The retry lineage and heuristic look attempts up through them: recreate them, or "
		                        "reinstall the dexcost extension.")));
	g_retry_indexes.valid = true;
}

// Copies what a lookup needs out of one stored event.
Attempt attempt_of(HeapTuple t, TupleDesc d) {
	Attempt a;
	bool isnull;
	a.found = true;
	a.event_id = *DatumGetUUIDP(heap_getattr(t, g_attrs.attnum[kEventId], d, &isnull));
	Datum root = heap_getattr(t, g_attrs.attnum[kRetryRoot], d, &isnull);
	if (!isnull) {
		a.root = *DatumGetUUIDP(root);
		a.has_root = true;
	}
	Datum attempt = heap_getattr(t, g_attrs.attnum[kRetryAttempt], d, &isnull);
	if (!isnull)
		a.attempt = DatumGetInt32(attempt);
	a.at = DatumGetTimestampTz(heap_getattr(t, g_attrs.attnum[kOccurredAt], d, &isnull));
	Datum error = heap_getattr(t, g_attrs.attnum[kErrorType], d, &isnull);
	if (!isnull) {
		text *e = DatumGetTextPP(error);
		a.likelihood = dexcost::retry_likelihood(std::string_view(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e)));
	}
	return a;
}

// Whether a stored event is an llm_call of the given model (nullptr: no model).
bool same_model_call(HeapTuple t, TupleDesc d, const char *model) {
	bool isnull;
	if (!text_equals_cstring(heap_getattr(t, g_attrs.attnum[kEventType], d, &isnull), "llm_call"))
		return false;
	Datum m = heap_getattr(t, g_attrs.attnum[kModel], d, &isnull);
	if (isnull || !model)
		return isnull && !model;
	return text_equals_cstring(m, model);
}

// A uuid datum in the current memory context.
Datum uuid_datum(const pg_uuid_t &id) {
	auto *copy = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
	*copy = id;
	return UUIDPGetDatum(copy);
}

// Lineage of a retry of the attempt found: its chain's root and the next attempt number.
void put_lineage(const Attempt &parent, Changes *changes) {
	changes->put(kRetryRoot, uuid_datum(parent.has_root ? parent.root : parent.event_id), false);
	changes->put(kRetryAttempt, Int32GetDatum(parent.attempt + 1), false);
}

// Looks up, with one index probe under SnapshotSelf (which also sees the rows an earlier part
// of this command inserted, so a batch holding an attempt and its retry links them), the
// attempt a declared retry names or the heuristic's candidate: the latest llm_call of the
// task and model at or before the row, no further back than the window.
Attempt find_attempt(Relation rel, bool declared, const Row &row, Datum customer, int64 window_us) {
	resolve_retry_indexes(rel);
	TupleDesc desc = RelationGetDescr(rel);
	Attempt found;
	ScanKeyData keys[4];
	ScanKeyEntryInitialize(&keys[0], 0, g_attrs.attnum[kCustomerId], BTEqualStrategyNumber, InvalidOid,
	                       DEFAULT_COLLATION_OID, F_TEXTEQ, customer);
	if (declared) {
		ScanKeyInit(&keys[1], g_attrs.attnum[kEventId], BTEqualStrategyNumber, F_UUID_EQ, row.v[kRetryOf]);
		Relation idx = index_open(g_retry_indexes.by_event, AccessShareLock);
		SysScanDesc scan = systable_beginscan_ordered(rel, idx, SnapshotSelf, 2, keys);
		HeapTuple t = systable_getnext_ordered(scan, ForwardScanDirection);
		if (t)
			found = attempt_of(t, desc);
		systable_endscan_ordered(scan);
		index_close(idx, AccessShareLock);
		return found;
	}
	TimestampTz at = DatumGetTimestampTz(row.v[kOccurredAt]);
	const char *model = text_of(row, kModel);
	ScanKeyInit(&keys[1], g_attrs.attnum[kTaskId], BTEqualStrategyNumber, F_UUID_EQ, row.v[kTaskId]);
	ScanKeyInit(&keys[2], g_attrs.attnum[kOccurredAt], BTLessEqualStrategyNumber, F_TIMESTAMP_LE, row.v[kOccurredAt]);
	ScanKeyInit(&keys[3], g_attrs.attnum[kOccurredAt], BTGreaterEqualStrategyNumber, F_TIMESTAMP_GE,
	            TimestampTzGetDatum(at - window_us));
	Relation idx = index_open(g_retry_indexes.by_task, AccessShareLock);
	SysScanDesc scan = systable_beginscan_ordered(rel, idx, SnapshotSelf, 4, keys);
	HeapTuple t;
	while ((t = systable_getnext_ordered(scan, BackwardScanDirection)) != nullptr) {
		if (same_model_call(t, desc, model)) {
			found = attempt_of(t, desc);
			break;
		}
	}
	systable_endscan_ordered(scan);
	index_close(idx, AccessShareLock);
	return found;
}

// On INSERT: a declared retry (is_retry, or a retry_marker) gets its type from its reason,
// detection 'declared', confidence 1 and its lineage; with dexcost.enable_retry_heuristics on,
// an llm_call that closely follows a transient failure of the same task and model is flagged
// as that call's retry.
void retry_on_insert(Relation rel, const Row &row, Changes *changes) {
	if (!g_attrs.has_lineage)
		return;
	// Per row: compare the event type in place, no copy.
	bool marker = text_equals_cstring(row.v[kEventType], "retry_marker");
	bool declared = (!row.null[kIsRetry] && DatumGetBool(row.v[kIsRetry])) || marker;
	bool heuristic = !declared && retry_heuristics_enabled() && row.null[kRetryDetection] &&
	                 text_equals_cstring(row.v[kEventType], "llm_call");
	if (!declared && !heuristic)
		return;
	Datum customer;
	value_after(row, *changes, kCustomerId, &customer);

	if (declared) {
		if (row.null[kRetryType]) {
			const char *reason = text_of(row, kRetryReason);
			changes->put(kRetryType, CStringGetTextDatum(dexcost::retry_type_for_reason(reason ? reason : "")), false);
		}
		if (row.null[kRetryDetection])
			changes->put(kRetryDetection, CStringGetTextDatum("declared"), false);
		if (row.null[kRetryConfidence])
			changes->put(kRetryConfidence, Float8GetDatum(1.0), false);
		if (row.null[kRetryOf] || !row.null[kRetryRoot] || !row.null[kRetryAttempt])
			return;
		Attempt parent = find_attempt(rel, true, row, customer, 0);
		if (parent.found) {
			put_lineage(parent, changes);
		} else { // the attempt is not stored (yet): taken as the first of its chain
			changes->put(kRetryRoot, row.v[kRetryOf], false);
			changes->put(kRetryAttempt, Int32GetDatum(2), false);
		}
		return;
	}
	int64 window_us = retry_window_us();
	Attempt cand = find_attempt(rel, false, row, customer, window_us);
	if (!cand.found)
		return;
	double confidence =
	    dexcost::retry_confidence(cand.likelihood, DatumGetTimestampTz(row.v[kOccurredAt]) - cand.at, window_us);
	if (!dexcost::retry_flagged(confidence, retry_threshold()))
		return;
	changes->put(kIsRetry, BoolGetDatum(true), false);
	changes->put(kRetryOf, uuid_datum(cand.event_id), false);
	changes->put(kRetryReason, CStringGetTextDatum("heuristic"), false);
	changes->put(kRetryType, CStringGetTextDatum("provider_retry"), false);
	changes->put(kRetryConfidence, Float8GetDatum(confidence), false);
	changes->put(kRetryDetection, CStringGetTextDatum("heuristic"), false);
	put_lineage(cand, changes);
}

// The tuple with the trigger's changes applied.
HeapTuple apply_changes(HeapTuple tuple, TupleDesc desc, const Changes &changes) {
	int cols[kColCount];
	Datum values[kColCount];
	bool nulls[kColCount];
	int n = 0;
	for (int c = 0; c < kColCount; ++c) {
		if (!changes.set[c])
			continue;
		cols[n] = g_attrs.attnum[c];
		values[n] = changes.v[c];
		nulls[n] = changes.null[c];
		++n;
	}
	return n == 0 ? tuple : heap_modify_tuple_by_cols(tuple, desc, n, cols, values, nulls);
}

} // namespace

void event_init() {
	CacheRegisterRelcacheCallback(relcache_callback, (Datum)0);
}

void trust_known_tasks(KnownCustomerFn fn, void *arg) {
	g_trusted.fn = fn;
	g_trusted.arg = arg;
}

} // namespace dexcost_pg

using namespace dexcost_pg;

// BEFORE INSERT OR UPDATE FOR EACH ROW on dexcost.cost_event.
Datum dexcost_cost_event_before_write(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("cost_event_before_write() must be called as a trigger")));
	auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
	if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
	    TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("cost_event_before_write() must fire BEFORE INSERT OR UPDATE FOR EACH ROW")));
	Relation rel = trigdata->tg_relation;
	TupleDesc desc = RelationGetDescr(rel);
	resolve_attrs(rel);

	bool is_update = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event);
	HeapTuple tuple = is_update ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	Row row;
	read_row(tuple, desc, &row);
	check_row(row);

	Changes changes;
	if (is_update) {
		Row old;
		read_row(trigdata->tg_trigtuple, desc, &old);
		if (row.null[kCustomerId] || column_changed(row, old, kCustomerId, desc) || column_changed(row, old, kTaskId, desc))
			resolve_customer(row, text_of(old, kCustomerId), &changes);
		update_cost(trigdata, row, old, desc, &changes);
	} else {
		resolve_customer(row, nullptr, &changes);
		int confidence =
		    row.null[kConfidence] ? -1 : dexcost::vocab_index(dexcost::kCostConfidences, text_of(row, kConfidence));
		derive_cost(row, !row.null[kCost], confidence, &changes);
		retry_on_insert(rel, row, &changes);
	}
	return PointerGetDatum(apply_changes(tuple, desc, changes));
}
