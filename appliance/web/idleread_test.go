package web

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// clientFrame builds a masked client frame (RFC 6455 5.2).
func clientFrame(op byte, payload []byte) []byte {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	key := []byte{0x12, 0x34, 0x56, 0x78}
	b = append(b, key...)
	for i, c := range payload {
		b = append(b, c^key[i&3])
	}
	return b
}

func TestParseFrame(t *testing.T) {
	ping := clientFrame(0x9, []byte("hallo"))
	for i := range len(ping) {
		if _, _, ok := parseFrame(append([]byte(nil), ping[:i]...)); ok {
			t.Fatalf("a frame cut after %d of %d bytes was taken as whole", i, len(ping))
		}
	}
	f, n, ok := parseFrame(append(append([]byte(nil), ping...), 0x8a))
	if !ok || f.err != 0 || f.op != websocket.PingMessage || string(f.payload) != "hallo" || n != len(ping) {
		t.Fatalf("ping: %+v %d %v", f, n, ok)
	}
	long := clientFrame(0x1, bytes.Repeat([]byte("a"), 300)) // 16-bit length
	if f, n, ok := parseFrame(long); !ok || f.err != 0 || len(f.payload) != 300 || n != len(long) {
		t.Fatalf("300-byte text: %d %v %v", n, ok, f.err)
	}
	unmasked := []byte{0x89, 0x00}
	tooLongControl := clientFrame(0x9, bytes.Repeat([]byte("p"), 126))
	fragmentedControl := clientFrame(0x9, nil)
	fragmentedControl[0] &^= 0x80
	reservedBits := clientFrame(0x1, nil)
	reservedBits[0] |= 0x40
	for name, c := range map[string]struct {
		b    []byte
		code int
	}{
		"unmasked":           {unmasked, websocket.CloseProtocolError},
		"control over 125":   {tooLongControl, websocket.CloseProtocolError},
		"fragmented control": {fragmentedControl, websocket.CloseProtocolError},
		"reserved bits":      {reservedBits, websocket.CloseProtocolError},
		"unknown opcode":     {clientFrame(0x3, nil), websocket.CloseProtocolError},
		"over the limit":     {clientFrame(0x2, make([]byte, readLimit+1))[:20], websocket.CloseMessageTooBig},
	} {
		if f, _, ok := parseFrame(c.b); !ok || f.err != c.code {
			t.Errorf("%s: got %v (whole %v), want close code %d", name, f.err, ok, c.code)
		}
	}
}

// idleServer serves one watched citizen-style WebSocket over TLS, as the
// ticket stream does, and reports when it ended.
func idleServer(t *testing.T, p *idlePoller) (url string, ended <-chan struct{}, watched *atomic.Bool) {
	t.Helper()
	done := make(chan struct{})
	var onPoller atomic.Bool
	s := &Server{idle: p}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, early, ok := s.upgrade(w, r)
		if !ok {
			return
		}
		c := &citizenConn{conn: conn}
		s.track(c)
		s.watchIdle(c, early, func() { close(done) })
		if ic := c.idleConn(); ic != nil && ic.p != nil {
			onPoller.Store(true)
		}
		if m := r.URL.Query().Get("send"); m != "" { // messages of these sizes
			for _, f := range strings.Split(m, ",") {
				n, _ := strconv.Atoi(f)
				c.write(opText, sizedMessage(n))
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "wss" + strings.TrimPrefix(srv.URL, "https"), done, &onPoller
}

func dialIdle(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: insecureTLS()}
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// A waiting citizen's connection is read without a goroutine of its own:
// a ping gets its pong, also when its frame comes in two TLS records; a
// close from the browser ends the stream (and with it the place's grace
// period starts).
func TestIdleConnAnswersPingsAndEndsOnClose(t *testing.T) {
	p := newIdlePoller()
	defer p.close()
	url, ended, watched := idleServer(t, p)
	ws := dialIdle(t, url)
	pongs := make(chan string, 4)
	ws.SetPongHandler(func(s string) error { pongs <- s; return nil })
	closed := make(chan int, 1)
	go func() {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				if ce, ok := err.(*websocket.CloseError); ok {
					closed <- ce.Code
				}
				close(closed)
				return
			}
		}
	}()
	raw := ws.UnderlyingConn()
	frame := clientFrame(0x9, []byte("eins"))
	// a frame written in two pieces (two TLS records), then a second ping
	raw.Write(frame[:3])
	raw.Write(frame[3:])
	raw.Write(clientFrame(0x9, []byte("zwei")))
	for _, want := range []string{"eins", "zwei"} {
		select {
		case got := <-pongs:
			if got != want {
				t.Fatalf("pong %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no pong for %q", want)
		}
	}
	if !watched.Load() {
		t.Fatal("the connection was not watched by the poller but got a reader goroutine")
	}
	raw.Write(clientFrame(0x8, []byte{0x03, 0xe8}))
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end after the browser's close")
	}
	if code := <-closed; code != websocket.CloseNormalClosure {
		t.Fatalf("server answered the close with %d, want 1000", code)
	}
}

