package diag

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Suggest returns the candidate closest to name when it is close enough to be
// a likely typo, or "" when none is. Closeness is the edit distance, compared
// case-insensitively, allowing about one edit per three characters.
func Suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	n := utf8.RuneCountInString(name)
	limit := max(1, n/3)
	lname := strings.ToLower(name)
	for _, c := range candidates {
		// Lengths that differ by more than the limit cannot be close; this
		// also keeps a hostile, very long name from costing len² work.
		if diff := n - utf8.RuneCountInString(c); diff > limit || -diff > limit {
			continue
		}
		d := distance(lname, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// Quote quotes s for a message, cut to 60 characters so that a hostile or
// mistaken value cannot make a diagnostic arbitrarily long.
func Quote(s string) string {
	if short := Shorten(s); short != s {
		return fmt.Sprintf("%q...", strings.TrimSuffix(short, "..."))
	}
	return fmt.Sprintf("%q", s)
}

// Shorten cuts s to 60 runes followed by "..." for a message: a value in a
// rule file can be as long as the file.
func Shorten(s string) string {
	const maxRunes = 60
	i := 0
	for range maxRunes {
		if i == len(s) {
			return s
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	if i == len(s) {
		return s
	}
	return s[:i] + "..."
}

// Plural writes n and the noun, with an s unless n is 1: "1 error",
// "2 errors", "0 cases". Nouns with other plurals need not apply.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// DidYouMean returns `; did you mean "x"?` for the closest candidate, or "".
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// distance is the Levenshtein distance between a and b, counted in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
