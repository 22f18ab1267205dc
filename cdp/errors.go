package cdp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Kind says what went wrong, for people and for exit codes.
type Kind string

// Kinds of Error.
const (
	KindConfig      Kind = "config"       // a setting is missing or malformed
	KindCredentials Kind = "credentials"  // IMS refused the client id or secret
	KindScope       Kind = "scope"        // IMS refused a scope the credential does not have
	KindOrg         Kind = "organization" // the organization id is wrong or the credential is not in it
	KindPermission  Kind = "permission"   // Platform refused: the credential lacks a product profile or permission
	KindSandbox     Kind = "sandbox"      // the sandbox does not exist or is not open to the credential
	KindDataflow    Kind = "dataflow"     // the destination dataflow does not exist in the sandbox
	KindRateLimited Kind = "rate-limited" // 429, still after the retries
	KindServer      Kind = "server"       // 5xx, still after the retries
	KindNetwork     Kind = "network"      // no answer at all
	KindProtocol    Kind = "protocol"     // an answer not in the documented shape
)

// Error is a failed call to IMS or Platform.
type Error struct {
	Kind   Kind
	Op     string // "token", "audiences"
	Status int    // the HTTP status, 0 without an answer
	// Code is Adobe's error code, when the answer had one ("invalid_client",
	// "403025").
	Code    string
	Message string
	err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	b.WriteString(string(e.Kind) + ": " + e.Message)
	if e.Status != 0 || e.Code != "" {
		b.WriteString(" (")
		if e.Status != 0 {
			fmt.Fprintf(&b, "HTTP %d", e.Status)
		}
		if e.Code != "" {
			if e.Status != 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.Code)
		}
		b.WriteString(")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.err }

// imsError reads a refused token request: {"error": "invalid_client",
// "error_description": "..."}.
func imsError(status int, body []byte) *Error {
	var v struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &v)
	e := &Error{Op: "token", Status: status, Code: v.Error}
	detail := v.Description
	if detail == "" {
		detail = summary(body)
	}
	switch v.Error {
	case "invalid_client", "unauthorized_client":
		e.Kind, e.Message = KindCredentials, "the client id or client secret is wrong: "+detail
	case "invalid_scope":
		e.Kind, e.Message = KindScope, "a scope is not granted to this credential (check the scopes of the project in the Developer Console): "+detail
	default:
		e.Kind, e.Message = KindCredentials, "the token request was refused: "+detail
		if status == http.StatusBadRequest && v.Error == "" {
			e.Kind = KindProtocol
		}
	}
	return e
}

// platformError reads a refused Platform call: {"error_code", "message"} for
// gateway errors, {"title", "status", "detail"} for the services'.
func platformError(op string, status int, body []byte, sandbox string) *Error {
	var v struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
		Title     string `json:"title"`
		Detail    string `json:"detail"`
	}
	_ = json.Unmarshal(body, &v)
	msg := firstOf(v.Message, v.Detail, v.Title, summary(body))
	e := &Error{Op: op, Status: status, Code: v.ErrorCode, Message: msg}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind, e.Message = KindCredentials, "Platform refused a fresh token: "+msg
	case v.ErrorCode == "403003" || v.ErrorCode == "403000":
		e.Kind, e.Message = KindCredentials, "the API key (the client id) is not valid for Platform: "+msg
	case v.ErrorCode == "403025" || v.ErrorCode == "403027" || v.ErrorCode == "400003":
		e.Kind, e.Message = KindOrg, "the organization id is wrong, or the credential is not in that organization: "+msg
	case status == http.StatusForbidden:
		e.Kind, e.Message = KindPermission, "the credential may not read audiences (add it to a product profile with the Segments permissions): "+msg
	case status == http.StatusNotFound && strings.Contains(strings.ToLower(msg), "sandbox"):
		e.Kind, e.Message = KindSandbox, fmt.Sprintf("sandbox %q: %s", sandbox, msg)
	default:
		e.Kind = KindProtocol
	}
	return e
}

func firstOf(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// summary is the start of a body for a message.
func summary(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return "empty answer"
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
