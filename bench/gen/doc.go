// Package gen generates realistic rule projects and carts for benchmarks,
// deterministically: the same Options give the same rules, byte for byte,
// on every machine.
//
// A generated project looks like a large merchant's: a catalog of 2,000
// products over 100 categories (10 departments and 90 leaves) and 100
// brands, an audience registry (1,000 audiences by default), and N cart
// rules of which, by default,
//
//   - 70% are gated by an audience: 80% of those name one audience, 10%
//     either of two (audience("A") or audience("B")), 10% exclude one
//     (not audience("A")) and add a product clause;
//   - 15% need a coupon: 30% of those use one of 20 codes shared by many
//     rules (SAVE10, FREESHIP, ...), the rest a code of their own;
//   - 25% are for some customer groups only;
//   - 40% are always on; 25% ran in the past, 15% start in the future, and
//     20% are running at the evaluation instant Now (some with one open end);
//     2% are disabled;
//   - conditions combine cart thresholds from small sets of values
//     (subtotal 25..500, quantity 2..10) with item predicates over the
//     shared vocabulary ("shoes" in item.categories, brands, SKU lists,
//     prices, colours), so identical conditions and item predicates repeat
//     across hundreds of rules, as they do in real projects (categories
//     and brands are picked with a skew: "shoes" is in hundreds of rules,
//     the long tail in a few); rules not
//     gated by an audience name products (SKUs, a brand in a category), so
//     that only a few dozen rules apply to any one cart;
//   - all four actions, with step, max_qty, stop_further_rules,
//     apply_to_shipping and free shipping.
//
// Project.Set is the rule set as the loader would read it; Project.Write
// writes it as rule files (YAML and .rules, 100 rules a file, plus
// audiences.yaml and ruled.yaml). Project.Rules holds each rule's
// condition as structured clauses, so that other engines can be given the
// same conditions. Cart generates a 20-line cart whose shopper is in 10
// audiences, evaluated at Now.
//
// gen imports the rule model, money and the engine's cart type; it must
// not import the loader or any peer engine. Everything it returns is fresh; a Project is read-only after
// New and safe for concurrent reads.
package gen
