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

#include "core/decimal.hpp"
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
	kColCount
};

const char *const kColNames[kColCount] = {
    "event_id",          "customer_id",   "task_id",          "event_type",         "occurred_at",
    "provider",          "model",         "service_tier",     "input_tokens",       "cache_read_tokens",
    "cache_write_tokens", "cache_write_1h_tokens", "output_tokens", "reasoning_tokens", "quantity",
    "unit_price_usd",    "cost_usd",      "cost_confidence",  "pricing_version",    "latency_ms",
    "retry_type"};

// Attribute numbers of kColNames in dexcost.cost_event, valid until its relcache entry changes.
struct AttrMap {
	Oid relid = InvalidOid;
	bool valid = false;
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

// Forgets column numbers when cost_event's definition changes.
void relcache_callback(Datum, Oid relid) {
	if (relid == InvalidOid || relid == g_attrs.relid)
		g_attrs.valid = false;
}

// Resolves the column numbers of rel, once per definition.
void resolve_attrs(Relation rel) {
	if (g_attrs.valid && g_attrs.relid == RelationGetRelid(rel))
		return;
	TupleDesc desc = RelationGetDescr(rel);
	for (int c = 0; c < kColCount; ++c) {
		int attnum = SPI_fnumber(desc, kColNames[c]);
		if (attnum <= 0)
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
	}
	return PointerGetDatum(apply_changes(tuple, desc, changes));
}
