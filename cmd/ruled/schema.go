package main

import (
	"encoding/json"
	"fmt"

	"github.com/ruled/ruled/loader"
)

type schemaCmd struct {
	File string `help:"Which files the schema is for: all (any of them), rules, audiences, config (ruled.yaml) or test (*.test.yaml)." enum:"all,rules,audiences,config,test" default:"all"`
}

// run prints a JSON Schema (draft 2020-12) of the YAML files of a rules
// directory, for editors: with the schema, the YAML language server
// validates and completes rule files as they are typed. The schema is the
// loader's (loader.Schema), generated from the keys it accepts; the loader
// stays the authority (it also checks what a schema cannot, such as
// conditions and references).
func (c *schemaCmd) run(e *env) int {
	s, err := loader.Schema(c.File)
	if err != nil {
		fmt.Fprintln(e.stderr, "ruled schema:", err)
		return exitCantRun
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		fmt.Fprintln(e.stderr, "ruled schema:", err)
		return exitCantRun
	}
	return exitOK
}
