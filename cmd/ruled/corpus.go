package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/ruled/ruled/corpus"
)

type corpusCmd struct {
	Import corpusImportCmd `cmd:"" help:"Convert carts, arrays of carts or Magento order exports into a corpus file, ids hashed."`
	Stats  corpusStatsCmd  `cmd:"" help:"Summarise a corpus: carts, dates, customers, coupons, currencies, websites, groups."`
}

type corpusImportCmd struct {
	Output  string            `short:"o" required:"" help:"The corpus file to write (NDJSON; gzip when it ends in .gz), replaced atomically." placeholder:"FILE"`
	Catalog string            `help:"JSON object of SKU to {categories, attributes}, for order lines that lack them." placeholder:"FILE"`
	Group   map[string]string `help:"Magento customer group id to group code (repeatable: --group 4=vip); 0-3 are Magento's own." placeholder:"ID=CODE"`
	Files   []string          `arg:"" help:"JSON files: carts, arrays of carts, orders, order search results (- for stdin)." placeholder:"FILE"`
}

func (c *corpusImportCmd) run(e *env) int {
	opt := corpus.ImportOptions{Anonymizer: corpus.NewAnonymizer(nil), Groups: map[string]string{}}
	for k, v := range corpus.DefaultGroups {
		opt.Groups[k] = v
	}
	for k, v := range c.Group {
		opt.Groups[k] = v
	}
	if c.Catalog != "" {
		data, err := os.ReadFile(c.Catalog)
		if err == nil {
			err = json.Unmarshal(data, &opt.Catalog)
		}
		if err != nil {
			fmt.Fprintln(e.stderr, "ruled corpus import: --catalog:", err)
			return exitWrong
		}
	}
	total := 0
	code := exitOK
	err := corpus.WriteFile(c.Output, func(w *bufio.Writer) error {
		for _, name := range c.Files {
			in, display := e.stdin, "stdin"
			if name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				defer f.Close()
				in, display = f, name
			}
			n, err := corpus.Import(in, opt, func(line []byte) error {
				w.Write(line)
				return w.WriteByte('\n')
			})
			total += n
			if err != nil {
				code = exitWrong
				return fmt.Errorf("%s: %w", display, err)
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled corpus import:", err)
		if code == exitOK {
			code = exitCantRun
		}
		return code
	}
	fmt.Fprintf(e.stderr, "%d carts written to %s\n", total, c.Output)
	return exitOK
}

type corpusStatsCmd struct {
	Format string `help:"Output: text or json." enum:"text,json" default:"text"`
	Path   string `arg:"" help:"A corpus file or directory." placeholder:"PATH"`
}

func (c *corpusStatsCmd) run(e *env) int {
	s, err := corpus.Summarize(c.Path)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled corpus stats:", strings.TrimPrefix(err.Error(), "corpus: "))
		return exitCantRun
	}
	if c.Format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(s)
	} else {
		err = s.WriteText(e.stdout)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled corpus stats:", err)
		return exitCantRun
	}
	return exitOK
}
