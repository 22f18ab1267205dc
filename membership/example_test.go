package membership_test

import (
	"fmt"

	"github.com/ruled/ruled/membership"
)

func ExampleDecode() {
	// The cookie as a Luma storefront sends it: a percent-encoded JSON array.
	ids, err := membership.Decode("%5B%220d8f2a1c-5b7e%22%2C%22vip-shoppers%22%5D")
	fmt.Println(ids, err)

	// The same membership as a comma-separated header, with a duplicate.
	ids, err = membership.Decode("0d8f2a1c-5b7e, vip-shoppers,0d8f2a1c-5b7e")
	fmt.Println(ids, err)

	_, err = membership.Decode("vip%2")
	fmt.Println(err)
	// Output:
	// [0d8f2a1c-5b7e vip-shoppers] <nil>
	// [0d8f2a1c-5b7e vip-shoppers] <nil>
	// aep-segments-membership: malformed percent-encoding at byte 3 ("%2"): want '%' followed by two hex digits
}
