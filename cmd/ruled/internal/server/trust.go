package server

import (
	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/membership"
)

// Trust is how far requests are believed about who the shopper is. A
// Build carries it, so that it changes with the ruled.yaml it came from.
type Trust struct {
	// Verifier, when set, makes the membership header or cookie a signed
	// token: anything but a good token is no membership.
	Verifier *membership.Verifier
	// UntrustedBody ignores the segments and customer.group of request
	// bodies: the group then comes from the token's group claim, else it
	// is guest. For deployments where browsers reach ruled.
	UntrustedBody bool
}

// shopper is what one request says of the shopper, as far as it is
// trusted.
type shopper struct {
	// ids are the segment ids of the membership header or cookie: those of
	// a verified token when membership is signed.
	ids []string
	// verdict is the judgement of the token; nil when membership is not
	// signed.
	verdict *membership.Verdict
	// untrusted: the body's segments and customer.group are ignored.
	untrusted bool
}

// group is the customer group of a shopper whose body is not believed.
func (sh *shopper) group() string {
	if sh.verdict != nil && sh.verdict.Verified() && sh.verdict.Group != "" {
		return sh.verdict.Group
	}
	return engine.DefaultGroup
}

// status is the membership part of a result; nil when membership is not
// signed. The reason is told with explain only.
func (sh *shopper) status(explain bool) *engine.MembershipStatus {
	if sh.verdict == nil {
		return nil
	}
	st := &engine.MembershipStatus{Status: string(sh.verdict.Status)}
	if explain {
		st.Reason = sh.verdict.Reason
	}
	return st
}

// CodeMembershipKeys is the diagnostic code of a membership key set that
// could not be read or used. A reload that fails with it keeps the keys in
// service, and the explain trace of a refused token says so: a token of a
// key the operator just added is refused for that reason.
const CodeMembershipKeys = "membership-keys"

// keysProblem is the membership-keys diagnostic of the last reload, or ""
// when that reload had none.
func keysProblem(l diag.List) string {
	for _, d := range l {
		if d.Code == CodeMembershipKeys && d.Severity == diag.Error {
			return d.Error()
		}
	}
	return ""
}

// served is the generation in service with the Trust of the same build,
// swapped in whole: a request loads it once, so that it never checks a
// token with the keys of one build and prices with the rules of another.
type served struct {
	g     *engine.Generation
	trust *Trust
}

// load returns the generation in service and its Trust; a nil generation
// (and the zero Trust) before the first good build.
func (s *Server) load() (*engine.Generation, *Trust) {
	if c := s.served.Load(); c != nil {
		return c.g, c.trust
	}
	return nil, &Trust{}
}
