// SQL surface of the price catalogue: the per-backend cache, compute_cost() and the
// trigger that invalidates the cache when prices change.
#include "pg_pricing.hpp"

#include "core/decimal.hpp"
#include "core/vocab.hpp"

#include <memory>
#include <string>

#include "pg_bridge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_compute_cost);
PG_FUNCTION_INFO_V1(dexcost_price_catalog_changed);
}

namespace dexcost_pg {

namespace {

dexcost::PriceCatalog *g_catalog = nullptr; // C++ heap; replaced whole on reload
bool g_catalog_valid = false;
// Set when the catalogue was read with a REPEATABLE READ or SERIALIZABLE snapshot: it may be
// older than what is committed, so it serves only the transaction that read it.
LocalTransactionId g_catalog_snapshot_lxid = InvalidLocalTransactionId;
uint64 g_invalidations = 0;
Oid g_price_relid = InvalidOid;
Oid g_alias_relid = InvalidOid;

// One model_price row copied out of SPI.
struct PlainPriceRow {
	int64 price_id;
	const char *provider, *model, *tier, *usage, *usd;
	int64 min_input_tokens, valid_from, valid_to;
	bool is_seed;
};

// One model_alias row copied out of SPI.
struct PlainAlias {
	const char *provider, *alias, *model;
};

// Drops the catalogue when model_price or model_alias changed (or on a full reset).
void relcache_callback(Datum, Oid relid) {
	if (relid == InvalidOid || relid == g_price_relid || relid == g_alias_relid) {
		g_catalog_valid = false;
		++g_invalidations;
	}
}

// Phase 2 of a load: builds a catalogue from plain rows, or returns nullptr with err set.
dexcost::PriceCatalog *build_catalog_noexcept(const PlainPriceRow *rows, int nrows, const PlainAlias *aliases,
                                              int naliases, char *err, size_t errsize) noexcept {
	try {
		auto catalog = std::make_unique<dexcost::PriceCatalog>();
		for (int i = 0; i < nrows; ++i) {
			const PlainPriceRow &p = rows[i];
			dexcost::PriceRow row;
			row.price_id = p.price_id;
			row.provider = p.provider;
			row.model = p.model;
			row.service_tier = p.tier;
			int bucket = dexcost::vocab_index(dexcost::kUsageTypes, p.usage);
			dexcost::DecimalError e = dexcost::parse_scaled(p.usd, dexcost::kPriceScale, &row.usd_per_mtok);
			if (bucket < 0 || e != dexcost::DecimalError::kNone) {
				std::string msg = "price " + std::to_string(p.price_id) + " has an unusable usage_type or price";
				copy_text(err, errsize, msg.c_str());
				return nullptr;
			}
			row.bucket = static_cast<dexcost::Bucket>(bucket);
			row.min_input_tokens = p.min_input_tokens;
			row.valid_from = p.valid_from;
			row.valid_to = p.valid_to;
			row.is_seed = p.is_seed;
			catalog->add_price(std::move(row));
		}
		for (int i = 0; i < naliases; ++i)
			catalog->add_alias(aliases[i].provider, aliases[i].alias, aliases[i].model);
		return catalog.release();
	} catch (const std::exception &e) {
		copy_text(err, errsize, e.what());
	} catch (...) {
		copy_text(err, errsize, "unexpected C++ exception");
	}
	return nullptr;
}

// Frees a catalogue; destructors do not throw.
void free_catalog_noexcept(dexcost::PriceCatalog *catalog) noexcept {
	delete catalog;
}

// Copies column col of SPI row r as a string in cxt (NULL stays nullptr).
const char *spi_text(MemoryContext cxt, int r, int col) {
	char *value = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, col);
	return value ? MemoryContextStrdup(cxt, value) : nullptr;
}

// Column col of SPI row r as a timestamp, with NULL standing for `if_null`.
int64 spi_time(int r, int col, int64 if_null) {
	bool isnull = false;
	Datum d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, col, &isnull);
	return isnull ? if_null : DatumGetTimestampTz(d);
}

