package web

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// appendTicketMessage appends the waiting-room message for v: byte for
// byte what encoding/json makes of {"type":"ticket","ticket":v} (a test
// keeps the two equal). Every queue change sends one to each waiting
// citizen; encoding them by reflection was a sixth of the server's work
// in the fan-out benchmark.
func appendTicketMessage(b []byte, v *reception.View) []byte {
	b = append(b, `{"type":"ticket","ticket":{"id":`...)
	b = appendJSONString(b, v.ID)
	b = append(b, `,"number":`...)
	b = appendJSONString(b, v.Number)
	b = append(b, `,"office_id":`...)
	b = appendJSONString(b, v.OfficeID)
	b = append(b, `,"office_name":`...)
	b = appendJSONString(b, v.OfficeName)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, string(v.State))
	if v.Place != 0 {
		b = append(b, `,"place":`...)
		b = strconv.AppendInt(b, int64(v.Place), 10)
	}
	b = append(b, `,"estimate_seconds":`...)
	b = strconv.AppendInt(b, int64(v.EstimateSeconds), 10)
	for _, f := range [...]struct{ key, val string }{{`,"room_id":`, v.RoomID}, {`,"message":`, v.Message}, {`,"forwarded_from":`, v.ForwardedFrom}, {`,"name":`, v.Name}} {
		if f.val != "" { // omitempty
			b = append(b, f.key...)
			b = appendJSONString(b, f.val)
		}
	}
	b = append(b, `,"concern":`...)
	b = appendJSONString(b, v.Concern)
	b = append(b, `,"language":`...)
	b = appendJSONString(b, v.Language)
	b = append(b, `,"knocked_at":"`...)
	b = v.KnockedAt.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}}`...)
}

// appendJSONString quotes s as encoding/json does: HTML-safe (<, >, &
// escaped), control characters escaped, invalid UTF-8 replaced by U+FFFD,
// U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
