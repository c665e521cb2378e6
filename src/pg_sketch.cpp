// SQL surface of the quantile sketch (src/core/sketch.*): the dexcost.ddsketch type and the
// percentile aggregates.
//
// The aggregates' state is a dexcost.ddsketch, not `internal`: one flat varlena, updated in place
// in the aggregate memory context (see new_state for how it grows), so PostgreSQL can send partial
// states between parallel workers, Citus between nodes (through the type's I/O), and a sketch can
// be stored in a column and merged later. Layout of the varlena:
//
//   StateHeader (8 bytes) | fractions: nfrac float8 | SketchHeader (88 bytes) | uint64 counts
//
// The fractions are those percentile()/percentiles() were asked for (a plain sketch has none):
// they travel with a partial state so that the final function of a combined state knows them.
// Every core call is noexcept and returns a status; this file turns statuses into errors, so no
// C++ object is ever alive when PostgreSQL raises.
#include "core/sketch.hpp"

#include <cmath>

#include "pg_bridge.hpp"
#include "pg_sketch.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_ddsketch_in);
PG_FUNCTION_INFO_V1(dexcost_ddsketch_out);
PG_FUNCTION_INFO_V1(dexcost_ddsketch_recv);
PG_FUNCTION_INFO_V1(dexcost_ddsketch_send);
PG_FUNCTION_INFO_V1(dexcost_sketch_add);
PG_FUNCTION_INFO_V1(dexcost_sketch_add_alpha);
PG_FUNCTION_INFO_V1(dexcost_percentile_add);
PG_FUNCTION_INFO_V1(dexcost_percentile_add_alpha);
PG_FUNCTION_INFO_V1(dexcost_percentiles_add);
PG_FUNCTION_INFO_V1(dexcost_percentiles_add_alpha);
PG_FUNCTION_INFO_V1(dexcost_sketch_combine);
PG_FUNCTION_INFO_V1(dexcost_sketch_final);
PG_FUNCTION_INFO_V1(dexcost_percentile_final);
PG_FUNCTION_INFO_V1(dexcost_percentiles_final);
PG_FUNCTION_INFO_V1(dexcost_sketch_percentile);
PG_FUNCTION_INFO_V1(dexcost_sketch_percentiles);
PG_FUNCTION_INFO_V1(dexcost_sketch_count);
PG_FUNCTION_INFO_V1(dexcost_sketch_sum);
PG_FUNCTION_INFO_V1(dexcost_sketch_min);
PG_FUNCTION_INFO_V1(dexcost_sketch_max);
PG_FUNCTION_INFO_V1(dexcost_sketch_mean);
PG_FUNCTION_INFO_V1(dexcost_sketch_relative_error);
}

namespace dexcost_pg {

namespace {

using dexcost::SketchHeader;
using dexcost::SketchStatus;
using dexcost::SketchWindows;

constexpr double kDefaultRelativeError = 0.01;
constexpr int kMaxFractions = 1000;
constexpr uint8 kStateVersion = 1; // first byte of the binary form (recv/send), before the core's bytes

// The binding's part of the varlena, before the fractions and the sketch.
struct StateHeader {
	int32 vl_len_;
	uint16 nfrac;  // fractions that follow (0 for a plain sketch)
	uint8 flags;   // kFractionArray, kFractionNull
	uint8 unused;  // 0
};
static_assert(sizeof(StateHeader) == 8, "the sketch that follows must stay 8-byte aligned");
DEXCOST_PLAIN(StateHeader);

constexpr uint8 kFractionArray = 1; // asked for by percentiles(): the result is an array
constexpr uint8 kFractionNull = 2;  // percentile() was given a NULL fraction: the result is NULL

size_t prefix_bytes(int nfrac) {
	return sizeof(StateHeader) + sizeof(float8) * static_cast<size_t>(nfrac);
}

float8 *fractions_of(StateHeader *s) {
	return reinterpret_cast<float8 *>(s + 1);
}

SketchHeader *sketch_of(StateHeader *s) {
	return reinterpret_cast<SketchHeader *>(reinterpret_cast<char *>(s) + prefix_bytes(s->nfrac));
}

// Bytes a state takes with its current windows.
size_t state_bytes(StateHeader *s) {
	const SketchHeader *h = sketch_of(s);
	return prefix_bytes(s->nfrac) + dexcost::sketch_bytes(h->pos_len, h->neg_len);
}

// Raises for a status that is not kOk (what of the call: "percentile", "sketch", ...).
void check(SketchStatus st, const char *what) {
	switch (st) {
	case SketchStatus::kOk:
		return;
	case SketchStatus::kNotFinite:
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("dexcost.%s: NaN and infinite values cannot be ranked", what),
		                errhint("Filter them out first, e.g. WHERE value <> 'NaN' AND value NOT IN "
		                        "('Infinity', '-Infinity').")));
		break;
	case SketchStatus::kBadAlpha:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("dexcost.%s: relative error must be above 0 and below 0.5, with at most 6 decimal "
		                       "places",
		                       what),
		                errhint("0.01 (1 %%) is the default; 0.001 costs about ten times the memory.")));
		break;
	case SketchStatus::kBadPercentile:
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("dexcost.%s: fraction must be between 0 and 1", what),
		                errhint("Ask for 0.95 for the 95th percentile.")));
		break;
	case SketchStatus::kIncompatible:
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("dexcost.%s: cannot merge sketches built with different relative errors", what),
		                errhint("Build every sketch you merge with the same relative_error.")));
		break;
	case SketchStatus::kCountOverflow:
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
		                errmsg("dexcost.%s: more values than a bigint can count", what)));
		break;
	case SketchStatus::kBadVersion:
	case SketchStatus::kTruncated:
	case SketchStatus::kCorrupt:
	case SketchStatus::kBadWindow:
	case SketchStatus::kBadMaxBuckets:
	case SketchStatus::kLevelMismatch:
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
		                errmsg("dexcost.%s: invalid sketch: %s", what, dexcost::sketch_status_text(st)),
		                errhint("Sketches come from dexcost.sketch(); their text form starts with \"ddsketch:\".")));
		break;
	default:
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
		                errmsg("dexcost.%s: %s", what, dexcost::sketch_status_text(st))));
	}
}

// How a transition grows its state: PostgreSQL keeps a non-internal by-reference state in the
// aggregate context and, when a transition returns another pointer than the state it was
// given, copies the new value there and frees the old one. So a state is updated in place while
// it fits, and when it must grow the transition builds the larger one in the current (per-row)
// memory and returns it: PostgreSQL copies it into the aggregate context, frees the old state,
// and the per-row memory goes with the row. Nothing is repalloc'd (that would free the state
// PostgreSQL is about to free).

// A new empty state in the current memory context, with room for nfrac fractions.
StateHeader *new_state(double alpha, int nfrac, const char *what) {
	size_t bytes = prefix_bytes(nfrac) + dexcost::sketch_bytes(0, 0);
	auto *s = static_cast<StateHeader *>(palloc0(bytes));
	SET_VARSIZE(s, bytes);
	s->nfrac = static_cast<uint16>(nfrac);
	check(dexcost::sketch_init(sketch_of(s), alpha), what);
	return s;
}

// A copy of s with the given windows (which cover its counts), in the current memory context.
StateHeader *regrown(StateHeader *s, const SketchWindows &w, const char *what) {
	size_t bytes = prefix_bytes(s->nfrac) + dexcost::sketch_bytes(w.pos_len, w.neg_len);
	auto *c = static_cast<StateHeader *>(palloc(bytes));
	memcpy(c, s, prefix_bytes(s->nfrac));
	SET_VARSIZE(c, bytes);
	SketchHeader *from = sketch_of(s);
	SketchHeader *to = sketch_of(c);
	check(dexcost::sketch_regrow(from, dexcost::sketch_counts(from), to, dexcost::sketch_counts(to), w), what);
	return c;
}

// Adds x in place, collapsing as the core asks; returns a larger copy when the value does not fit.
StateHeader *add_value(StateHeader *s, double x, const char *what) {
	for (;;) {
		SketchHeader *h = sketch_of(s);
		SketchStatus st = dexcost::sketch_add(h, dexcost::sketch_counts(h), x);
		if (st != SketchStatus::kNeedsWindow) {
			check(st, what);
			return s;
		}
		SketchWindows w;
		st = dexcost::sketch_needed_window(h, dexcost::sketch_counts(h), x, &w);
		if (st == SketchStatus::kNeedsCollapse) {
			check(dexcost::sketch_collapse(h, dexcost::sketch_counts(h)), what);
			SET_VARSIZE(s, state_bytes(s));
			continue;
		}
		if (st != SketchStatus::kNeedsGrow)
			check(st == SketchStatus::kOk ? SketchStatus::kCorrupt : st, what);
		s = regrown(s, w, what);
	}
}

// Merges src into dst in place, or into a larger copy of dst that it returns (see above).
StateHeader *merge_into(StateHeader *dst, StateHeader *src, const char *what) {
	SketchHeader *sh = sketch_of(src);
	dexcost::SketchMergePlan plan;
	{
		SketchHeader *dh = sketch_of(dst);
		check(dexcost::sketch_merge_plan(dh, dexcost::sketch_counts(dh), sh, dexcost::sketch_counts(sh), &plan), what);
		while (dh->collapses < plan.collapses) {
			check(dexcost::sketch_collapse(dh, dexcost::sketch_counts(dh)), what);
			SET_VARSIZE(dst, state_bytes(dst));
		}
	}
	if (plan.regrow)
		dst = regrown(dst, plan.windows, what);
	SketchHeader *dh = sketch_of(dst);
	check(dexcost::sketch_merge(dh, dexcost::sketch_counts(dh), sh, dexcost::sketch_counts(sh)), what);
	return dst;
}

// Raises unless called as an aggregate's transition or combine function (only then may the
// state be updated in place).
void require_aggregate(FunctionCallInfo fcinfo, const char *what) {
	if (!AggCheckCallContext(fcinfo, nullptr))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("dexcost.%s: transition function called outside an aggregate", what)));
}

// The relative error argument, checked.
double relative_error_arg(FunctionCallInfo fcinfo, int arg, const char *what) {
	if (PG_ARGISNULL(arg))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("dexcost.%s: relative error must not be NULL", what),
		                errhint("Leave the argument out for the default, 0.01.")));
	double alpha = PG_GETARG_FLOAT8(arg);
	if (!(alpha > 0 && alpha < 0.5))
		check(SketchStatus::kBadAlpha, what);
	return alpha;
}

// A fraction, checked (NaN and values outside [0, 1] are refused).
void check_fraction(double f, const char *what) {
	if (std::isnan(f) || f < 0 || f > 1)
		check(SketchStatus::kBadPercentile, what);
}

// The shared transition: add the value of argument 1 to the state in argument 0, creating it on
// the first non-NULL value; init fills a new state's fractions.
template <typename Init>
Datum transition(FunctionCallInfo fcinfo, const char *what, double alpha, int nfrac, Init init) {
	require_aggregate(fcinfo, what);
	if (PG_ARGISNULL(1)) {
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	StateHeader *s;
	if (PG_ARGISNULL(0)) {
		s = new_state(alpha, nfrac, what);
		init(s);
	} else {
		s = reinterpret_cast<StateHeader *>(PG_GETARG_POINTER(0));
	}
	PG_RETURN_POINTER(add_value(s, PG_GETARG_FLOAT8(1), what));
}

// A ddsketch argument, detoasted (and aligned) and checked to be a plain sketch or a state.
StateHeader *state_arg(FunctionCallInfo fcinfo, int arg) {
	return reinterpret_cast<StateHeader *>(PG_DETOAST_DATUM(PG_GETARG_DATUM(arg)));
}

// The estimate of fraction f.
double quantile_of(StateHeader *s, double f, const char *what) {
	SketchHeader *h = sketch_of(s);
	double out = 0;
	check(dexcost::sketch_quantile(h, dexcost::sketch_counts(h), f, &out), what);
	return out;
}

// float8[] of the estimates of fractions.
Datum quantiles_array(StateHeader *s, const float8 *fractions, int n, const char *what) {
	Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	for (int i = 0; i < n; ++i)
		values[i] = Float8GetDatum(quantile_of(s, fractions[i], what));
	return PointerGetDatum(construct_array(values, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

// The fractions of a float8[] argument: one dimension, no NULL, each in [0, 1].
float8 *fractions_arg(ArrayType *a, int *n, const char *what) {
	if (ARR_NDIM(a) > 1)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR), errmsg("dexcost.%s: fractions must be a one-dimensional array", what)));
	if (array_contains_nulls(a))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("dexcost.%s: fractions must not contain NULL", what)));
	int count = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	if (count > kMaxFractions)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("dexcost.%s: at most %d fractions", what, kMaxFractions)));
	float8 *f = reinterpret_cast<float8 *>(ARR_DATA_PTR(a));
	for (int i = 0; i < count; ++i)
		check_fraction(f[i], what);
	*n = count;
	return f;
}

