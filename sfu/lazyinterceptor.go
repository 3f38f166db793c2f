package sfu

import (
	"sync"

	"github.com/pion/interceptor"
)

// lazyFactory wraps an interceptor factory whose interceptor starts a
// goroutine with a ticker when pion binds the transport's RTCP writer
// (pion's NACK generator, receiver reports, TWCC feedback — all about
// received media). pion binds the writer when it creates the
// PeerConnection, so every publisher transport ran three such loops
// (a NACK check every 100 ms, TWCC feedback every 100 ms, a report every
// second) from the start, also for a receive-only viewer who never
// publishes anything on it: 3 goroutines per viewer and ≈ 21 wake-ups a
// second each. The wrapped interceptor gets the writer only when the
// first remote stream is bound, i.e. when there is media to report on.
type lazyFactory struct{ inner interceptor.Factory }

func (f lazyFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	i, err := f.inner.NewInterceptor(id)
	if err != nil {
		return nil, err
	}
	return &lazyInterceptor{Interceptor: i}, nil
}

type lazyInterceptor struct {
	interceptor.Interceptor

	mu      sync.Mutex
	writer  interceptor.RTCPWriter
	started bool
}

// BindRTCPWriter keeps the writer for later. The wrapped interceptors
// return the writer they are given unchanged (they only keep it for their
// loop), so handing it on as it is keeps the chain the same.
func (l *lazyInterceptor) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	l.mu.Lock()
	l.writer = w
	l.mu.Unlock()
	return w
}

// BindRemoteStream starts the wrapped interceptor's loop before the first
// stream it sees.
func (l *lazyInterceptor) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	l.mu.Lock()
	if !l.started && l.writer != nil {
		l.started = true
		l.Interceptor.BindRTCPWriter(l.writer)
	}
	l.mu.Unlock()
	return l.Interceptor.BindRemoteStream(info, r)
}
