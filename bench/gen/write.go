package gen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ruled/ruled/rules"
)

// RulesPerFile is how many cart rules each generated rule file holds.
const RulesPerFile = 100

// File is one file of a generated project, its name relative to the
// project directory.
type File struct {
	Name string
	Data []byte
}

// Files returns the project's files: ruled.yaml, audiences.yaml and the
// rule files rules/campaigns-NNN.yaml and .rules, alternating, RulesPerFile
// rules each.
func (p *Project) Files() []File {
	out := []File{
		{"ruled.yaml", []byte("# Generated rule project for benchmarks.\ntimezone: " + Timezone + "\ncurrency: USD\n")},
		{"audiences.yaml", p.audiencesYAML()},
	}
	for k := 0; k*RulesPerFile < len(p.Set.CartRules); k++ {
		rs := p.Set.CartRules[k*RulesPerFile : min((k+1)*RulesPerFile, len(p.Set.CartRules))]
		name := RuleFileName(k)
		out = append(out, File{name, EncodeRules(name, rs)})
	}
	return out
}

// RuleFileName is the name of the k-th rule file: YAML for even k,
// .rules for odd k.
func RuleFileName(k int) string {
	if k%2 == 0 {
		return fmt.Sprintf("rules/campaigns-%03d.yaml", k)
	}
	return fmt.Sprintf("rules/campaigns-%03d.rules", k)
}

