package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// This file reads the bodies of the decision requests (POST
// /v1/cart/evaluate, POST /v1/blocks) into pooled buffers. The body is
// parsed in place (engine.ParseJSON) and what a request keeps of it, the
// cart and the placement fields, is copied out by the decoders, so the
// buffer goes back to the pool when the request is answered.

// pooledBody is a request body read into a pooled buffer.
type pooledBody struct {
	data []byte
}

// bodies are the buffers released bodies return, for the next request.
var bodies = sync.Pool{New: func() any { return &pooledBody{data: make([]byte, 0, 4<<10)} }}

// keepBody is the largest buffer the pool keeps, so that one large body
// does not hold its memory for as long as the pool lives.
const keepBody = 64 << 10

// release hands b's buffer back. Neither b nor its data may be used again.
func (b *pooledBody) release() {
	if b == nil || cap(b.data) > keepBody {
		return
	}
	b.data = b.data[:0]
	bodies.Put(b)
}

// readPooledBody is readBody into a pooled buffer: the same limit and the
// same answers. The caller releases the body once nothing reads it.
func readPooledBody(w http.ResponseWriter, r *http.Request, limit int64) (*pooledBody, *apiError) {
	tooLarge := func() *apiError {
		return &apiError{status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Message: fmt.Sprintf("the body is larger than the limit of %d bytes", limit)}
	}
	if r.ContentLength > limit {
		return nil, tooLarge()
	}
	b := bodies.Get().(*pooledBody)
	var err error
	b.data, err = readInto(b.data[:0], http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	if err != nil {
		b.release()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		return nil, &apiError{status: http.StatusBadRequest, Code: codeInvalidInput, Message: "reading the body: " + err.Error()}
	}
	return b, nil
}

// readInto appends what r reads to buf, as readAll does: with room for the
// declared length (already checked against the limit) and one more byte to
// see the end, so that a body is read without growing the buffer.
func readInto(buf []byte, r io.Reader, declared int64) ([]byte, error) {
	if need := int(max(declared, 511)) + 1; cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