// Base64 of the serialized sketch, with "ddsketch:" in front.
char *sketch_text(StateHeader *s) {
	SketchHeader *h = sketch_of(s);
	const uint64 *counts = dexcost::sketch_counts(h);
	size_t len = dexcost::sketch_serialized_size(h, counts);
	auto *bytes = static_cast<uint8 *>(palloc(len + 1));
	size_t written = 0;
	check(dexcost::sketch_serialize(h, counts, bytes, len, &written), "ddsketch_out");
	size_t chars = dexcost::sketch_text_size(written);
	char *text = static_cast<char *>(palloc(chars + 1));
	check(dexcost::sketch_to_text(bytes, written, text, chars, &chars), "ddsketch_out");
	text[chars] = '\0';
	return text;
}

// A state from the core's serialized bytes, with room for nfrac fractions (filled by the caller).
StateHeader *state_from_bytes(const uint8 *bytes, size_t len, int nfrac, const char *what) {
	uint32 pos_len = 0, neg_len = 0;
	check(dexcost::sketch_deserialized_size(bytes, len, &pos_len, &neg_len), what);
	size_t total = prefix_bytes(nfrac) + dexcost::sketch_bytes(pos_len, neg_len);
	auto *s = static_cast<StateHeader *>(palloc0(total));
	SET_VARSIZE(s, total);
	s->nfrac = static_cast<uint16>(nfrac);
	check(dexcost::sketch_deserialize_into(bytes, len, sketch_of(s), dexcost::sketch_bytes(pos_len, neg_len)), what);
	return s;
}

// A state trimmed to the buckets it uses, as a plain sketch (what sketch() returns).
Datum trimmed_sketch(StateHeader *s) {
	SketchHeader *h = sketch_of(s);
	SketchWindows w = dexcost::sketch_trimmed_windows(h, dexcost::sketch_counts(h));
	size_t bytes = prefix_bytes(0) + dexcost::sketch_bytes(w.pos_len, w.neg_len);
	auto *out = static_cast<StateHeader *>(palloc0(bytes));
	SET_VARSIZE(out, bytes);
	SketchHeader *oh = sketch_of(out);
	check(dexcost::sketch_regrow(h, dexcost::sketch_counts(h), oh, dexcost::sketch_counts(oh), w), "sketch");
	return PointerGetDatum(out);
}

} // namespace

Datum sketch_of_values(const double *values, size_t n) {
	StateHeader *s = new_state(kDefaultRelativeError, 0, "sketch");
	for (size_t i = 0; i < n; ++i)
		s = add_value(s, values[i], "sketch");
	return trimmed_sketch(s);
}

} // namespace dexcost_pg

using namespace dexcost_pg;

// ddsketch_in(cstring): "ddsketch:<base64>", optionally followed by "@<fraction>", "@[f1,f2,...]"
// or "@null" (the fractions of a percentile aggregate's partial state).
Datum dexcost_ddsketch_in(PG_FUNCTION_ARGS) {
	const char *text = PG_GETARG_CSTRING(0);
	const char *at = strchr(text, '@');
	size_t len = at ? static_cast<size_t>(at - text) : strlen(text);
	size_t bytes_len = 0;
	SketchStatus st = dexcost::sketch_text_decoded_size(text, len, &bytes_len);
	if (st != SketchStatus::kOk)
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), errmsg("invalid input syntax for type ddsketch"),
		                errdetail("%s.", dexcost::sketch_status_text(st)),
		                errhint("A sketch reads \"ddsketch:\" followed by base64, as dexcost.sketch() writes it.")));
	auto *bytes = static_cast<uint8 *>(palloc(bytes_len + 1));
	size_t written = 0;
	check(dexcost::sketch_from_text(text, len, bytes, bytes_len, &written), "ddsketch_in");
	// Fractions.
	int nfrac = 0;
	uint8 flags = 0;
	float8 fractions[kMaxFractions];
	if (at) {
		const char *p = at + 1;
		if (strcmp(p, "null") == 0) {
			flags = kFractionNull;
		} else {
			bool array = *p == '[';
			if (array) {
				flags = kFractionArray;
				++p;
			}
			while (*p && *p != ']') {
				char *end = nullptr;
				errno = 0;
				double f = strtod(p, &end);
				if (end == p || errno != 0 || nfrac >= kMaxFractions)
					ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					                errmsg("invalid input syntax for type ddsketch: bad fraction list")));
				check_fraction(f, "ddsketch_in");
				fractions[nfrac++] = f;
				p = end;
				if (*p == ',')
					++p;
				if (!array)
					break;
			}
			if ((array && (*p != ']' || p[1] != '\0')) || (!array && (*p != '\0' || nfrac != 1)))
				ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				                errmsg("invalid input syntax for type ddsketch: bad fraction list")));
		}
	}
	StateHeader *s = state_from_bytes(bytes, written, nfrac, "ddsketch_in");
	s->flags = flags;
	memcpy(fractions_of(s), fractions, sizeof(float8) * nfrac);
	PG_RETURN_POINTER(s);
}

// ddsketch_out(ddsketch): the text form (compact: windows trimmed, counts varint-coded).
Datum dexcost_ddsketch_out(PG_FUNCTION_ARGS) {
	StateHeader *s = state_arg(fcinfo, 0);
	StringInfoData out;
	initStringInfo(&out);
	appendStringInfoString(&out, sketch_text(s));
	if (s->flags & kFractionNull) {
		appendStringInfoString(&out, "@null");
	} else if (s->nfrac > 0) {
		appendStringInfoChar(&out, '@');
		if (s->flags & kFractionArray)
			appendStringInfoChar(&out, '[');
		for (int i = 0; i < s->nfrac; ++i) {
			char buf[64];
			snprintf(buf, sizeof buf, "%s%.17g", i ? "," : "", fractions_of(s)[i]);
			appendStringInfoString(&out, buf);
		}
		if (s->flags & kFractionArray)
			appendStringInfoChar(&out, ']');
	}
	PG_RETURN_CSTRING(out.data);
}

// ddsketch_recv(internal): u8 version, u8 flags, u16 nfrac, nfrac float8, the core's bytes.
Datum dexcost_ddsketch_recv(PG_FUNCTION_ARGS) {
	StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
	int version = pq_getmsgbyte(buf);
	if (version != kStateVersion)
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
		                errmsg("unsupported binary ddsketch version %d", version)));
	uint8 flags = static_cast<uint8>(pq_getmsgbyte(buf));
	int nfrac = pq_getmsgint(buf, 2);
	if (nfrac > kMaxFractions || (flags & ~(kFractionArray | kFractionNull)) != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION), errmsg("invalid binary ddsketch")));
	float8 fractions[kMaxFractions];
	for (int i = 0; i < nfrac; ++i) {
		fractions[i] = pq_getmsgfloat8(buf);
		check_fraction(fractions[i], "ddsketch_recv");
	}
	int len = buf->len - buf->cursor;
	const uint8 *bytes = reinterpret_cast<const uint8 *>(pq_getmsgbytes(buf, len));
	StateHeader *s = state_from_bytes(bytes, static_cast<size_t>(len), nfrac, "ddsketch_recv");
	s->flags = flags;
	memcpy(fractions_of(s), fractions, sizeof(float8) * nfrac);
	PG_RETURN_POINTER(s);
}

// ddsketch_send(ddsketch).
Datum dexcost_ddsketch_send(PG_FUNCTION_ARGS) {
	StateHeader *s = state_arg(fcinfo, 0);
	SketchHeader *h = sketch_of(s);
	const uint64 *counts = dexcost::sketch_counts(h);
	size_t len = dexcost::sketch_serialized_size(h, counts);
	auto *bytes = static_cast<uint8 *>(palloc(len + 1));
	size_t written = 0;
	check(dexcost::sketch_serialize(h, counts, bytes, len, &written), "ddsketch_send");
	StringInfoData out;
	pq_begintypsend(&out);
	pq_sendbyte(&out, kStateVersion);
	pq_sendbyte(&out, s->flags);
	pq_sendint16(&out, s->nfrac);
	for (int i = 0; i < s->nfrac; ++i)
		pq_sendfloat8(&out, fractions_of(s)[i]);
	pq_sendbytes(&out, reinterpret_cast<const char *>(bytes), static_cast<int>(written));
	PG_RETURN_BYTEA_P(pq_endtypsend(&out));
}

