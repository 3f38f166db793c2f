package documents

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Clamd scans bytes with a running clamd over its INSTREAM command (the
// stream is sent in chunks, so clamd needs no access to our files). It
// opens one connection per scan; clamd handles them in parallel.
type Clamd struct {
	network, address string
	// Timeout bounds one scan, connection included.
	Timeout time.Duration
}

// ErrScanner is returned when clamd cannot be reached or does not answer
// a scan; the caller refuses the upload (fail closed).
var ErrScanner = errors.New("virus scanner unavailable")

// chunkSize is the size of one INSTREAM chunk.
const chunkSize = 64 << 10

// NewClamd reads an address: "unix:/run/clamav/clamd.ctl" or an absolute
// socket path, or "tcp:host:port".
func NewClamd(addr string, timeout time.Duration) (*Clamd, error) {
	c := &Clamd{Timeout: timeout}
	switch {
	case strings.HasPrefix(addr, "unix:"):
		c.network, c.address = "unix", strings.TrimPrefix(addr, "unix:")
	case strings.HasPrefix(addr, "/"):
		c.network, c.address = "unix", addr
	case strings.HasPrefix(addr, "tcp:"):
		c.network, c.address = "tcp", strings.TrimPrefix(addr, "tcp:")
		if _, _, err := net.SplitHostPort(c.address); err != nil {
			return nil, fmt.Errorf("clamd address %q: %w", addr, err)
		}
	default:
		return nil, fmt.Errorf("clamd address %q: want unix:/path or tcp:host:port", addr)
	}
	if c.address == "" {
		return nil, fmt.Errorf("clamd address %q: empty", addr)
	}
	return c, nil
}

// String is the address, for logs.
func (c *Clamd) String() string { return c.network + ":" + c.address }

// Ping asks clamd for PONG.
func (c *Clamd) Ping(ctx context.Context) error {
	reply, err := c.command(ctx, func(conn net.Conn) error {
		_, err := conn.Write([]byte("zPING\x00"))
		return err
	})
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return fmt.Errorf("%w: ping answered %q", ErrScanner, reply)
	}
	return nil
}

// Scan sends data and returns the name of the signature found, "" when
// clean, or an error wrapping ErrScanner when there is no verdict.
func (c *Clamd) Scan(ctx context.Context, data []byte) (signature string, err error) {
	reply, err := c.command(ctx, func(conn net.Conn) error {
		w := bufio.NewWriterSize(conn, chunkSize+4)
		w.WriteString("zINSTREAM\x00")
		var n [4]byte
		for rest := data; ; {
			k := min(len(rest), chunkSize)
			binary.BigEndian.PutUint32(n[:], uint32(k))
			w.Write(n[:])
			w.Write(rest[:k])
			if k == 0 {
				break
			}
			rest = rest[k:]
		}
		return w.Flush()
	})
	if err != nil {
		return "", err
	}
	switch rest, _ := strings.CutPrefix(reply, "stream: "); {
	case rest == "OK":
		return "", nil
	case strings.HasSuffix(rest, " FOUND"):
		return strings.TrimSuffix(rest, " FOUND"), nil
	default: // "INSTREAM size limit exceeded. ERROR" and the like
		return "", fmt.Errorf("%w: %q", ErrScanner, reply)
	}
}

// command sends one request and reads the NUL-terminated reply, all
// within Timeout; a cancelled ctx ends it at once.
func (c *Clamd) command(ctx context.Context, send func(net.Conn) error) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.network, c.address)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrScanner, err)
	}
	defer conn.Close()
	dl, _ := ctx.Deadline()
	conn.SetDeadline(dl)
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })()
	if err := send(conn); err != nil {
		return "", fmt.Errorf("%w: send: %v", ErrScanner, err)
	}
	reply, err := bufio.NewReader(conn).ReadBytes(0)
	if err != nil {
		return "", fmt.Errorf("%w: read: %v", ErrScanner, err)
	}
	return string(bytes.TrimRight(reply, "\x00\n")), nil
}
