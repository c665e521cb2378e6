// SQL surface of the Pareto table (src/core/pareto.*): the dexcost.pareto type, the
// dexcost.pareto(key, cost) aggregate and the functions that answer the Pareto questions.
//
// The state is the dexcost.pareto type, not `internal`: one flat varlena holding an
// open-addressing table of exact per-key sums (int128 units of 1e-18), updated in place in the
// aggregate context. When it must grow, the transition builds the larger table in per-row memory
// and returns it; PostgreSQL copies it into the aggregate context and frees the old one (a state
// of a non-internal by-reference type must never be repalloc'd: see pg_sketch.cpp). Every core
// call is noexcept and returns a status that this file turns into an error.
#include "core/interrupt.hpp"
#include "core/pareto.hpp"

#include <string>

#include "pg_bridge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_pareto_in);
PG_FUNCTION_INFO_V1(dexcost_pareto_out);
PG_FUNCTION_INFO_V1(dexcost_pareto_recv);
PG_FUNCTION_INFO_V1(dexcost_pareto_send);
PG_FUNCTION_INFO_V1(dexcost_pareto_add);
PG_FUNCTION_INFO_V1(dexcost_pareto_combine);
PG_FUNCTION_INFO_V1(dexcost_pareto_final);
PG_FUNCTION_INFO_V1(dexcost_pareto_top);
PG_FUNCTION_INFO_V1(dexcost_pareto_share_of_top);
PG_FUNCTION_INFO_V1(dexcost_pareto_keys_for_share);
PG_FUNCTION_INFO_V1(dexcost_pareto_summary);
}

namespace dexcost_pg {

namespace {

using dexcost::Decimal;
using dexcost::DecimalError;
using dexcost::ParetoHeader;
using dexcost::ParetoStatus;

constexpr uint32 kInitialCapacity = 64;
constexpr uint32 kInitialArena = 1024;

// Raises for a status that is not kOk.
void check(ParetoStatus st, const char *what) {
	switch (st) {
	case ParetoStatus::kOk:
		return;
	case ParetoStatus::kOverflow:
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("dexcost.%s: a cost sum is out of range", what),
		                errhint("Sums are exact to 18 decimal places and must stay within about 1.7e20.")));
		break;
	case ParetoStatus::kKeyTooLong:
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("dexcost.%s: a key is longer than 1 MB", what)));
		break;
	case ParetoStatus::kTooLarge:
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("dexcost.%s: too many distinct keys for one Pareto table", what),
		                errhint("A table holds up to about 12 million keys and 1 GB.")));
		break;
	case ParetoStatus::kBadFraction:
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("dexcost.%s: fraction must be between 0 and 1", what),
		                errhint("Ask for 0.2 for the top 20 %% of keys, 0.8 for 80 %% of the cost.")));
		break;
	case ParetoStatus::kBadVersion:
	case ParetoStatus::kTruncated:
	case ParetoStatus::kCorrupt:
	case ParetoStatus::kBadCapacity:
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
		                errmsg("dexcost.%s: invalid Pareto table: %s", what, dexcost::pareto_status_text(st)),
		                errhint("Pareto tables come from dexcost.pareto(); their text form starts with \"pareto:\".")));
		break;
	default:
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("dexcost.%s: %s", what, dexcost::pareto_status_text(st))));
	}
}

// Runs a core call that stops with kInterrupted while an interrupt is pending (rank, serialize, merge,
// regrow of millions of keys take seconds): serves the interrupt once the core has returned (a cancel
// raises here, no C++ object alive) and calls again. With interrupts held off the flag stays set, so
// the last call runs without polling.
template <typename Call>
ParetoStatus interruptible(Call call) {
	ParetoStatus st;
	while ((st = call()) == ParetoStatus::kInterrupted) {
		CHECK_FOR_INTERRUPTS();
		if (InterruptPending) {
			dexcost::InterruptsIgnored ignored;
			return call();
		}
	}
	return st;
}

// A new empty table of the given sizes in the current memory context.
ParetoHeader *new_table(uint32 capacity, uint32 arena, const char *what) {
	size_t bytes = dexcost::pareto_bytes(capacity, arena);
	auto *h = static_cast<ParetoHeader *>(palloc0(bytes));
	SET_VARSIZE(h, bytes);
	check(dexcost::pareto_init(h, capacity, arena), what);
	return h;
}

