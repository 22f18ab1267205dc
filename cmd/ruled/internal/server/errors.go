package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/membership"
)

// Error codes of the REST API, stable for clients: the "code" of
// {"error": {"code", "message", "field"}}.
const (
	codeInvalidInput      = "invalid_input"      // 400: the body or a parameter is wrong; field says which
	codeInvalidMembership = "invalid_membership" // 400: the membership header or cookie cannot be decoded
	codeUnauthorized      = "unauthorized"       // 401: the admin token is missing or wrong
	codeNotFound          = "not_found"          // 404
	codeMethodNotAllowed  = "method_not_allowed" // 405
	codeTooLarge          = "body_too_large"     // 413
	codeUnsupportedType   = "unsupported_media_type"
	codeReloadFailed      = "reload_failed" // 422 (the files are wrong) or 500 (they cannot be read)
	codeInternal          = "internal"      // 500
	codeNotReady          = "not_ready"     // 503: no rule set loaded yet
)

// apiError is an error answer: its status and body.
type apiError struct {
	status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field is the JSON path of the value at fault in the body
	// ("items[0].qty"), or where else the value came from:
	// "header:aep-segments-membership", "cookie:…", "query:explain".
	Field string `json:"field,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func writeError(w http.ResponseWriter, status int, code, msg, field string) {
	writeJSON(w, status, struct {
		Error apiError `json:"error"`
	}{apiError{Code: code, Message: msg, Field: field}})
}

func (e *apiError) write(w http.ResponseWriter) { writeError(w, e.status, e.Code, e.Message, e.Field) }

// writeJSON writes v as the JSON body of a response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := answers.Get().(*bytes.Buffer)
	defer putAnswer(buf)
	if res, ok := v.(*engine.Result); ok && res != nil {
		// The evaluation answer, written without reflection: the same
		// bytes encoding/json writes (engine.TestResultAppendJSON).
		buf.Write(res.AppendJSON(buf.AvailableBuffer()))
		buf.WriteByte('\n')
		writeBody(w, status, buf.Bytes())
		return
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false) // "must be > 0", not "must be \u003e 0": this is no HTML page
	if err := enc.Encode(v); err != nil {
		// Only a bug gets here: every answer is made of plain data.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error: the answer could not be encoded"}}` + "\n")
	}
	writeBody(w, status, buf.Bytes())
}

// writeBody writes a JSON answer. Its length is known, so it goes out
// with Content-Length rather than chunked: fewer bytes and fewer writes to
// the socket, and a client can size its buffer.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// answers pools the buffers answers are encoded into: a steady stream of
// requests reuses them instead of growing a new one each time.
var answers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledAnswer bounds the buffers kept: one huge answer does not make
// the pool hold its memory.
const maxPooledAnswer = 1 << 20

func putAnswer(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledAnswer {
		return
	}
	buf.Reset()
	answers.Put(buf)
}

// requireJSON accepts application/json (any parameters, such as charset)
// and other +json types.
func requireJSON(r *http.Request) *apiError {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	got := "no Content-Type"
	if ct != "" {
		got = fmt.Sprintf("Content-Type %q", ct)
	}
	return &apiError{status: http.StatusUnsupportedMediaType, Code: codeUnsupportedType,
		Message: got + ": send the body as application/json"}
}

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *apiError) {
	tooLarge := &apiError{status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
		Message: fmt.Sprintf("the body is larger than the limit of %d bytes", limit)}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	data, err := readAll(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, &apiError{status: http.StatusBadRequest, Code: codeInvalidInput, Message: "reading the body: " + err.Error()}
	}
	return data, nil
}

// readAll is io.ReadAll with its buffer sized from the declared length
// (when there is one, already checked against the limit), so a body is
// read into one allocation rather than a run of doublings.
func readAll(r io.Reader, declared int64) ([]byte, error) {
	data := make([]byte, 0, max(declared, 511)+1) // +1: room to see the end without growing
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}

// membershipOf decodes the shopper's segment membership: the header when it
// is sent and not empty, else the cookie. A value that cannot be decoded is
// an error naming where it came from, never "member of nothing".
//
// With signed membership (Trust.Verifier) the value is a token: one that is
// unsigned, expired, tampered with or signed by another key counts as no
// membership, never as an error, and the verdict is counted and kept for
// the result.
func (s *Server) membershipOf(r *http.Request, t *Trust) (shopper, *apiError) {
	sh := shopper{untrusted: t.UntrustedBody}
	where, raw := "", ""
	if vals := r.Header.Values(s.opt.MembershipHeader); len(vals) > 0 && strings.TrimSpace(strings.Join(vals, "")) != "" {
		// Repeated header lines are one list, as HTTP says.
		where, raw = "header", strings.Join(vals, ",")
	} else if v, ok := cookie(r, s.opt.MembershipCookie); ok {
		where, raw = "cookie", v
	}
	if t.Verifier != nil {
		v := t.Verifier.Verify(raw, s.opt.Now())
		if k := s.badKeys.Load(); k != nil && !v.Verified() && v.Status != membership.StatusAbsent {
			v.Reason += "; the last reload could not use the key set, so the keys loaded before stay in service: " + *k
		}
		sh.verdict, sh.ids = &v, v.Segments
		s.metrics.membership.WithLabelValues(string(v.Status)).Inc()
		return sh, nil
	}
	if where == "" {
		return sh, nil
	}
	ids, err := membership.Decode(raw)
	if err != nil {
		msg := err.Error()
		var me *membership.Error
		if errors.As(err, &me) {
			msg = me.Msg
		}
		name := s.opt.MembershipHeader
		if where == "cookie" {
			name = s.opt.MembershipCookie
		}
		return sh, &apiError{status: http.StatusBadRequest, Code: codeInvalidMembership,
			Message: fmt.Sprintf("%s %s: %s", where, name, msg), Field: where + ":" + name}
	}
	sh.ids = ids
	return sh, nil
}

// cookie finds the raw value of the named cookie. net/http's own parser
// drops a cookie whose value it finds invalid (a JSON array with quotes,
// say) without a word; membership must never vanish silently, so the value
// is taken as sent and left to membership.Decode to judge. Surrounding
// double quotes are removed.
func cookie(r *http.Request, name string) (string, bool) {
	for _, line := range r.Header.Values("Cookie") {
		for part := range strings.SplitSeq(line, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || strings.TrimSpace(k) != name {
				continue
			}
			v = strings.TrimSpace(v)
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			return v, true
		}
	}
	return "", false
}
