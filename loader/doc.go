// Package loader reads a rules directory into a rules.Set: the files
// merchandisers write (ruled.yaml, audiences.yaml, rule files holding
// cart_rules), with the file position of every rule, field and condition
// byte, and every problem found reported as a diag.Diagnostic.
//
// loader owns the file format: the directory layout (which files are read,
// which are skipped), the YAML keys and their types, and the mapping of
// condition text back to file positions (rules.Expr.Offsets). It sits above
// rules, diag and money and below the binary. It is the only importer of
// YAML (go.yaml.in/yaml/v3), whose types do not appear in its API. It must
// not import the engine or the condition language: it hands conditions on as
// text with positions, and the engine compiles them.
//
// Every problem is a diagnostic with a stable code. The loader's own are:
// read-error, file-too-large, invalid-encoding, invalid-character and
// yaml-syntax (the file could not be read as YAML); excessive-aliasing (its
// aliases expand too far); unknown-key, duplicate-key, wrong-type,
// invalid-number, invalid-date, invalid-merge and unknown-timezone (a key or
// value of the format); and the warnings misplaced-config and symlinked-dir.
// rules.Validate adds its own.
//
// Concurrency: Load and LoadFS keep no state between calls and may run
// concurrently, even on the same directory. Each call reads its files one
// after the other and returns a new Set that belongs to the caller; the
// loader keeps no reference to it. A directory that changes during a call
// may yield a mix of old and new files; callers that reload (a watcher)
// load again after the change settles and swap the whole Set.
package loader