// A copy of h with the given sizes, in the current memory context.
ParetoHeader *regrown(const ParetoHeader *h, uint32 capacity, uint32 arena, const char *what) {
	if (dexcost::pareto_bytes(capacity, arena) > MaxAllocSize)
		check(ParetoStatus::kTooLarge, what);
	size_t bytes = dexcost::pareto_bytes(capacity, arena);
	auto *c = static_cast<ParetoHeader *>(palloc0(bytes));
	SET_VARSIZE(c, bytes);
	check(interruptible([&] { return dexcost::pareto_regrow(h, c, capacity, arena); }), what);
	return c;
}

// A pareto argument, detoasted and aligned.
ParetoHeader *table_arg(FunctionCallInfo fcinfo, int arg) {
	return reinterpret_cast<ParetoHeader *>(PG_DETOAST_DATUM(PG_GETARG_DATUM(arg)));
}

// Raises unless called as an aggregate's transition or combine function.
void require_aggregate(FunctionCallInfo fcinfo, const char *what) {
	if (!AggCheckCallContext(fcinfo, nullptr))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("dexcost.%s: transition function called outside an aggregate", what)));
}

// Reads a numeric without text conversion, from its stored form: a uint16 header (short form:
// sign, display scale and weight packed; long form: sign and scale, then an int16 weight), then
// base-10000 digits. This is PostgreSQL's on-disk format (pg_upgrade keeps it), checked against
// numeric_out once per backend (numeric_decoding_ok); NaN and infinities are refused before.
bool decode_numeric(Numeric n, bool *negative, int *weight, int *dscale, int16 *digits, int *ndigits, int max_digits) {
	const char *p = VARDATA_ANY(n);
	size_t len = VARSIZE_ANY_EXHDR(n);
	uint16 header;
	if (len < sizeof header)
		return false;
	memcpy(&header, p, sizeof header);
	size_t hdr;
	if ((header & 0xC000) == 0x8000) { // short
		*negative = (header & 0x2000) != 0;
		*dscale = (header & 0x1F80) >> 7;
		*weight = (header & 0x0040) ? static_cast<int>(~0x003F | (header & 0x003F)) : (header & 0x003F);
		hdr = sizeof header;
	} else {
		if ((header & 0xC000) == 0xC000 || len < sizeof header + sizeof(int16))
			return false; // special values are refused before; anything else is not ours to read
		*negative = (header & 0xC000) == 0x4000;
		*dscale = header & 0x3FFF;
		int16 w;
		memcpy(&w, p + sizeof header, sizeof w);
		*weight = w;
		hdr = sizeof header + sizeof(int16);
	}
	size_t count = (len - hdr) / sizeof(int16);
	if (count > static_cast<size_t>(max_digits))
		return false;
	memcpy(digits, p + hdr, count * sizeof(int16));
	*ndigits = static_cast<int>(count);
	return true;
}

// The exact Decimal of a numeric through its text (the reference the fast path is checked against).
DecimalError numeric_via_text(Numeric n, Decimal *out) {
	char *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
	return Decimal::parse(text, out);
}

// Whether decode_numeric reads this server's numerics right (checked once per backend on values
// of both header forms; otherwise numerics go through their text).
bool numeric_decoding_ok() {
	static int state = 0; // 0 unknown, 1 ok, 2 not ok
	if (state == 0) {
		state = 1;
		const char *samples[] = {"0", "1", "-1", "0.000001", "12345.6789", "-98765432109876.123456789012345678",
		                         "10000", "1e-18", "170000000000000000000"};
		for (const char *s : samples) {
			Numeric n = DatumGetNumeric(
			    numeric_from_cstring(s));
			bool negative = false;
			int weight = 0, dscale = 0, ndigits = 0;
			int16 digits[64];
			Decimal fast, slow;
			bool same = decode_numeric(n, &negative, &weight, &dscale, digits, &ndigits, 64) &&
			            dexcost::decimal_from_numeric_digits(negative, weight, dscale, digits, ndigits, &fast) ==
			                DecimalError::kNone &&
			            numeric_via_text(n, &slow) == DecimalError::kNone && fast == slow;
			if (!same) {
				state = 2;
				elog(LOG, "dexcost: numeric storage format not as expected; reading numerics through text");
				break;
			}
		}
	}
	return state == 1;
}

