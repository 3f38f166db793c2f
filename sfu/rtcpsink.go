package sfu

import (
	"io"
	"sync"

	"github.com/pion/transport/v4/packetio"
)

// rtcpRouter hands the decrypted RTCP a subscriber sends about one of our
// outgoing SSRCs to the downTrack that owns it. It is installed as the
// BufferFactory of the subscriber PeerConnection, so pion's SRTCP session
// delivers into it from its own read goroutine: no goroutine per
// subscribed track (pion would otherwise need one blocked in
// RTPSender.ReadRTCP for each), and no buffer that fills when nobody reads.
// Incoming RTP on a subscriber transport (there should be none: it is
// send-only) gets an ordinary bounded buffer.
type rtcpRouter struct {
	mu     sync.RWMutex
	routes map[uint32]*downTrack
}

func newRTCPRouter() *rtcpRouter { return &rtcpRouter{routes: map[uint32]*downTrack{}} }

func (r *rtcpRouter) add(ssrc uint32, d *downTrack) {
	r.mu.Lock()
	r.routes[ssrc] = d
	r.mu.Unlock()
}

func (r *rtcpRouter) remove(ssrc uint32, d *downTrack) {
	r.mu.Lock()
	if r.routes[ssrc] == d {
		delete(r.routes, ssrc)
	}
	r.mu.Unlock()
}

func (r *rtcpRouter) lookup(ssrc uint32) *downTrack {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.routes[ssrc]
}

// bufferFor is the webrtc.SettingEngine BufferFactory.
func (r *rtcpRouter) bufferFor(kind packetio.BufferPacketType, ssrc uint32) io.ReadWriteCloser {
	if kind == packetio.RTCPBufferPacket {
		return &rtcpSink{r: r, ssrc: ssrc, closed: make(chan struct{})}
	}
	return newBoundedBuffer(rtpBufferLimit)
}

// rtcpSink is the read stream of one SSRC: Write dispatches, Read only
// waits for Close (nobody reads it; pion's RTPSender.ReadRTCP would end
// with io.EOF).
type rtcpSink struct {
	r      *rtcpRouter
	ssrc   uint32
	once   sync.Once
	closed chan struct{}
}

func (s *rtcpSink) Write(b []byte) (int, error) {
	select {
	case <-s.closed:
		return 0, io.ErrClosedPipe
	default:
	}
	if d := s.r.lookup(s.ssrc); d != nil {
		d.handleRTCP(b)
	}
	return len(b), nil
}

func (s *rtcpSink) Read([]byte) (int, error) {
	<-s.closed
	return 0, io.EOF
}

func (s *rtcpSink) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// rtpBufferLimit bounds an RTP read buffer, as pion's default does (1 MB);
// packetio grows the buffer only as far as it is actually filled.
const rtpBufferLimit = 1000 * 1000

func newBoundedBuffer(limit int) *packetio.Buffer {
	b := packetio.NewBuffer()
	b.SetLimitSize(limit)
	return b
}