// sketch_add(ddsketch, float8): the transition of dexcost.sketch(value), relative error 1 %.
Datum dexcost_sketch_add(PG_FUNCTION_ARGS) {
	return transition(fcinfo, "sketch", kDefaultRelativeError, 0, [](StateHeader *) {});
}

// sketch_add(ddsketch, float8, relative_error float8).
Datum dexcost_sketch_add_alpha(PG_FUNCTION_ARGS) {
	double alpha = PG_ARGISNULL(0) ? relative_error_arg(fcinfo, 2, "sketch") : 0;
	return transition(fcinfo, "sketch", alpha, 0, [](StateHeader *) {});
}

// The fraction argument of percentile(): a state remembers it (or that it was NULL).
template <bool kWithAlpha>
Datum percentile_transition(FunctionCallInfo fcinfo) {
	double alpha = kDefaultRelativeError;
	if (PG_ARGISNULL(0)) {
		if (kWithAlpha)
			alpha = relative_error_arg(fcinfo, 3, "percentile");
		if (!PG_ARGISNULL(2))
			check_fraction(PG_GETARG_FLOAT8(2), "percentile");
	}
	bool null_fraction = PG_ARGISNULL(2);
	double fraction = null_fraction ? 0 : PG_GETARG_FLOAT8(2);
	return transition(fcinfo, "percentile", alpha, null_fraction ? 0 : 1, [&](StateHeader *s) {
		if (null_fraction)
			s->flags = kFractionNull;
		else
			fractions_of(s)[0] = fraction;
	});
}

// percentile_add(ddsketch, value float8, fraction float8).
Datum dexcost_percentile_add(PG_FUNCTION_ARGS) {
	return percentile_transition<false>(fcinfo);
}

// percentile_add(ddsketch, value float8, fraction float8, relative_error float8).
Datum dexcost_percentile_add_alpha(PG_FUNCTION_ARGS) {
	return percentile_transition<true>(fcinfo);
}