// The cost argument as an exact Decimal; raises for NaN, infinity or more than 18 places.
Decimal cost_arg(Datum d, const char *what) {
	Numeric n = reinterpret_cast<Numeric>(PG_DETOAST_DATUM_PACKED(d));
	uint16 header;
	memcpy(&header, VARDATA_ANY(n), sizeof header);
	if ((header & 0xC000) == 0xC000) // NaN or an infinity
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("dexcost.%s: cost must be a finite number", what),
		                errhint("NaN and infinite costs cannot be summed; filter them out.")));
	Decimal out;
	DecimalError e = DecimalError::kSyntax;
	bool negative = false;
	int weight = 0, dscale = 0, ndigits = 0;
	int16 digits[16];
	if (numeric_decoding_ok() && decode_numeric(n, &negative, &weight, &dscale, digits, &ndigits, 16))
		e = dexcost::decimal_from_numeric_digits(negative, weight, dscale, digits, ndigits, &out);
	else
		e = numeric_via_text(reinterpret_cast<Numeric>(PG_DETOAST_DATUM(d)), &out);
	if (e == DecimalError::kTooManyDecimals)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("dexcost.%s: cost %s has more than 18 decimal places", what,
		                       DatumGetCString(DirectFunctionCall1(numeric_out, d))),
		                errhint("Round it: dexcost keeps money to 18 decimal places.")));
	if (e != DecimalError::kNone)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("dexcost.%s: cost %s is out of range", what, DatumGetCString(DirectFunctionCall1(numeric_out, d))),
		                errhint("A cost must stay within about 1.7e20.")));
	return out;
}

// A Decimal's text, without exceptions reaching PostgreSQL (phase 2 of a conversion).
bool decimal_text_noexcept(Decimal d, char *buf, size_t size) noexcept {
	try {
		copy_text(buf, size, d.to_string().c_str());
		return true;
	} catch (...) {
		return false;
	}
}

// A Decimal as a numeric Datum.
Datum numeric_of(Decimal d) {
	char buf[64];
	if (!decimal_text_noexcept(d, buf, sizeof buf))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return numeric_from_cstring(buf);
}

// A numeric fraction argument in [0, 1], as a Decimal (more than 18 places is refused).
Decimal fraction_arg(Datum d, const char *what) {
	Decimal f = cost_arg(d, what);
	if (f.is_negative() || f.units() > static_cast<int128>(1000000000000000000LL)) // above 1
		check(ParetoStatus::kBadFraction, what);
	return f;
}

// The keys in Pareto order (sum descending, ties by key), palloc'd.
uint32 *ranking(const ParetoHeader *h, const char *what) {
	uint32 n = dexcost::pareto_nkeys(h);
	auto *order = static_cast<uint32 *>(palloc(sizeof(uint32) * (n + 1)));
	check(interruptible([&] { return dexcost::pareto_rank(h, order, n); }), what);
	return order;
}

// Canonical serialized bytes of a table (palloc'd).
uint8 *serialized(const ParetoHeader *h, size_t *len, const char *what) {
	size_t size = dexcost::pareto_serialized_size(h);
	uint32 n = dexcost::pareto_nkeys(h);
	auto *order = static_cast<uint32 *>(palloc(sizeof(uint32) * (n + 1)));
	auto *bytes = static_cast<uint8 *>(palloc(size + 1));
	check(interruptible([&] { return dexcost::pareto_serialize(h, order, n, bytes, size, len); }), what);
	pfree(order);
	return bytes;
}

// A table from canonical bytes (palloc'd, validated).
ParetoHeader *from_bytes(const uint8 *bytes, size_t len, const char *what) {
	uint32 capacity = 0, arena = 0;
	check(dexcost::pareto_deserialized_sizes(bytes, len, &capacity, &arena), what);
	size_t total = dexcost::pareto_bytes(capacity, arena);
	if (total > MaxAllocSize)
		check(ParetoStatus::kTooLarge, what);
	auto *h = static_cast<ParetoHeader *>(palloc0(total));
	SET_VARSIZE(h, total);
	check(dexcost::pareto_deserialize_into(bytes, len, h, capacity, arena), what);
	return h;
}

} // namespace

} // namespace dexcost_pg

