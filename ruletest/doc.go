// Package ruletest runs the test cases of a rule project (*.test.yaml, read
// by loader.LoadTests) against a compiled program: it evaluates each case,
// compares the result with the case's expect block and with its entry in
// the golden file beside the test file, and reports every broken
// expectation as a diagnostic at its position in the test file, with a
// stable code, as ruled check reports the rules. `ruled test` only wires
// flags to Run, Report.Update and a Reporter.
//
// A Report holds one CaseResult per selected case; a failing case holds a
// Failure per broken expectation, in the order they are written:
//
//	rule-not-applied        a rule of expect.applied_rules did not apply
//	                        (at its id; the notes say why, from the
//	                        evaluation's explanation)
//	unexpected-rule         a rule applied that expect.applied_rules omits
//	rule-order              the expected rules applied in another order
//	rule-applied            a rule of expect.not_applied applied
//	total-mismatch          expect.totals.<field>
//	item-discount-mismatch  expect.items.<sku>.discount
//	free-shipping-mismatch  expect.free_shipping
//	coupon-mismatch         expect.coupon.applied
//	block-mismatch          expect.blocks.<placement> (notes: why a block
//	                        did not show, when its status says)
//	golden-missing          no golden file, or no entry for the case
//	golden-mismatch         the result differs from the golden entry
//	                        (Diff holds the unified diff)
//
// Problems that keep cases from running are Report.Diags: unknown-rule,
// unknown-placement, unknown-block, wrong-placement, unknown-sku,
// invalid-cart, invalid-membership, missing-field (no now), invalid-golden
// and read-error, and the warning stale-golden.
//
// # JSON
//
// The JSON reporter writes one object; this shape is stable (fields may be
// added, never renamed or removed), for CI systems and dashboards:
//
//	{
//	  "passed": 2,                 // selected cases that passed
//	  "failed": 1,                 // ... and that failed
//	  "not_run": "...",            // why no case ran; absent when cases ran
//	  "cases": [{                  // selected cases, in file and case order
//	    "file": "tests/shop.test.yaml",
//	    "name": "vip ships free",
//	    "pos": {"file": "tests/shop.test.yaml", "line": 11, "col": 5},
//	    "passed": false,
//	    "failures": [{             // [] when the case passed
//	      "pos": {"file": "tests/shop.test.yaml", "line": 23, "col": 29},
//	      "severity": "error",
//	      "code": "total-mismatch",
//	      "message": "totals.grand_total: want 18.00, got 17.00",
//	      "source": "      totals: {grand_total: \"18.00\"}",
//	      "notes": ["..."],        // absent when none
//	      "diff": "--- golden\n+++ actual\n@@ ..."  // golden-mismatch only
//	    }]
//	  }],
//	  "diagnostics": [...],        // as ruled check --format json writes them
//	  "written": [{"file": "tests/shop.golden.json", "created": false}]
//	}
//
// Exit codes are the command's: 0 every selected case passed, 1 a case
// failed, 2 nothing ran (not_run says why; the diagnostics hold the
// errors).
//
// ruletest sits above engine, loader, diag, money and membership and
// below the command; it must not import net/http, the server or the CLI
// library, and it reads and writes only golden files (Update writes each
// whole, through a temporary file and a rename). Run and Update keep no
// state outside the Report they return; a Report is not safe for
// concurrent use, and separate runs may go on concurrently.
package ruletest
