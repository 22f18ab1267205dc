// Package loader reads a rules directory into a rules.Set: the files
// merchandisers write (ruled.yaml, audiences.yaml, rule files holding
// cart_rules, placements and blocks, and the content files blocks name),
// with the file position of every rule, field and condition byte, and every
// problem found reported as a diag.Diagnostic. It also reads test-case files
// (*.test.yaml, see LoadTests) and watches a directory for changes (Watch,
// Hash), so that a server can reload; a Cache reloads incrementally,
// parsing only the files that changed since its last load.
//
// loader owns the file format: the directory layout (which files are read,
// which are skipped), the YAML keys and their types, and the mapping of
// condition text back to file positions (rules.Expr.Offsets). It sits above
// rules, diag and money and below the binary. It is the only importer of
// YAML (go.yaml.in/yaml/v3) and of fsnotify, whose types do not appear in
// its API. It must not import the engine. It imports dsl only to read .rules
// files (rulesfile.go), which are dsl's to parse; .rules files are read
// anywhere in the directory, next to the YAML. Conditions stay text with
// positions, and the engine compiles them. It also rewrites YAML rule files
// for ruled fmt (yamlfmt.go: only the bytes of condition scalars change),
// writes the rule model as YAML for ruled convert (yamlwrite.go), and
// describes its files as a JSON Schema for editors (Schema, generated from
// the same key tables it checks files against).
//
// Every problem is a diagnostic with a stable code. The loader's own are:
// read-error, file-too-large, invalid-encoding, invalid-character and
// yaml-syntax (the file could not be read as YAML); excessive-aliasing (its
// aliases expand too far); unknown-key, duplicate-key, wrong-type,
// invalid-number, invalid-date, invalid-merge and unknown-timezone (a key or
// value of the format); missing-content-file, unreadable-content-file and
// content-file-outside (a block's content_file, also when a symbolic link
// leads it out of the rules directory); and the warnings
// misplaced-config and symlinked-dir. Test-case files add missing-field,
// invalid-value, duplicate-case, conflicting-fields, no-cases and
// golden-conflict. rules.Validate adds its own.
//
// Concurrency: Load and LoadFS keep no state between calls and may run
// concurrently, even on the same directory. Each call reads each file once,
// one after the other, and returns a new Set that belongs to the caller;
// the loader keeps no reference to it. A Cache keeps, per rule file, what
// parsing it gave, shared with the last Set it returned (so that Set must
// be treated as read-only), and on Linux does not read again a rule file
// whose identity says it is unchanged (see Cache); its loads run one at a
// time, and parse the
// changed files on at most Cache.Parallel goroutines (by default half the
// processors), so that a reload leaves room for the requests being served.
// A directory that changes during a call may yield a mix of old and new
// files; callers that reload (a watcher) load again after the change
// settles and swap the whole Set. Watch calls its onChange from a single
// goroutine, never concurrently with itself (WatchOptions.Files, files
// outside the tree that count as part of it, is called from that goroutine
// too); a caller should load once
// after Watch returns, so that a change made before the watch began is not
// missed.
package loader