using namespace dexcost_pg;

// pareto_in(cstring): "pareto:" followed by base64 of the canonical bytes.
Datum dexcost_pareto_in(PG_FUNCTION_ARGS) {
	const char *text = PG_GETARG_CSTRING(0);
	size_t len = strlen(text), bytes_len = 0;
	ParetoStatus st = dexcost::pareto_text_decoded_size(text, len, &bytes_len);
	if (st != ParetoStatus::kOk)
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), errmsg("invalid input syntax for type pareto"),
		                errdetail("%s.", dexcost::pareto_status_text(st)),
		                errhint("A Pareto table reads \"pareto:\" followed by base64, as dexcost.pareto() writes it.")));
	auto *bytes = static_cast<uint8 *>(palloc(bytes_len + 1));
	size_t written = 0;
	check(dexcost::pareto_from_text(text, len, bytes, bytes_len, &written), "pareto_in");
	PG_RETURN_POINTER(from_bytes(bytes, written, "pareto_in"));
}

// pareto_out(pareto): the text form.
Datum dexcost_pareto_out(PG_FUNCTION_ARGS) {
	ParetoHeader *h = table_arg(fcinfo, 0);
	size_t len = 0;
	uint8 *bytes = serialized(h, &len, "pareto_out");
	size_t chars = dexcost::pareto_text_size(len);
	char *text = static_cast<char *>(palloc(chars + 1));
	check(dexcost::pareto_to_text(bytes, len, text, chars, &chars), "pareto_out");
	text[chars] = '\0';
	PG_RETURN_CSTRING(text);
}

// pareto_recv(internal): the canonical bytes (their first byte is the version).
Datum dexcost_pareto_recv(PG_FUNCTION_ARGS) {
	StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
	int len = buf->len - buf->cursor;
	const uint8 *bytes = reinterpret_cast<const uint8 *>(pq_getmsgbytes(buf, len));
	PG_RETURN_POINTER(from_bytes(bytes, static_cast<size_t>(len), "pareto_recv"));
}

// pareto_send(pareto).
Datum dexcost_pareto_send(PG_FUNCTION_ARGS) {
	ParetoHeader *h = table_arg(fcinfo, 0);
	size_t len = 0;
	uint8 *bytes = serialized(h, &len, "pareto_send");
	StringInfoData out;
	pq_begintypsend(&out);
	pq_sendbytes(&out, reinterpret_cast<const char *>(bytes), static_cast<int>(len));
	PG_RETURN_BYTEA_P(pq_endtypsend(&out));
}

