// Unit tests for exact fixed-point decimal parsing, formatting and addition.
#include "core/decimal.hpp"

#include <gtest/gtest.h>

using dexcost::Decimal;
using dexcost::DecimalError;

namespace {

Decimal parse_ok(const char *text) {
	Decimal d;
	EXPECT_EQ(Decimal::parse(text, &d), DecimalError::kNone) << text;
	return d;
}

} // namespace

TEST(Decimal, RoundTripsPlainText) {
	EXPECT_EQ(parse_ok("0").to_string(), "0");
	EXPECT_EQ(parse_ok("12.5").to_string(), "12.5");
	EXPECT_EQ(parse_ok("-0.000000000000000001").to_string(), "-0.000000000000000001");
	EXPECT_EQ(parse_ok("0012.3400").to_string(), "12.34");
	EXPECT_EQ(parse_ok("-0").to_string(), "0");
	EXPECT_EQ(parse_ok(".5").to_string(), "0.5");
	EXPECT_EQ(parse_ok("7.").to_string(), "7");
}

TEST(Decimal, RefusesWhatIsNotAPlainDecimal) {
	Decimal d;
	EXPECT_EQ(Decimal::parse("", &d), DecimalError::kEmpty);
	EXPECT_EQ(Decimal::parse("-", &d), DecimalError::kSyntax);
	EXPECT_EQ(Decimal::parse(".", &d), DecimalError::kSyntax);
	EXPECT_EQ(Decimal::parse("1e5", &d), DecimalError::kSyntax);
	EXPECT_EQ(Decimal::parse("NaN", &d), DecimalError::kSyntax);
	EXPECT_EQ(Decimal::parse("1.2.3", &d), DecimalError::kSyntax);
	EXPECT_EQ(Decimal::parse("0.0000000000000000001", &d), DecimalError::kTooManyDecimals);
	EXPECT_EQ(Decimal::parse("1000000000000000000000000", &d), DecimalError::kOverflow);
}

TEST(Decimal, TrailingZerosBeyondTheScaleAreExact) {
	// Provider exports carry 30 decimals of which the tail is zeros.
	EXPECT_EQ(parse_ok("0.003835980000000000000000000000").to_string(), "0.00383598");
}

TEST(Decimal, TenThousandTinyCostsSumExactly) {
	Decimal each = parse_ok("0.0000000123");
	Decimal total;
	for (int i = 0; i < 10000; ++i)
		ASSERT_TRUE(total.checked_add(each, &total));
	EXPECT_EQ(total.to_string(), "0.000123");
}

TEST(Decimal, AdditionDetectsOverflow) {
	Decimal big = Decimal::from_units(static_cast<dexcost::int128>(~static_cast<unsigned __int128>(0) >> 1));
	Decimal out;
	EXPECT_FALSE(big.checked_add(parse_ok("0.000000000000000001"), &out));
}

TEST(Decimal, ParseScaledKeepsRequestedPlaces) {
	dexcost::int128 units = 0;
	ASSERT_EQ(dexcost::parse_scaled("2.5", 12, &units), DecimalError::kNone);
	EXPECT_EQ(dexcost::format_scaled(units, 12), "2.5");
	EXPECT_EQ(units, static_cast<dexcost::int128>(2500000000000LL));
	EXPECT_EQ(dexcost::parse_scaled("0.0000000000001", 12, &units), DecimalError::kTooManyDecimals);
}
