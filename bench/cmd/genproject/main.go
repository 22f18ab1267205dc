// Command genproject writes a generated rule project and the benchmark
// cart's JSON body, for the load and reload scripts:
//
//	genproject -rules 10000 -dir /tmp/p -cart /tmp/cart.json
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ruled/ruled/bench/gen"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("genproject", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("rules", 10000, "cart rules to generate")
	audiences := fs.Int("audiences", 1000, "audiences in the registry")
	seed := fs.Uint64("seed", 1, "generator seed")
	dir := fs.String("dir", "", "directory to write the project to (required)")
	cart := fs.String("cart", "", "file to write the benchmark cart's JSON body to (optional)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "genproject: -dir is required and no arguments are taken")
		return 2
	}
	p := gen.New(gen.Options{Rules: *n, Audiences: *audiences, Seed: *seed})
	if err := p.Write(*dir); err != nil {
		fmt.Fprintln(stderr, "genproject:", err)
		return 1
	}
	if *cart != "" {
		body, err := gen.CartJSON(p.BenchCart())
		if err == nil {
			err = gen.WriteFile(*cart, body)
		}
		if err != nil {
			fmt.Fprintln(stderr, "genproject:", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "wrote %d rules, %d audiences to %s\n", len(p.Set.CartRules), len(p.Audiences), *dir)
	return 0
}
