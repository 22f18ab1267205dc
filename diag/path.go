package diag

import "strconv"

// Member returns the JSON path of member name of the object at path, as
// every input error names a field: path.name, or path["odd name"] when name
// is not a plain identifier. The cart decoder writes paths with it, and the
// test-case loader maps them back to YAML positions with it, so the two
// always agree.
func Member(path, name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(name) + "]"
	case path == "":
		return name
	}
	return path + "." + name
}

// Index returns the JSON path of element i of the array at path.
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }
