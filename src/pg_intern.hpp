// Interning of text values into dense ids, for bindings that read many rows through SPI and
// hand plain integer keys to the C++ core (detect_retries, the anomaly detectors).
// Include after pg_bridge.hpp. Everything lives in the memory context current at
// interner_init(): the caller deletes that context when done.
#pragma once

namespace dexcost_pg {

struct Interner {
	HTAB *table;
	int count;
	char **names; // by id, 0 .. count - 1
	int capacity;
};
struct InternEntry {
	const char *key; // the interner's own copy
	int id;
};
DEXCOST_PLAIN(Interner);
DEXCOST_PLAIN(InternEntry);

inline uint32 intern_hash(const void *key, Size) {
	const char *s = *static_cast<const char *const *>(key);
	return string_hash(s, strlen(s) + 1);
}
inline int intern_match(const void *a, const void *b, Size) {
	return strcmp(*static_cast<const char *const *>(a), *static_cast<const char *const *>(b));
}

inline void interner_init(Interner *in, const char *name) {
	HASHCTL ctl;
	ctl.keysize = sizeof(const char *);
	ctl.entrysize = sizeof(InternEntry);
	ctl.hash = intern_hash;
	ctl.match = intern_match;
	ctl.hcxt = CurrentMemoryContext;
	in->table = hash_create(name, 1024, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	in->count = 0;
	in->capacity = 1024;
	in->names = static_cast<char **>(palloc(sizeof(char *) * in->capacity));
}

// The id of a (non-NULL) text datum; call with the interner's memory context current.
inline int intern(Interner *in, Datum value) {
	char *s = TextDatumGetCString(value);
	bool found;
	auto *e = static_cast<InternEntry *>(hash_search(in->table, &s, HASH_ENTER, &found));
	if (found) {
		pfree(s);
		return e->id;
	}
	if (in->count == in->capacity) {
		in->capacity *= 2;
		in->names = static_cast<char **>(repalloc_huge(in->names, sizeof(char *) * in->capacity));
	}
	e->key = s;
	e->id = in->count++;
	in->names[e->id] = s;
	return e->id;
}

} // namespace dexcost_pg