// The fractions argument of percentiles(): a state remembers them.
template <bool kWithAlpha>
Datum percentiles_transition(FunctionCallInfo fcinfo) {
	if (!PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return transition(fcinfo, "percentiles", kDefaultRelativeError, 0, [](StateHeader *) {});
	double alpha = kWithAlpha ? relative_error_arg(fcinfo, 3, "percentiles") : kDefaultRelativeError;
	int n = 0;
	float8 *fractions = nullptr;
	bool null_fractions = PG_ARGISNULL(2);
	if (!null_fractions)
		fractions = fractions_arg(PG_GETARG_ARRAYTYPE_P(2), &n, "percentiles");
	return transition(fcinfo, "percentiles", alpha, n, [&](StateHeader *s) {
		s->flags = null_fractions ? kFractionNull : kFractionArray;
		if (n > 0)
			memcpy(fractions_of(s), fractions, sizeof(float8) * n);
	});
}

// percentiles_add(ddsketch, value float8, fractions float8[]).
Datum dexcost_percentiles_add(PG_FUNCTION_ARGS) {
	return percentiles_transition<false>(fcinfo);
}

// percentiles_add(ddsketch, value float8, fractions float8[], relative_error float8).
Datum dexcost_percentiles_add_alpha(PG_FUNCTION_ARGS) {
	return percentiles_transition<true>(fcinfo);
}

// sketch_combine(ddsketch, ddsketch): merges the second into the first. The combine function of
// every aggregate here, and the transition of dexcost.sketch_merge(ddsketch).
Datum dexcost_sketch_combine(PG_FUNCTION_ARGS) {
	require_aggregate(fcinfo, "sketch_merge");
	if (PG_ARGISNULL(1)) {
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	StateHeader *src = state_arg(fcinfo, 1);
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(src); // PostgreSQL copies it into the aggregate context
	StateHeader *dst = reinterpret_cast<StateHeader *>(PG_GETARG_POINTER(0));
	// A state without fractions takes those of the other (a percentile state is made by the
	// first row that has a value, and its partial states all carry the same fractions).
	if (dst->nfrac == 0 && src->nfrac > 0 && !(dst->flags & kFractionNull)) {
		size_t sketch_part = state_bytes(dst) - prefix_bytes(0);
		auto *with = static_cast<StateHeader *>(palloc(prefix_bytes(src->nfrac) + sketch_part));
		memcpy(with, src, prefix_bytes(src->nfrac));
		memcpy(sketch_of(with), sketch_of(dst), sketch_part);
		SET_VARSIZE(with, state_bytes(with));
		dst = with;
	}
	if (src->flags & kFractionNull)
		dst->flags |= kFractionNull;
	PG_RETURN_POINTER(merge_into(dst, src, "sketch_merge"));
}

// sketch_final(ddsketch): the sketch, compacted (windows trimmed, no fractions); read-only.
Datum dexcost_sketch_final(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(trimmed_sketch(state_arg(fcinfo, 0)));
}

// percentile_final(ddsketch): the estimate of the state's fraction; NULL for no values or a NULL fraction.
Datum dexcost_percentile_final(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	StateHeader *s = state_arg(fcinfo, 0);
	if ((s->flags & kFractionNull) || s->nfrac != 1 || dexcost::sketch_count(sketch_of(s)) == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(quantile_of(s, fractions_of(s)[0], "percentile"));
}

// percentiles_final(ddsketch): the estimates of the state's fractions, in their order.
Datum dexcost_percentiles_final(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	StateHeader *s = state_arg(fcinfo, 0);
	if ((s->flags & kFractionNull) || dexcost::sketch_count(sketch_of(s)) == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(quantiles_array(s, fractions_of(s), s->nfrac, "percentiles"));
}

// sketch_percentile(ddsketch, fraction float8).
Datum dexcost_sketch_percentile(PG_FUNCTION_ARGS) {
	StateHeader *s = state_arg(fcinfo, 0);
	double f = PG_GETARG_FLOAT8(1);
	check_fraction(f, "sketch_percentile");
	if (dexcost::sketch_count(sketch_of(s)) == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(quantile_of(s, f, "sketch_percentile"));
}

// sketch_percentiles(ddsketch, fractions float8[]).
Datum dexcost_sketch_percentiles(PG_FUNCTION_ARGS) {
	StateHeader *s = state_arg(fcinfo, 0);
	int n = 0;
	float8 *fractions = fractions_arg(PG_GETARG_ARRAYTYPE_P(1), &n, "sketch_percentiles");
	if (dexcost::sketch_count(sketch_of(s)) == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(quantiles_array(s, fractions, n, "sketch_percentiles"));
}

// sketch_count(ddsketch): values counted, zeros included.
Datum dexcost_sketch_count(PG_FUNCTION_ARGS) {
	PG_RETURN_INT64(static_cast<int64>(dexcost::sketch_count(sketch_of(state_arg(fcinfo, 0)))));
}

// sketch_sum(ddsketch): their sum (compensated; NULL when empty).
Datum dexcost_sketch_sum(PG_FUNCTION_ARGS) {
	SketchHeader *h = sketch_of(state_arg(fcinfo, 0));
	if (dexcost::sketch_count(h) == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(dexcost::sketch_sum(h));
}

// sketch_min(ddsketch): the exact minimum, NULL when empty.
Datum dexcost_sketch_min(PG_FUNCTION_ARGS) {
	double out = 0;
	if (dexcost::sketch_min(sketch_of(state_arg(fcinfo, 0)), &out) != SketchStatus::kOk)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(out);
}

// sketch_max(ddsketch): the exact maximum, NULL when empty.
Datum dexcost_sketch_max(PG_FUNCTION_ARGS) {
	double out = 0;
	if (dexcost::sketch_max(sketch_of(state_arg(fcinfo, 0)), &out) != SketchStatus::kOk)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(out);
}

// sketch_mean(ddsketch): sum / count, NULL when empty.
Datum dexcost_sketch_mean(PG_FUNCTION_ARGS) {
	double out = 0;
	if (dexcost::sketch_mean(sketch_of(state_arg(fcinfo, 0)), &out) != SketchStatus::kOk)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(out);
}

// sketch_relative_error(ddsketch): the bound in effect (the relative error asked for, widened by
// each collapse of a sketch whose values span more than max_buckets buckets).
Datum dexcost_sketch_relative_error(PG_FUNCTION_ARGS) {
	PG_RETURN_FLOAT8(dexcost::sketch_error_bound(sketch_of(state_arg(fcinfo, 0))));
}
