// Command ruled is the ruled binary: it checks rule projects, evaluates
// carts against them, tests them against golden results, and serves them.
//
//	ruled check [--rules DIR]                    load and compile; print every problem
//	ruled eval  [--rules DIR] [--segments V] [--explain] [--placement ID] CART.json|-
//	ruled test  [--rules DIR] [--run RE] [--update] [PATH...]   golden-file test cases
//	ruled serve [--rules DIR] [--addr HOST:PORT]  REST and GraphQL, hot reload
//	ruled fmt [-w] [-d] [-l] [PATH...]            canonical .rules files and YAML conditions
//	ruled convert [-o FILE] FILE                  YAML <-> .rules
//	ruled schema [--file KIND]                    JSON Schema of the YAML files
//	ruled diff --base DIR|REV --corpus PATH [--at T] [--format text|json|md]
//	                                              what a change does to recorded carts
//	ruled corpus import -o FILE FILE...           carts and order exports to a corpus
//	ruled corpus stats PATH                       summarise a corpus
//
// Commands are functions returning exit codes: 0 ok, 1 the rules or the
// input are wrong, 2 ruled could not run. Results go to stdout; diagnostics
// and logs to stderr. Only main calls os.Exit. ruled diff exits 1 when a
// cart changes and 2 on any error, so that 1 always means "read the report".
package main
