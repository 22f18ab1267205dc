package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
	"github.com/ruled/ruled/store"
)

type couponsCmd struct {
	Generate withRules[couponsGenerateCmd, *couponsGenerateCmd] `cmd:"" help:"Generate unique codes for a rule with coupon: generated, written to the usage store in one transaction."`
	List     withRules[couponsListCmd, *couponsListCmd]         `cmd:"" help:"List a rule's generated codes with their use counts."`
	Export   withRules[couponsExportCmd, *couponsExportCmd]     `cmd:"" help:"Export a rule's generated codes with their use counts (csv by default)."`
	Import   withRules[couponsImportCmd, *couponsImportCmd]     `cmd:"" help:"Import codes made elsewhere (one per line, or the first column of a CSV) into a rule's pool."`
}

type storeCmd struct {
	Migrate withRules[storeMigrateCmd, *storeMigrateCmd] `cmd:"" help:"Apply the usage store's migrations not yet applied (serve applies them on start too)."`
}

type storeMigrateCmd struct {
	storeFlag `embed:""`
}

func (c *storeMigrateCmd) run(e *env) int {
	st, code := openFor(e, c.storeFlag)
	if st == nil {
		return code
	}
	defer st.Close()
	// Opening applied them; a second run says there is nothing left.
	applied, err := st.Migrate(e.ctx)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled:", err)
		return exitCantRun
	}
	fmt.Fprintf(e.stdout, "usage store up to date (%d applied now)\n", len(applied))
	return exitOK
}

// openFor opens the store of a command; nil and the exit code on failure.
func openFor(e *env, f storeFlag) (store.Store, int) {
	if f.Store == "none" {
		fmt.Fprintln(e.stderr, "ruled: this command needs a usage store: --store none names none")
		return nil, exitWrong
	}
	st, err := f.open(e.ctx, e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled:", err)
		return nil, exitCantRun
	}
	return st, exitOK
}

// poolRule finds the rule id in the rules directory and checks that it
// takes generated codes; exit code on failure.
func poolRule(e *env, id string) (*rules.CartRule, int) {
	b, err := load(e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled:", err)
		return nil, exitCantRun
	}
	if b.Program == nil {
		diag.Fprint(e.stderr, b.Diags)
		return nil, exitWrong
	}
	set := b.Program.Set()
	for i := range set.CartRules {
		if r := &set.CartRules[i]; r.ID == id {
			if !r.GeneratedCoupons {
				fmt.Fprintf(e.stderr, "%s: rule %s takes no generated codes: add generated to its coupon (coupon: generated)\n", r.FieldPos("coupon"), id)
				return nil, exitWrong
			}
			return r, exitOK
		}
	}
	fmt.Fprintf(e.stderr, "ruled: no rule %q in %s\n", id, e.rules)
	return nil, exitWrong
}

type couponsGenerateCmd struct {
	Rule      string `help:"The rule the codes are for." required:"" placeholder:"ID"`
	Qty       int    `help:"How many codes." required:"" placeholder:"N"`
	Length    int    `help:"Random characters per code (${default})." default:"12" placeholder:"L"`
	Format    string `help:"Characters: alnum, alpha or num." enum:"alnum,alpha,num" default:"alnum"`
	Prefix    string `help:"Text before the random part." placeholder:"P"`
	Suffix    string `help:"Text after the random part." placeholder:"S"`
	Dash      int    `help:"A dash every N random characters (0: none)." default:"0" placeholder:"N"`
	storeFlag `embed:""`
}

func (c *couponsGenerateCmd) run(e *env) int {
	spec := store.Spec{Qty: c.Qty, Length: c.Length, Format: c.Format, Prefix: c.Prefix, Suffix: c.Suffix, Dash: c.Dash}
	if err := spec.Check(); err != nil {
		fmt.Fprintln(e.stderr, "ruled: coupons generate:", err)
		return exitWrong
	}
	if _, code := poolRule(e, c.Rule); code != exitOK {
		return code
	}
	st, code := openFor(e, c.storeFlag)
	if st == nil {
		return code
	}
	defer st.Close()
	// A batch that meets a code of an earlier run is drawn again whole:
	// with the space at least ten times the batch that is rare, and the
	// store's uniqueness, not chance, keeps codes distinct.
	for try := 0; ; try++ {
		codes, err := store.Generate(spec, spec.Qty, nil)
		if err == nil {
			err = st.AddCodes(e.ctx, c.Rule, codes)
		}
		switch {
		case err == nil:
			for _, cd := range codes {
				fmt.Fprintln(e.stdout, cd.Display)
			}
			return exitOK
		case errors.Is(err, store.ErrCodeTaken) && try < 20:
			continue
		default:
			fmt.Fprintln(e.stderr, "ruled: coupons generate:", err)
			return exitCantRun
		}
	}
}

type couponsListCmd struct {
	Rule      string `help:"The rule whose codes to list." required:"" placeholder:"ID"`
	Format    string `help:"Output format: text, csv or json (export defaults to csv)." enum:"text,csv,json," default:""`
	storeFlag `embed:""`
}

