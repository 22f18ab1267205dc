// Package money owns exact decimal arithmetic and currencies for ruled.
//
// Every amount, quantity and percentage in ruled is a Decimal; nothing that
// touches money is ever a float. Currencies carry their ISO 4217 minor unit
// (USD 2, JPY 0, KWD 3), and Currency.Round rounds half away from zero to it,
// which is the rounding Magento applies to discounts.
//
// money is a leaf package and the only importer of github.com/shopspring/decimal;
// that type does not leak out of this package's API. Decimal values are
// immutable and safe to share between goroutines.
package money
