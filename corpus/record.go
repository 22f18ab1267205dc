package corpus

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	WriterOptions
	// Rate is the share of carts recorded, in (0, 1]; 0 means 1.
	Rate float64
	// Queue bounds the carts waiting to be written (default
	// DefaultQueue). When it is full, samples are dropped and counted.
	Queue int
	// Key is the HMAC key ids are hashed with; empty means a random key
	// (see Anonymizer).
	Key []byte
	// Random returns a number in [0, 1) for sampling (default
	// math/rand/v2's Float64).
	Random func() float64
	// OnError is told of every cart or file that could not be written
	// (default: nothing); recording goes on with the next.
	OnError func(error)
}

// DefaultQueue is the default bound of a Recorder's queue.
const DefaultQueue = 4096

// RecorderStats count what a Recorder did.
type RecorderStats struct {
	Offered uint64 // carts passed to Record
	Sampled uint64 // of those, chosen by the sampling rate
	Dropped uint64 // chosen but dropped: the queue was full (or the recorder closed)
	Written uint64 // lines written
	Failed  uint64 // carts or files that could not be written
	Files   int    // files completed
}

// Recorder writes a sample of the carts it is given into a Writer, on a
// goroutine of its own: Record never waits. It is safe for concurrent use.
type Recorder struct {
	opt    RecorderOptions
	anon   *Anonymizer
	w      *Writer
	queue  chan Sample
	quit   chan struct{}
	done   chan struct{}
	closed atomic.Bool
	once   sync.Once
	err    error // of Close

	offered, sampled, dropped, written, failed atomic.Uint64
	files                                      atomic.Int64
}

// NewRecorder starts a Recorder writing into opt.Dir.
func NewRecorder(opt RecorderOptions) (*Recorder, error) {
	if opt.Rate == 0 {
		opt.Rate = 1
	}
	if opt.Rate < 0 || opt.Rate > 1 {
		return nil, fmt.Errorf("corpus: sample rate %v is not in (0, 1]", opt.Rate)
	}
	if opt.Queue <= 0 {
		opt.Queue = DefaultQueue
	}
	if opt.Random == nil {
		opt.Random = rand.Float64
	}
	if opt.OnError == nil {
		opt.OnError = func(error) {}
	}
	w, err := NewWriter(opt.WriterOptions)
	if err != nil {
		return nil, err
	}
	r := &Recorder{
		opt: opt, anon: NewAnonymizer(opt.Key), w: w,
		queue: make(chan Sample, opt.Queue), quit: make(chan struct{}), done: make(chan struct{}),
	}
	go r.loop()
	return r, nil
}

// Record offers a priced cart. When sampling chooses it and the queue has
// room it is queued; otherwise it is dropped and counted. Record never
// blocks. The cart must not be modified afterwards.
func (r *Recorder) Record(s Sample) {
	r.offered.Add(1)
	if r.opt.Rate < 1 && r.opt.Random() >= r.opt.Rate {
		return
	}
	r.sampled.Add(1)
	if r.closed.Load() {
		r.dropped.Add(1)
		return
	}
	select {
	case r.queue <- s:
	default:
		r.dropped.Add(1)
	}
}

// Stats returns the counts so far.
func (r *Recorder) Stats() RecorderStats {
	return RecorderStats{
		Offered: r.offered.Load(), Sampled: r.sampled.Load(), Dropped: r.dropped.Load(),
		Written: r.written.Load(), Failed: r.failed.Load(), Files: int(r.files.Load()),
	}
}

// Close writes what is queued, completes the open file and stops the
// recorder. Carts recorded afterwards are dropped.
func (r *Recorder) Close() error {
	r.once.Do(func() {
		r.closed.Store(true)
		close(r.quit)
		<-r.done
	})
	return r.err
}

func (r *Recorder) loop() {
	defer close(r.done)
	tick := time.NewTicker(min(r.w.opt.MaxAge/4+time.Millisecond, time.Minute))
	defer tick.Stop()
	for {
		select {
		case s := <-r.queue:
			r.write(s)
		case <-tick.C:
			r.check(r.w.RotateIfOld())
		case <-r.quit:
			for {
				select {
				case s := <-r.queue:
					r.write(s)
				default:
					r.err = r.w.Close()
					r.check(r.err)
					return
				}
			}
		}
	}
}

func (r *Recorder) write(s Sample) {
	line, err := r.anon.Encode(s)
	if err == nil {
		err = r.w.Write(line)
	}
	if err == nil {
		r.written.Add(1)
	}
	r.check(err)
}

// check counts an error and the files completed.
func (r *Recorder) check(err error) {
	r.files.Store(int64(len(r.w.files)))
	if err != nil {
		r.failed.Add(1)
		r.opt.OnError(err)
	}
}