// A client that sends more than the stream accepts is closed with 1009,
// and one that just drops its connection ends the stream too.
func TestIdleConnLimitsAndDrops(t *testing.T) {
	p := newIdlePoller()
	defer p.close()
	url, ended, _ := idleServer(t, p)
	ws := dialIdle(t, url)
	code := make(chan int, 1)
	go func() {
		_, _, err := ws.ReadMessage()
		ce, _ := err.(*websocket.CloseError)
		if ce != nil {
			code <- ce.Code
		}
		close(code)
	}()
	ws.UnderlyingConn().Write(clientFrame(0x1, make([]byte, readLimit+1)))
	if c := <-code; c != websocket.CloseMessageTooBig {
		t.Fatalf("close code %d, want 1009", c)
	}
	waitEnded(t, ended)

	url2, ended2, _ := idleServer(t, p)
	ws2 := dialIdle(t, url2)
	ws2.UnderlyingConn().Close()
	select {
	case <-ended2:
	case <-time.After(10 * time.Second):
		t.Fatal("a dropped connection did not end the stream")
	}
}

// Without a poller (another system, or no epoll) the same connection is
// read by a goroutine and behaves alike.
func TestIdleConnFallbackReader(t *testing.T) {
	url, ended, watched := idleServer(t, nil)
	ws := dialIdle(t, url)
	pong := make(chan string, 1)
	ws.SetPongHandler(func(s string) error { pong <- s; return nil })
	go func() {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ws.UnderlyingConn().Write(clientFrame(0x9, []byte("drei")))
	if got := <-pong; got != "drei" {
		t.Fatalf("pong %q", got)
	}
	if watched.Load() {
		t.Fatal("watched without a poller")
	}
	ws.UnderlyingConn().Close()
	waitEnded(t, ended)
}

func waitEnded(t *testing.T, ended <-chan struct{}) {
	t.Helper()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end")
	}
}

// sizedMessage is a text of n bytes that shows where it was cut.
func sizedMessage(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// The frames the streams write are read by a WebSocket client library as
// the texts they carry, for every length encoding (7-bit, 16-bit, 64-bit).
func TestWrittenFramesReadByAClient(t *testing.T) {
	p := newIdlePoller()
	defer p.close()
	sizes := []int{0, 1, 125, 126, 127, 65535, 65536, 70000}
	var q []string
	for _, n := range sizes {
		q = append(q, strconv.Itoa(n))
	}
	url, _, _ := idleServer(t, p)
	ws := dialIdle(t, url+"?send="+strings.Join(q, ","))
	ws.SetReadLimit(1 << 20)
	for _, n := range sizes {
		kind, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("message of %d bytes: %v", n, err)
		}
		if kind != websocket.TextMessage || !bytes.Equal(b, sizedMessage(n)) {
			t.Fatalf("message of %d bytes arrived as kind %d with %d bytes", n, kind, len(b))
		}
	}
}

// A browser may send its first frame right behind the handshake, in the
// same packet: the stream still reads it (here a ping, answered).
func TestFrameRightAfterHandshake(t *testing.T) {
	p := newIdlePoller()
	defer p.close()
	url, _, _ := idleServer(t, p)
	conn, err := tls.Dial("tcp", strings.TrimPrefix(url, "wss://"), insecureTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET / HTTP/1.1\r\nHost: " + strings.TrimPrefix(url, "wss://") + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := conn.Write(append([]byte(req), clientFrame(0x9, []byte("früh"))...)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake answered %s, accept %q", resp.Status, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	want := append([]byte{0x80 | 0xa, byte(len("früh"))}, "früh"...)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(br, got); err != nil {
		t.Fatalf("no pong for the early ping: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got frame % x, want the pong % x", got, want)
	}
}

// A page of another site cannot open a stream (the browser sends its
// Origin; the stream would carry the visitor's ticket).
func TestStreamRefusesAnotherOrigin(t *testing.T) {
	p := newIdlePoller()
	defer p.close()
	url, _, _ := idleServer(t, p)
	d := websocket.Dialer{TLSClientConfig: insecureTLS()}
	_, resp, err := d.Dial(url, http.Header{"Origin": {"https://elsewhere.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another origin: err %v, response %v", err, resp)
	}
}

func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }
