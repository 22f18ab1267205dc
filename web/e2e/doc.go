// Package e2e tests the dashboard as a person uses it: in real headless
// Chromium, driven from Go, against the real `ruled serve` binary built from
// this module and serving a copy of the demo store.
//
// It holds tests only and is the one importer of github.com/chromedp/chromedp.
// The tests need a Chromium (Debian's chromium package, or RULED_CHROMIUM
// naming the executable): when none is found they fail under CI=true and
// are skipped otherwise. Screenshots of every page are test artefacts
// (go test -artifacts keeps them); RULED_SCREENSHOTS=DIR writes them to DIR
// as well, which is how docs/dashboard is made.
package e2e