// Column col of SPI row r as int8 (never NULL in these tables).
int64 spi_int8(int r, int col) {
	bool isnull = false;
	Datum d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, col, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

// Raises when an SPI call failed; these queries only fail on a broken installation.
void check_spi(int rc, const char *what) {
	if (rc < 0)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not read %s: %s", what, SPI_result_code_string(rc)),
		                errhint("Check that the dexcost extension is installed completely.")));
}

// Reads a token count argument, refusing negative counts.
void read_token_arg(FunctionCallInfo fcinfo, int argno, const char *name, PlainPriceRequest *req, int bucket) {
	if (PG_ARGISNULL(argno))
		return;
	int64 n = PG_GETARG_INT64(argno);
	if (n < 0)
		ereport(ERROR, (errcode(ERRCODE_CHECK_VIOLATION),
		                errmsg("invalid %s \"" INT64_FORMAT "\": token counts cannot be negative", name, n),
		                errhint("Count each bucket's tokens: 0 or more, or NULL when unknown.")));
	req->tokens[bucket] = n;
	req->known[bucket] = true;
}

} // namespace

void pricing_init() {
	CacheRegisterRelcacheCallback(relcache_callback, (Datum)0);
}

void ensure_price_catalog() {
	if (g_catalog && g_catalog_valid &&
	    (g_catalog_snapshot_lxid == InvalidLocalTransactionId || g_catalog_snapshot_lxid == MyProc->lxid))
		return;
	Oid nsp = get_namespace_oid(kSchema, false);
	g_price_relid = get_relname_relid("model_price", nsp);
	g_alias_relid = get_relname_relid("model_alias", nsp);
	uint64 invalidations_before = g_invalidations;

	// Phase 1: copy the rows out of SPI into plain structs.
	MemoryContext load_cxt = AllocSetContextCreate(CurrentMemoryContext, "dexcost price catalogue load",
	                                               ALLOCSET_DEFAULT_SIZES);
	OwnerSwitch as_owner = become_schema_owner(); // every role that prices events reads the catalogue
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	check_spi(SPI_execute("SELECT price_id, provider, model, service_tier, usage_type, min_input_tokens,"
	                      " valid_from, valid_to, usd_per_mtok::text, is_seed FROM dexcost.model_price",
	                      true, 0),
	          "dexcost.model_price");
	int nrows = static_cast<int>(SPI_processed);
	auto *rows = static_cast<PlainPriceRow *>(MemoryContextAllocZero(load_cxt, sizeof(PlainPriceRow) * (nrows + 1)));
	for (int r = 0; r < nrows; ++r) {
		PlainPriceRow &p = rows[r];
		p.price_id = spi_int8(r, 1);
		p.provider = spi_text(load_cxt, r, 2);
		p.model = spi_text(load_cxt, r, 3);
		p.tier = spi_text(load_cxt, r, 4);
		p.usage = spi_text(load_cxt, r, 5);
		p.min_input_tokens = spi_int8(r, 6);
		p.valid_from = spi_time(r, 7, DT_NOBEGIN);
		p.valid_to = spi_time(r, 8, DT_NOEND);
		p.usd = spi_text(load_cxt, r, 9);
		p.is_seed = strcmp(spi_text(load_cxt, r, 10), "t") == 0;
	}
	// Seeds first, so a user's alias for the same name replaces the seed's.
	check_spi(SPI_execute("SELECT provider, alias, model FROM dexcost.model_alias ORDER BY is_seed DESC", true, 0),
	          "dexcost.model_alias");
	int naliases = static_cast<int>(SPI_processed);
	auto *aliases = static_cast<PlainAlias *>(MemoryContextAllocZero(load_cxt, sizeof(PlainAlias) * (naliases + 1)));
	for (int r = 0; r < naliases; ++r)
		aliases[r] = {spi_text(load_cxt, r, 1), spi_text(load_cxt, r, 2), spi_text(load_cxt, r, 3)};
	SPI_finish();
	restore_user(as_owner);

	// Phase 2: build the C++ catalogue.
	char err[256] = "";
	dexcost::PriceCatalog *fresh = build_catalog_noexcept(rows, nrows, aliases, naliases, err, sizeof err);
	MemoryContextDelete(load_cxt);

	// Phase 3: install it or raise.
	if (!fresh)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("could not load the dexcost price catalogue: %s", err),
		                errhint("Fix or remove the price row named above.")));
	free_catalog_noexcept(g_catalog);
	g_catalog = fresh;
	g_catalog_valid = invalidations_before == g_invalidations;
	g_catalog_snapshot_lxid = IsolationUsesXactSnapshot() ? MyProc->lxid : InvalidLocalTransactionId;
}

