// Unit tests for the SDK wire format's scalar validators.
#include "core/wire.hpp"

#include <gtest/gtest.h>

using namespace dexcost;

TEST(Wire, Uuids) {
	EXPECT_TRUE(is_uuid("22222222-0001-0000-0000-000000000001"));
	EXPECT_TRUE(is_uuid("A1B2C3D4-0000-4000-8000-00000000abcd"));
	EXPECT_FALSE(is_uuid("22222222000100000000000000000001")); // PostgreSQL would take it; the contract does not
	EXPECT_FALSE(is_uuid("22222222-0001-0000-0000-00000000000g"));
	EXPECT_FALSE(is_uuid("{22222222-0001-0000-0000-000000000001}"));
	EXPECT_FALSE(is_uuid(""));
}

TEST(Wire, DecimalStringsFollowTheContractPattern) {
	for (const char *ok : {"0", "0.00", "0.0265", "12", "-3", "-0.5", "100.000000000000000001"})
		EXPECT_TRUE(is_wire_decimal(ok)) << ok;
	for (const char *bad : {"", "-", ".5", "5.", "01", "1e5", "NaN", "Infinity", "+1", "1,5", " 1", "0x10", "--1"})
		EXPECT_FALSE(is_wire_decimal(bad)) << bad;
}

TEST(Wire, Rfc3339TimestampsWithRealDates) {
	for (const char *ok : {"2026-05-26T12:34:56.789000Z", "2026-05-26T12:34:56Z", "2026-05-26 12:34:56+02:00",
	                       "2024-02-29T00:00:00-05:30", "2026-12-31T23:59:60Z"})
		EXPECT_TRUE(is_rfc3339(ok)) << ok;
	for (const char *bad : {"2026-05-26", "2026-05-26T12:34:56", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
	                        "2026-04-31T00:00:00Z", "2026-05-26T24:00:00Z", "2026-05-26T12:34:56.Z",
	                        "2026-05-26T12:34:56+2:00", "2026-05-26T12:34:56Zjunk", "0000-01-01T00:00:00Z",
	                        "2026-5-26T12:34:56Z"})
		EXPECT_FALSE(is_rfc3339(bad)) << bad;
}

TEST(Wire, Utf8LengthCountsCodePoints) {
	EXPECT_EQ(utf8_length("abc"), 3);
	EXPECT_EQ(utf8_length("\xc3\xa9t\xc3\xa9"), 3);        // été
	EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80"), 1);          // one emoji
	EXPECT_EQ(utf8_length("\xc3"), -1);                     // truncated
	EXPECT_EQ(utf8_length("\x80"), -1);                     // stray continuation byte
}