func (c *couponsListCmd) run(e *env) int {
	st, code := openFor(e, c.storeFlag)
	if st == nil {
		return code
	}
	defer st.Close()
	codes, err := st.Codes(e.ctx, c.Rule)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled:", err)
		return exitCantRun
	}
	return writeCodes(e.stdout, c.Format, codes)
}

func writeCodes(w io.Writer, format string, codes []store.CodeUse) int {
	switch format {
	case "json":
		type row struct {
			Code    string    `json:"code"`
			Uses    int       `json:"uses"`
			Created time.Time `json:"created"`
		}
		out := make([]row, 0, len(codes))
		for _, c := range codes {
			out = append(out, row{c.Display, c.Uses, c.Created})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"code", "uses", "created"})
		for _, c := range codes {
			cw.Write([]string{c.Display, fmt.Sprint(c.Uses), c.Created.Format(time.RFC3339)})
		}
		cw.Flush()
	default:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tUSES\tCREATED")
		for _, c := range codes {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", c.Display, c.Uses, c.Created.Format(time.RFC3339))
		}
		tw.Flush()
	}
	return exitOK
}

// couponsExportCmd is list for files: csv unless told otherwise.
type couponsExportCmd struct{ couponsListCmd }

func (c *couponsExportCmd) run(e *env) int {
	if c.Format == "" {
		c.Format = "csv"
	}
	return c.couponsListCmd.run(e)
}

type couponsImportCmd struct {
	Rule      string `help:"The rule the codes are for." required:"" placeholder:"ID"`
	File      string `arg:"" help:"Codes, one per line or the first column of a CSV with a code header (- for stdin)." placeholder:"FILE"`
	storeFlag `embed:""`
}

func (c *couponsImportCmd) run(e *env) int {
	if _, code := poolRule(e, c.Rule); code != exitOK {
		return code
	}
	var in io.Reader = e.stdin
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			fmt.Fprintln(e.stderr, "ruled:", err)
			return exitWrong
		}
		defer f.Close()
		in = f
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	var codes []store.Code
	seen := map[string]int{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "%s: %v\n", c.File, err)
			return exitWrong
		}
		display := strings.TrimSpace(rec[0])
		if display == "" || line == 1 && strings.EqualFold(display, "code") {
			continue
		}
		code := store.Fold(display)
		if first, ok := seen[code]; ok {
			fmt.Fprintf(e.stderr, "%s:%d:1: duplicate code %q: already on line %d (codes match ignoring case)\n", c.File, line, display, first)
			return exitWrong
		}
		seen[code] = line
		codes = append(codes, store.Code{Code: code, Display: display})
	}
	st, code := openFor(e, c.storeFlag)
	if st == nil {
		return code
	}
	defer st.Close()
	if err := st.AddCodes(e.ctx, c.Rule, codes); err != nil {
		fmt.Fprintln(e.stderr, "ruled: coupons import:", err)
		if errors.Is(err, store.ErrCodeTaken) {
			return exitWrong
		}
		return exitCantRun
	}
	fmt.Fprintf(e.stdout, "%d codes imported for rule %s\n", len(codes), c.Rule)
	return exitOK
}

type usageCmd struct {
	Rule      string `help:"The rule to report on." required:"" placeholder:"ID"`
	Format    string `help:"Output format: text or json." enum:"text,json" default:"text"`
	storeFlag `embed:""`
}

func (c *usageCmd) run(e *env) int {
	b, err := load(e.rules)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled:", err)
		return exitCantRun
	}
	if b.Program == nil {
		diag.Fprint(e.stderr, b.Diags)
		return exitWrong
	}
	var rule *rules.CartRule
	set := b.Program.Set()
	for i := range set.CartRules {
		if set.CartRules[i].ID == c.Rule {
			rule = &set.CartRules[i]
		}
	}
	if rule == nil {
		fmt.Fprintf(e.stderr, "ruled: no rule %q in %s\n", c.Rule, e.rules)
		return exitWrong
	}
	st, code := openFor(e, c.storeFlag)
	if st == nil {
		return code
	}
	defer st.Close()
	u, err := st.RuleUsage(e.ctx, c.Rule)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled:", err)
		return exitCantRun
	}
	cur := b.Program.Currency()
	out := map[string]any{"rule": c.Rule, "redemptions": u.Redemptions, "discount": cur.Format(u.Discount), "currency": cur.Code}
	if rule.Budget.Amount.Sign() > 0 {
		out["budget_amount"] = cur.Format(rule.Budget.Amount)
		out["budget_left"] = cur.Format(rule.Budget.Amount.Sub(u.Discount))
	}
	if rule.Budget.Redemptions > 0 {
		out["budget_redemptions"] = rule.Budget.Redemptions
		out["redemptions_left"] = rule.Budget.Redemptions - u.Redemptions
	}
	if c.Format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "rule %s: %d redemptions, %s %s discount given\n", c.Rule, u.Redemptions, cur.Format(u.Discount), cur.Code)
	if v, ok := out["budget_left"]; ok {
		fmt.Fprintf(e.stdout, "budget: %s of %s %s left\n", v, out["budget_amount"], cur.Code)
	}
	if v, ok := out["redemptions_left"]; ok {
		fmt.Fprintf(e.stdout, "redemptions: %d of %d left\n", v, rule.Budget.Redemptions)
	}
	return exitOK
}