void price_noexcept(const PlainPriceRequest &request, PlainPriceResult *result) noexcept {
	*result = PlainPriceResult();
	try {
		if (!g_catalog) {
			result->failed = true;
			copy_text(result->reason, sizeof result->reason, "the price catalogue is not loaded");
			return;
		}
		dexcost::PriceRequest q;
		q.provider = request.provider ? request.provider : "";
		q.model = request.model ? request.model : "";
		q.service_tier = request.service_tier ? request.service_tier : "standard";
		q.at = request.at;
		for (int b = 0; b < dexcost::kBucketCount; ++b)
			if (request.known[b])
				q.tokens.set(static_cast<dexcost::Bucket>(b), request.tokens[b]);
		dexcost::PriceResult r = g_catalog->price(q);
		result->priced = r.priced();
		if (r.priced()) {
			copy_text(result->cost, sizeof result->cost, r.cost.to_string().c_str());
			copy_text(result->version, sizeof result->version, r.pricing_version.c_str());
		} else {
			copy_text(result->reason, sizeof result->reason, r.reason.c_str());
		}
	} catch (const std::exception &e) {
		result->failed = true;
		copy_text(result->reason, sizeof result->reason, e.what());
	} catch (...) {
		result->failed = true;
		copy_text(result->reason, sizeof result->reason, "unexpected C++ exception");
	}
}

} // namespace dexcost_pg

using namespace dexcost_pg;

// compute_cost(provider, model, service_tier, at, six token buckets) -> (cost, confidence, version, reason)
Datum dexcost_compute_cost(PG_FUNCTION_ARGS) {
	TupleDesc tupdesc;
	if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "compute_cost must return a record");
	tupdesc = BlessTupleDesc(tupdesc);

	// Phase 1: arguments.
	PlainPriceRequest req;
	req.provider = PG_ARGISNULL(0) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(0));
	req.model = PG_ARGISNULL(1) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (PG_ARGISNULL(2))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("service_tier must not be NULL"),
		                errhint("Leave it out for standard prices.")));
	{
		req.service_tier = text_to_cstring(PG_GETARG_TEXT_PP(2));
		if (!dexcost::vocab_contains(dexcost::kServiceTiers, req.service_tier))
			ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			                errmsg("invalid service_tier \"%s\"", req.service_tier),
			                errdetail("service_tier must be %s.", dexcost::kServiceTiers.listing),
			                errhint("Leave it out for standard prices.")));
	}
	if (PG_ARGISNULL(3))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("at must not be NULL"),
		                errhint("Give the instant whose prices apply, e.g. the event's occurred_at.")));
	req.at = PG_GETARG_TIMESTAMPTZ(3);
	static const char *const kTokenArgs[dexcost::kBucketCount] = {
	    "input_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "output_tokens",
	    "reasoning_tokens"};
	for (int b = 0; b < dexcost::kBucketCount; ++b)
		read_token_arg(fcinfo, 4 + b, kTokenArgs[b], &req, b);
	ensure_price_catalog();

	// Phase 2: price.
	PlainPriceResult res;
	price_noexcept(req, &res);

	// Phase 3: result.
	if (res.failed)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
		                errmsg("could not price the tokens: %s", clip_to_characters(res.reason))));
	Datum values[4];
	bool nulls[4] = {!res.priced, false, !res.priced, res.priced};
	values[0] = res.priced ? numeric_from_cstring(res.cost) : (Datum)0;
	values[1] = CStringGetTextDatum(res.priced ? "computed" : "unknown");
	values[2] = res.priced ? CStringGetTextDatum(res.version) : (Datum)0;
	values[3] = res.priced ? (Datum)0 : CStringGetTextDatum(clip_to_characters(res.reason));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

// Statement trigger on model_price and model_alias: every backend reloads at commit.
Datum dexcost_price_catalog_changed(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("price_catalog_changed() must be called as a trigger")));
	auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(nullptr);
}