// pareto_add(pareto, key text, cost numeric): the transition of dexcost.pareto(key, cost). A NULL
// cost is skipped; a NULL key is summed apart (reported, never ranked).
Datum dexcost_pareto_add(PG_FUNCTION_ARGS) {
	require_aggregate(fcinfo, "pareto");
	if (PG_ARGISNULL(2)) {
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	Decimal cost = cost_arg(PG_GETARG_DATUM(2), "pareto");
	ParetoHeader *h = PG_ARGISNULL(0) ? new_table(kInitialCapacity, kInitialArena, "pareto")
	                                  : reinterpret_cast<ParetoHeader *>(PG_GETARG_POINTER(0));
	if (PG_ARGISNULL(1)) {
		check(dexcost::pareto_add_null_key(h, cost), "pareto");
		PG_RETURN_POINTER(h);
	}
	text *key = PG_GETARG_TEXT_PP(1);
	const char *k = VARDATA_ANY(key);
	size_t len = VARSIZE_ANY_EXHDR(key);
	ParetoStatus st = dexcost::pareto_add(h, k, len, cost);
	if (st == ParetoStatus::kNeedsGrow) {
		uint32 capacity = 0, arena = 0;
		check(dexcost::pareto_needed(h, 1, len, &capacity, &arena), "pareto");
		h = regrown(h, capacity, arena, "pareto");
		st = dexcost::pareto_add(h, k, len, cost);
	}
	check(st, "pareto");
	PG_RETURN_POINTER(h);
}

// pareto_combine(pareto, pareto): adds the second table into the first. The combine function of
// dexcost.pareto and the transition of dexcost.pareto_merge.
Datum dexcost_pareto_combine(PG_FUNCTION_ARGS) {
	require_aggregate(fcinfo, "pareto_merge");
	if (PG_ARGISNULL(1)) {
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	ParetoHeader *src = table_arg(fcinfo, 1);
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(src); // PostgreSQL copies it into the aggregate context
	ParetoHeader *dst = reinterpret_cast<ParetoHeader *>(PG_GETARG_POINTER(0));
	uint32 cursor = 0;
	ParetoStatus st;
	while ((st = interruptible([&] { return dexcost::pareto_merge(dst, src, &cursor); })) == ParetoStatus::kNeedsGrow) {
		uint32 capacity = 0, arena = 0;
		check(dexcost::pareto_merge_needed(dst, src, cursor, &capacity, &arena), "pareto_merge");
		dst = regrown(dst, capacity, arena, "pareto_merge");
	}
	check(st, "pareto_merge");
	PG_RETURN_POINTER(dst);
}

// pareto_final(pareto): the table, compacted (the smallest sizes that hold it); read-only.
Datum dexcost_pareto_final(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	ParetoHeader *h = table_arg(fcinfo, 0);
	uint32 capacity = dexcost::kParetoMinCapacity;
	while (dexcost::pareto_max_keys(capacity) < h->nkeys)
		capacity *= 2;
	PG_RETURN_POINTER(regrown(h, capacity, h->arena_used, "pareto"));
}

// pareto_top(pareto, n integer DEFAULT NULL): the top n keys (all when NULL) in Pareto order, with
// their cost, share of the total, cumulative cost and share, and the share of keys down to them.
Datum dexcost_pareto_top(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0)) // no table (an aggregate over no row): no key
		return (Datum)0;
	ParetoHeader *h = table_arg(fcinfo, 0);
	uint32 nkeys = dexcost::pareto_nkeys(h);
	uint32 n = nkeys;
	if (!PG_ARGISNULL(1)) {
		int32 asked = PG_GETARG_INT32(1);
		if (asked < 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("dexcost.pareto_top: n must not be negative"),
			                errhint("Leave n NULL for every key.")));
		n = Min(static_cast<uint32>(asked), nkeys);
	}
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	uint32 *order = ranking(h, "pareto_top");
	Decimal total = dexcost::pareto_total(h);
	bool shares = total.units() > 0;
	Datum total_datum = numeric_of(total);
	Datum nkeys_datum = NumericGetDatum(int64_to_numeric(nkeys));
	int128 cumulative = 0;
	for (uint32 i = 0; i < n; ++i) {
		CHECK_FOR_INTERRUPTS(); // millions of rows of numeric divisions; only plain data is live
		uint32 slot = order[i];
		const uint8 *key = nullptr;
		uint32 key_len = 0;
		dexcost::pareto_slot_key(h, slot, &key, &key_len);
		Decimal sum = dexcost::pareto_slot_sum(h, slot);
		if (__builtin_add_overflow(cumulative, sum.units(), &cumulative))
			check(ParetoStatus::kOverflow, "pareto_top");
		Datum values[7];
		bool nulls[7] = {false, false, false, !shares, false, !shares, false};
		values[0] = Int64GetDatum(static_cast<int64>(i) + 1);
		values[1] = PointerGetDatum(cstring_to_text_with_len(reinterpret_cast<const char *>(key), static_cast<int>(key_len)));
		values[2] = numeric_of(sum);
		Datum cum = numeric_of(Decimal::from_units(cumulative));
		values[4] = cum;
		if (shares) {
			values[3] = DirectFunctionCall2(numeric_div, values[2], total_datum);
			values[5] = DirectFunctionCall2(numeric_div, cum, total_datum);
		}
		values[6] = DirectFunctionCall2(numeric_div, NumericGetDatum(int64_to_numeric(static_cast<int64>(i) + 1)), nkeys_datum);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum)0;
}

