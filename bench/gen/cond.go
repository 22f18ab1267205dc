package gen

import (
	"fmt"
	"strconv"
	"strings"
)

// ClauseKind is the shape of one clause of a rule's condition.
type ClauseKind int

// The clauses generated conditions are made of.
const (
	// InAudience: the shopper is in any of Audiences (one, or two written
	// audience("A") or audience("B")).
	InAudience ClauseKind = iota
	// NotInAudience: the shopper is not in Audiences[0].
	NotInAudience
	// CartAtLeast: cart.<Field> >= Min (Field is subtotal or total_qty).
	CartAtLeast
	// AnyItem: some line matches Item.
	AnyItem
	// SumAtLeast: the lines matching Item sum item.<Field> to at least Min
	// (Field is row_total or qty).
	SumAtLeast
	// CountAtLeast: at least Min lines match Item.
	CountAtLeast
	// ShipsTo: shipping.country is one of Values.
	ShipsTo
)

// Clause is one conjunct of a condition.
type Clause struct {
	Kind      ClauseKind
	Audiences []Audience // InAudience, NotInAudience
	Field     string     // CartAtLeast, SumAtLeast
	Min       int64      // whole units (currency units or quantity)
	Item      []ItemPred // AnyItem, SumAtLeast, CountAtLeast: a conjunction
	Values    []string   // ShipsTo
}

// ItemKind is the shape of a predicate over one cart line.
type ItemKind int

// The item predicates.
const (
	InCategory   ItemKind = iota // "Value" in item.categories
	SKUIn                        // item.sku in Values
	BrandIs                      // item.attributes.brand == Value
	ColorIs                      // item.attributes.color == Value
	PriceAtLeast                 // item.price >= Min
	QtyAtLeast                   // item.qty >= Min
)

// ItemPred is one predicate over a cart line.
type ItemPred struct {
	Kind   ItemKind
	Value  string
	Values []string
	Min    int64
}

// Audience is a registry entry as rules name it.
type Audience struct {
	ID, Name string
}

// Condition writes clauses, a conjunction, in the condition language; ""
// for none.
func Condition(cs []Clause) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, " and ")
}

// String writes the clause in the condition language.
func (c Clause) String() string {
	switch c.Kind {
	case InAudience:
		if len(c.Audiences) == 1 {
			return "audience(" + strconv.Quote(c.Audiences[0].Name) + ")"
		}
		alts := make([]string, len(c.Audiences))
		for i, a := range c.Audiences {
			alts[i] = "audience(" + strconv.Quote(a.Name) + ")"
		}
		return "(" + strings.Join(alts, " or ") + ")"
	case NotInAudience:
		return "not audience(" + strconv.Quote(c.Audiences[0].Name) + ")"
	case CartAtLeast:
		return fmt.Sprintf("cart.%s >= %d", c.Field, c.Min)
	case AnyItem:
		return "any(items, " + ItemCondition(c.Item) + ")"
	case SumAtLeast:
		return fmt.Sprintf("sum(filter(items, %s), item.%s) >= %d", ItemCondition(c.Item), c.Field, c.Min)
	case CountAtLeast:
		return fmt.Sprintf("count(items, %s) >= %d", ItemCondition(c.Item), c.Min)
	case ShipsTo:
		return "shipping.country in " + quoteList(c.Values)
	}
	panic(fmt.Sprintf("gen: unknown clause kind %d", c.Kind))
}

// ItemCondition writes item predicates, a conjunction, in the condition
// language; "" for none.
func ItemCondition(ps []ItemPred) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, " and ")
}

// String writes the predicate in the condition language.
func (p ItemPred) String() string {
	switch p.Kind {
	case InCategory:
		return strconv.Quote(p.Value) + " in item.categories"
	case SKUIn:
		return "item.sku in " + quoteList(p.Values)
	case BrandIs:
		return "item.attributes.brand == " + strconv.Quote(p.Value)
	case ColorIs:
		return "item.attributes.color == " + strconv.Quote(p.Value)
	case PriceAtLeast:
		return fmt.Sprintf("item.price >= %d", p.Min)
	case QtyAtLeast:
		return fmt.Sprintf("item.qty >= %d", p.Min)
	}
	panic(fmt.Sprintf("gen: unknown item predicate kind %d", p.Kind))
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
