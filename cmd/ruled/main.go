package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	_ "time/tzdata" // rule dates need time zones even where the OS has none
)

// Exit codes.
const (
	exitOK      = 0
	exitWrong   = 1 // the rules, tests or input are wrong
	exitCantRun = 2 // ruled could not run
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli is the command line.
type cli struct {
	Version kong.VersionFlag `help:"Print ruled's version and exit."`

	Check withRules[checkCmd, *checkCmd] `cmd:"" help:"Load and compile every rule file; print every problem as file:line:col: message."`
	Eval  withRules[evalCmd, *evalCmd]   `cmd:"" help:"Evaluate a cart (JSON file, or - for stdin) and print what it gets."`
	Serve withRules[serveCmd, *serveCmd] `cmd:"" help:"Serve decisions over HTTP (REST and GraphQL), reloading the rules when their files change."`
	Test  withRules[testCmd, *testCmd]   `cmd:"" help:"Run the test cases (*.test.yaml): compare each cart's result with its golden file and its expect block."`
	Diff  withRules[diffCmd, *diffCmd]   `cmd:"" help:"Show what a rule change does to a corpus of real carts: per rule, totals, the largest increases, dynamic blocks. Exit 1 when any cart changes."`

	Coupons couponsCmd                     `cmd:"" help:"Generated coupon codes in the usage store: generate, list, export, import."`
	Usage   withRules[usageCmd, *usageCmd] `cmd:"" help:"A rule's usage: redemptions, discount given, budget left."`
	Store   storeCmd                       `cmd:"" help:"The usage store: apply its migrations."`

	Corpus corpusCmd `cmd:"" help:"Recorded carts for ruled diff: import other shapes, summarise."`

	// The audience registry and its import from Experience Platform.
	Audiences audiencesCmd `cmd:"" help:"Import audiences from Experience Platform, test the connection, list the registry."`

	// Authoring tools: the .rules language and editor support.
	Fmt     withRules[fmtCmd, *fmtCmd] `cmd:"" help:"Lay out .rules files canonically and normalise the conditions of YAML rule files."`
	Convert convertCmd                 `cmd:"" help:"Convert a rule file between YAML and the .rules language (by its extension)."`
	Schema  schemaCmd                  `cmd:"" help:"Print a JSON Schema of the YAML rule, audience, config and test files, for editors."`
}

// withRules is a command that reads a rules directory: it alone takes the
// --rules flag, so that commands that read no rules directory do not list
// one they would ignore.
type withRules[C any, P interface {
	*C
	command
}] struct {
	Rules string `help:"Rules directory." default:"." env:"RULED_RULES" placeholder:"DIR"`
	Cmd   C      `embed:""`
}

func (w *withRules[C, P]) run(e *env) int {
	e.rules = w.Rules
	return P(&w.Cmd).run(e)
}

// version says which ruled this is: the module version and, when built
// from a checkout, the commit.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "ruled (unknown version)"
	}
	v := "ruled " + bi.Main.Version
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(" (commit %.12s, %s%s)", rev, at, dirty)
	}
	return v + " " + bi.GoVersion
}

// env is what every command gets to work with.
type env struct {
	ctx    context.Context
	rules  string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// exitCode carries kong's exit request (after --help, or on a usage error)
// out of the parser.
type exitCode int

// run parses args and runs one command, returning its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("ruled"),
		kong.Description("ruled evaluates Magento-style cart price rules and audience targeting, written as files."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitCode(code)) }),
		kong.UsageOnError(),
		kong.Vars{"version": version(), "secret_env": SecretEnv},
	)
	if err != nil {
		fmt.Fprintln(stderr, "ruled:", err)
		return exitCantRun
	}
	defer func() {
		if r := recover(); r != nil {
			ec, ok := r.(exitCode)
			if !ok {
				panic(r)
			}
			code = int(ec)
			if code != exitOK {
				code = exitCantRun
			}
		}
	}()
	kctx, err := parser.Parse(hoistRules(parser.Model.Node, args))
	if err != nil {
		var perr *kong.ParseError
		if errors.As(err, &perr) {
			fmt.Fprintln(stderr, "ruled:", err)
			fmt.Fprintln(stderr, "run 'ruled --help' for usage")
			return exitCantRun
		}
		fmt.Fprintln(stderr, "ruled:", err)
		return exitCantRun
	}
	e := &env{ctx: ctx, rules: ".", stdin: stdin, stdout: stdout, stderr: stderr}
	cmd, ok := kctx.Selected().Target.Addr().Interface().(command)
	if !ok {
		fmt.Fprintf(stderr, "ruled: %q is not a command\n", kctx.Command())
		return exitCantRun
	}
	return cmd.run(e)
}

// hoistRules moves a --rules flag written before the command
// ("ruled --rules DIR check", as ruled once took it, and as scripts still
// write it) to just after the command's words, where the command that
// reads a rules directory defines it; a later --rules still wins. Only
// the flags before the first word move; a command that takes no --rules
// still refuses it by name.
func hoistRules(app *kong.Node, args []string) []string {
	var moved []string
	args = slices.Clone(args) // the caller's slice stays as it was
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		switch a := args[i]; {
		case a == "--rules" && i+1 < len(args):
			moved = append(moved, a, args[i+1])
			args = slices.Delete(args, i, i+2)
		case strings.HasPrefix(a, "--rules="):
			moved = append(moved, a)
			args = slices.Delete(args, i, i+1)
		default:
			i++
		}
	}
	if len(moved) == 0 {
		return args
	}
	// Skip the command's words: each names a child of the node before.
	node := app
	for i < len(args) {
		child := commandNamed(node, args[i])
		if child == nil {
			break
		}
		node = child
		i++
	}
	return slices.Concat(args[:i], moved, args[i:])
}

// commandNamed returns node's subcommand called name (or by an alias).
func commandNamed(node *kong.Node, name string) *kong.Node {
	for _, c := range node.Children {
		if c.Type == kong.CommandNode && (c.Name == name || slices.Contains(c.Aliases, name)) {
			return c
		}
	}
	return nil
}

// command is what every subcommand implements: a function of its parsed
// flags and the environment, returning the exit code.
type command interface {
	run(e *env) int
}