// pareto_share_of_top(pareto, key_fraction numeric): the share of the total cost taken by the top
// key_fraction of keys (ceil(key_fraction x keys) keys); NULL when the total is not positive.
Datum dexcost_pareto_share_of_top(PG_FUNCTION_ARGS) {
	ParetoHeader *h = table_arg(fcinfo, 0);
	Decimal x = fraction_arg(PG_GETARG_DATUM(1), "pareto_share_of_top");
	Decimal total = dexcost::pareto_total(h);
	if (total.units() <= 0)
		PG_RETURN_NULL();
	uint32 k = 0;
	check(dexcost::pareto_top_count(h, x, &k), "pareto_share_of_top");
	uint32 *order = ranking(h, "pareto_share_of_top");
	Decimal part;
	check(interruptible([&] { return dexcost::pareto_cumulative(h, order, k, &part); }), "pareto_share_of_top");
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div, numeric_of(part), numeric_of(total)));
}

// pareto_keys_for_share(pareto, cost_fraction numeric): how many keys, biggest first, make at least
// cost_fraction of the total cost; NULL when the total is not positive.
Datum dexcost_pareto_keys_for_share(PG_FUNCTION_ARGS) {
	ParetoHeader *h = table_arg(fcinfo, 0);
	Decimal y = fraction_arg(PG_GETARG_DATUM(1), "pareto_keys_for_share");
	if (dexcost::pareto_total(h).units() <= 0)
		PG_RETURN_NULL();
	uint32 *order = ranking(h, "pareto_keys_for_share");
	uint32 k = 0;
	check(interruptible([&] { return dexcost::pareto_keys_for_share(h, order, y, &k); }), "pareto_keys_for_share");
	PG_RETURN_INT64(k);
}

// pareto_summary(pareto): the usual Pareto figures as one jsonb.
Datum dexcost_pareto_summary(PG_FUNCTION_ARGS) {
	ParetoHeader *h = table_arg(fcinfo, 0);
	uint32 nkeys = dexcost::pareto_nkeys(h);
	Decimal total = dexcost::pareto_total(h);
	char buf[64];
	StringInfoData out;
	initStringInfo(&out);
	if (!decimal_text_noexcept(total, buf, sizeof buf))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	appendStringInfo(&out, "{\"keys\": %u, \"total_cost\": %s", nkeys, buf);
	if (dexcost::pareto_has_null_key(h)) {
		if (!decimal_text_noexcept(dexcost::pareto_null_sum(h), buf, sizeof buf))
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		appendStringInfo(&out, ", \"null_key_cost\": %s", buf);
	}
	if (total.units() > 0 && nkeys > 0) {
		uint32 *order = ranking(h, "pareto_summary");
		Datum total_datum = numeric_of(total);
		const char *top_names[] = {"top_1pct_share", "top_5pct_share", "top_10pct_share", "top_20pct_share"};
		const int64 top_percent[] = {1, 5, 10, 20};
		for (int i = 0; i < 4; ++i) {
			uint32 k = 0;
			Decimal part;
			check(dexcost::pareto_top_count(h, Decimal::from_units(top_percent[i] * static_cast<int128>(10000000000000000LL)), &k),
			      "pareto_summary");
			check(interruptible([&] { return dexcost::pareto_cumulative(h, order, k, &part); }), "pareto_summary");
			Datum share = DirectFunctionCall2(numeric_round, DirectFunctionCall2(numeric_div, numeric_of(part), total_datum),
			                                  Int32GetDatum(6));
			appendStringInfo(&out, ", \"%s\": %s", top_names[i], DatumGetCString(DirectFunctionCall1(numeric_out, share)));
		}
		const char *for_names[] = {"keys_for_50pct", "keys_for_80pct", "keys_for_90pct"};
		const int64 for_percent[] = {50, 80, 90};
		for (int i = 0; i < 3; ++i) {
			uint32 k = 0;
			Decimal y = Decimal::from_units(for_percent[i] * static_cast<int128>(10000000000000000LL));
			check(interruptible([&] { return dexcost::pareto_keys_for_share(h, order, y, &k); }), "pareto_summary");
			appendStringInfo(&out, ", \"%s\": %u", for_names[i], k);
		}
	}
	appendStringInfoChar(&out, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}
