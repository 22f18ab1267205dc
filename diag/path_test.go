package diag

import "testing"

func TestMember(t *testing.T) {
	for _, tt := range []struct{ path, name, want string }{
		{"", "items", "items"},
		{"items[0]", "qty", "items[0].qty"},
		{"items[0].attributes", "pack size", `items[0].attributes["pack size"]`},
		{"x", "2nd", `x["2nd"]`},
		{"x", "", `x[""]`},
	} {
		if got := Member(tt.path, tt.name); got != tt.want {
			t.Errorf("Member(%q, %q) = %s, want %s", tt.path, tt.name, got, tt.want)
		}
	}
	if got := Index("items", 2); got != "items[2]" {
		t.Errorf("Index = %s", got)
	}
}
