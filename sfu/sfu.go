package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// ErrClosed is returned by Healthy after Close.
var ErrClosed = errors.New("sfu: closed")

var errNoSubscriber = errors.New("sfu: peer joined without subscriber transport")

// SFU forwards media between the peers of each room.
type SFU struct {
	cfg  Config
	auth Authorizer
	log  *slog.Logger
	m    *metrics

	pubAPI *webrtc.API
	// The subscriber side gets one API per peer (newSubscriberAPI): its
	// BufferFactory routes incoming RTCP to that peer's downTracks.
	subSettings     webrtc.SettingEngine
	subMedia        *webrtc.MediaEngine
	subInterceptors *interceptor.Registry
	cert            webrtc.Certificate
	udpConn         net.PacketConn
	udpBuffers      UDPBuffers
	batch           *batchConn // nil where sendmmsg is not available
	udpMux          ice.UDPMux
	tcpListener     net.Listener
	tcpMux          ice.TCPMux
	turn            *turnServer

	mod moderation // hosts' mutes (moderate.go)

	mu    sync.Mutex
	rooms map[string]*room
	conns map[*signalConn]struct{}
	// stage: who may publish beyond their role, by room and identity
	// (stage.go)
	stage  map[string]map[string]Stage
	closed bool
	wg     sync.WaitGroup // signalling connections
}