// Write writes the project's files under dir, each atomically.
func (p *Project) Write(dir string) error {
	for _, f := range p.Files() {
		if err := WriteFile(filepath.Join(dir, f.Name), f.Data); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes data to name atomically: a temporary file in the same
// directory, synced, then renamed over name. Missing directories are made.
func WriteFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func (p *Project) audiencesYAML() []byte {
	var b bytes.Buffer
	b.WriteString("# Audiences published from the customer data platform.\naudiences:\n")
	for _, a := range p.Audiences {
		fmt.Fprintf(&b, "  - id: %s\n    name: %s\n", a.ID, strconv.Quote(a.Name))
	}
	return b.Bytes()
}

// EncodeRules writes cart rules as a rule file: the .rules language when
// name ends in .rules, YAML otherwise.
func EncodeRules(name string, rs []rules.CartRule) []byte {
	var b bytes.Buffer
	if strings.HasSuffix(name, ".rules") {
		b.WriteString("# Generated campaigns.\n")
		for i := range rs {
			b.WriteByte('\n')
			writeRulesLang(&b, &rs[i])
		}
		return b.Bytes()
	}
	b.WriteString("# Generated campaigns.\ncart_rules:\n")
	for i := range rs {
		writeYAML(&b, &rs[i])
	}
	return b.Bytes()
}

func writeYAML(b *bytes.Buffer, r *rules.CartRule) {
	fmt.Fprintf(b, "  - id: %s\n    name: %s\n    label: %s\n", r.ID, strconv.Quote(r.Name), strconv.Quote(r.Label))
	if !r.Enabled {
		b.WriteString("    enabled: false\n")
	}
	if len(r.CustomerGroups) > 0 {
		fmt.Fprintf(b, "    customer_groups: [%s]\n", strings.Join(r.CustomerGroups, ", "))
	}
	if !r.From.IsZero() {
		fmt.Fprintf(b, "    from: %s\n", r.From)
	}
	if !r.To.IsZero() {
		fmt.Fprintf(b, "    to: %s\n", r.To)
	}
	fmt.Fprintf(b, "    priority: %d\n", r.Priority)
	if r.StopFurtherRules {
		b.WriteString("    stop_further_rules: true\n")
	}
	switch len(r.Coupons) {
	case 0:
	case 1:
		fmt.Fprintf(b, "    coupon: %s\n", r.Coupons[0])
	default:
		fmt.Fprintf(b, "    coupon: [%s]\n", strings.Join(r.Coupons, ", "))
	}
	if !r.When.IsZero() {
		fmt.Fprintf(b, "    when: %s\n", yamlQuote(r.When.Text))
	}
	a := &r.Action
	fmt.Fprintf(b, "    action:\n      type: %s\n      amount: %s\n", a.Type, a.Amount)
	if !a.MaxQty.IsZero() {
		fmt.Fprintf(b, "      max_qty: %s\n", a.MaxQty)
	}
	if !a.Step.IsZero() {
		fmt.Fprintf(b, "      step: %s\n", a.Step)
	}
	if a.ApplyToShipping {
		b.WriteString("      apply_to_shipping: true\n")
	}
	if a.FreeShipping != rules.NoFreeShipping && a.FreeShipping != "" {
		fmt.Fprintf(b, "      free_shipping: %s\n", a.FreeShipping)
	}
	if !a.Items.IsZero() {
		fmt.Fprintf(b, "      items: %s\n", yamlQuote(a.Items.Text))
	}
}

func writeRulesLang(b *bytes.Buffer, r *rules.CartRule) {
	fmt.Fprintf(b, "rule %s %s {\n  label %s\n", r.ID, strconv.Quote(r.Name), strconv.Quote(r.Label))
	if !r.Enabled {
		b.WriteString("  disabled\n")
	}
	if len(r.CustomerGroups) > 0 {
		fmt.Fprintf(b, "  groups %s\n", strings.Join(r.CustomerGroups, ", "))
	}
	switch {
	case !r.From.IsZero() && !r.To.IsZero():
		fmt.Fprintf(b, "  active %s .. %s\n", r.From, r.To)
	case !r.From.IsZero():
		fmt.Fprintf(b, "  active from %s\n", r.From)
	case !r.To.IsZero():
		fmt.Fprintf(b, "  active until %s\n", r.To)
	}
	fmt.Fprintf(b, "  priority %d\n", r.Priority)
	switch len(r.Coupons) {
	case 0:
	case 1:
		fmt.Fprintf(b, "  coupon %s\n", r.Coupons[0])
	default:
		fmt.Fprintf(b, "  coupons %s\n", strings.Join(r.Coupons, ", "))
	}
	if !r.When.IsZero() {
		fmt.Fprintf(b, "  when %s\n", r.When.Text)
	}
	a := &r.Action
	var discount string
	switch a.Type {
	case rules.ByPercent:
		if !a.Amount.IsZero() || a.FreeShipping == "" {
			discount = fmt.Sprintf("discount %s%%", a.Amount)
		}
	case rules.ByFixed:
		discount = fmt.Sprintf("discount %s per unit", a.Amount)
	case rules.CartFixed:
		discount = fmt.Sprintf("discount %s per cart", a.Amount)
	case rules.BuyXGetY:
		discount = fmt.Sprintf("buy %s get %s free", a.Step, a.Amount)
	}
	items := ""
	if !a.Items.IsZero() {
		items = "on items where " + a.Items.Text
	}
	switch {
	case discount != "" && items != "":
		fmt.Fprintf(b, "  %s %s\n", discount, items)
	case discount != "":
		fmt.Fprintf(b, "  %s\n", discount)
	case items != "":
		fmt.Fprintf(b, "  %s\n", items)
	}
	if !a.MaxQty.IsZero() {
		fmt.Fprintf(b, "  max qty %s\n", a.MaxQty)
	}
	if !a.Step.IsZero() && a.Type != rules.BuyXGetY {
		fmt.Fprintf(b, "  step %s\n", a.Step)
	}
	if a.ApplyToShipping {
		b.WriteString("  apply to shipping\n")
	}
	switch a.FreeShipping {
	case rules.FreeShippingMatching:
		b.WriteString("  free shipping for matching items\n")
	case rules.FreeShippingShipment:
		b.WriteString("  free shipping for the shipment\n")
	}
	if r.StopFurtherRules {
		b.WriteString("  stop further rules\n")
	}
	b.WriteString("}\n")
}

// yamlQuote writes s as a YAML scalar: single-quoted, as people write
// conditions, unless it holds a quote or a line break.
func yamlQuote(s string) string {
	if strings.ContainsAny(s, "'\n") {
		return strconv.Quote(s)
	}
	return "'" + s + "'"
}