// New opens the ICE sockets and the TURN server and returns a ready SFU.
func New(cfg Config, auth Authorizer, reg prometheus.Registerer, log *slog.Logger) (*SFU, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if auth == nil {
		return nil, errors.New("sfu: nil Authorizer")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("sfu metrics: %w", err)
	}
	s := &SFU{cfg: cfg, auth: auth, log: log, m: m, rooms: map[string]*room{}, conns: map[*signalConn]struct{}{}}
	if s.cert, err = newCertificate(); err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		s.closeSockets()
		return nil, err
	}
	if cfg.TURN.Enabled {
		if s.turn, err = newTURNServer(cfg, log); err != nil {
			s.closeSockets()
			return nil, err
		}
	}
	if err := s.buildAPIs(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// listen opens the single ICE UDP port and, if configured, ICE-TCP.
func (s *SFU) listen() error {
	var err error
	bind := s.cfg.BindIP
	s.udpConn = s.cfg.UDPConn
	if s.udpConn == nil {
		c, err := net.ListenPacket("udp", net.JoinHostPort(bind, strconv.Itoa(s.cfg.UDPPort)))
		if err != nil {
			return fmt.Errorf("sfu: UDPPort %d: %w", s.cfg.UDPPort, err)
		}
		s.udpConn = c
	}
	if s.udpBuffers, err = sizeUDPBuffers(s.udpConn, s.cfg.UDPBufferBytes); err != nil {
		s.log.Warn("could not size the media UDP socket buffers", "err", err)
	} else if s.udpBuffers.Receive < s.cfg.UDPBufferBytes {
		s.log.Warn("media UDP receive buffer is smaller than configured; bursts may be dropped. Raise net.core.rmem_max or set ReceiveBuffer= in the socket unit",
			"configured_bytes", s.cfg.UDPBufferBytes, "effective_bytes", s.udpBuffers.Receive)
	}
	muxConn := newBatchConn(s.udpConn)
	s.batch, _ = muxConn.(*batchConn)
	s.udpMux = webrtc.NewICEUDPMux(nil, muxConn)
	s.tcpListener = s.cfg.TCPListener
	if s.tcpListener == nil && s.cfg.TCPPort != 0 {
		l, err := net.Listen("tcp", net.JoinHostPort(bind, strconv.Itoa(s.cfg.TCPPort)))
		if err != nil {
			return fmt.Errorf("sfu: TCPPort %d: %w", s.cfg.TCPPort, err)
		}
		s.tcpListener = l
	}
	if s.tcpListener != nil {
		s.tcpMux = webrtc.NewICETCPMux(nil, s.tcpListener, 32)
	}
	return nil
}

func (s *SFU) buildAPIs() error {
	se := webrtc.SettingEngine{LoggerFactory: newSharedLoggers()}
	se.DetachDataChannels() // read with small buffers (data.go)
	applyCrypto(&se)
	se.SetICEUDPMux(s.udpMux)
	types := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if s.tcpMux != nil {
		se.SetICETCPMux(s.tcpMux)
		types = append(types, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	se.SetNetworkTypes(types)
	if len(s.cfg.PublicIPs) > 0 {
		se.SetNAT1To1IPs(s.cfg.PublicIPs, webrtc.ICECandidateTypeHost)
	}
	if ip := net.ParseIP(s.cfg.BindIP); ip != nil && ip.IsLoopback() {
		se.SetIncludeLoopbackCandidate(true)
	}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.DisableActiveTCP(true)
	for _, sd := range []side{sidePublisher, sideSubscriber} {
		me, err := newMediaEngine(sd)
		if err != nil {
			return err
		}
		ir, err := newInterceptors(me, sd)
		if err != nil {
			return err
		}
		if sd == sidePublisher {
			s.pubAPI = webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
		} else {
			s.subSettings, s.subMedia, s.subInterceptors = se, me, ir
		}
	}
	return nil
}

// newSubscriberAPI returns the API for one peer's subscriber transport,
// whose incoming RTCP goes to router.
func (s *SFU) newSubscriberAPI(router *rtcpRouter) *webrtc.API {
	se := s.subSettings
	se.BufferFactory = router.bufferFor
	return webrtc.NewAPI(webrtc.WithMediaEngine(s.subMedia), webrtc.WithInterceptorRegistry(s.subInterceptors), webrtc.WithSettingEngine(se))
}

// pcConfig uses no external STUN/TURN: the SFU has public (or 1:1 NAT)
// addresses, and clients get our own TURN server from ICEServers.
func (s *SFU) pcConfig() webrtc.Configuration {
	return webrtc.Configuration{Certificates: []webrtc.Certificate{s.cert}, BundlePolicy: webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire, SDPSemantics: webrtc.SDPSemanticsUnifiedPlan}
}

// UDPBuffers reports the effective buffer sizes of the ICE UDP socket.
func (s *SFU) UDPBuffers() UDPBuffers { return s.udpBuffers }

// UDPAddr is the address of the ICE UDP socket (tests, diagnostics).
func (s *SFU) UDPAddr() net.Addr { return s.udpConn.LocalAddr() }

// roomFor returns the room, creating it on first use.
func (s *SFU) roomFor(id string) (*room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	r := s.rooms[id]
	if r == nil {
		r = newRoom(s, id)
		s.rooms[id] = r
		s.m.rooms.Inc()
	}
	return r, nil
}

// dropRoom forgets an empty room.
func (s *SFU) dropRoom(r *room) {
	s.mu.Lock()
	if s.rooms[r.id] == r {
		delete(s.rooms, r.id)
		delete(s.stage, r.id) // the appliance tells it again on admission
		s.m.rooms.Dec()
	}
	s.mu.Unlock()
	r.close()
}

// releaseRoom drops r if nobody joined it after all.
func (s *SFU) releaseRoom(r *room) {
	r.mu.Lock()
	empty := len(r.peers) == 0
	r.mu.Unlock()
	if empty {
		s.dropRoom(r)
	}
}

// CloseRoom disconnects everyone in room (the consultation ended).
func (s *SFU) CloseRoom(id string) {
	s.clearStage(id)
	s.mu.Lock()
	var victims []*signalConn
	for c := range s.conns {
		if c.grant.Room == id {
			victims = append(victims, c)
		}
	}
	s.mu.Unlock()
	for _, c := range victims {
		c.shutdown()
	}
}

// Healthy reports whether the SFU accepts participants.
func (s *SFU) Healthy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// Close disconnects everybody, stops TURN and closes the sockets. It
// returns when no goroutine of the SFU is left.
func (s *SFU) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]*signalConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.shutdown()
	}
	s.wg.Wait()
	s.mu.Lock()
	rooms := s.rooms
	s.rooms = map[string]*room{}
	s.mu.Unlock()
	for _, r := range rooms {
		r.close()
	}
	return s.closeSockets()
}

func (s *SFU) closeSockets() error {
	var errs []error
	if s.turn != nil {
		errs = append(errs, s.turn.close())
	}
	if s.tcpMux != nil {
		errs = append(errs, s.tcpMux.Close())
	} else if s.tcpListener != nil {
		errs = append(errs, s.tcpListener.Close())
	}
	if s.udpMux != nil {
		errs = append(errs, s.udpMux.Close())
	} else if s.udpConn != nil {
		errs = append(errs, s.udpConn.Close())
	}
	return errors.Join(errs...)
}

// Participants is how many signalling connections the SFU carries (the
// node's load in media placement).
func (s *SFU) Participants() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
