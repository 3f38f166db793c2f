package consultation

import (
	"encoding/json"
	"strings"
)

// Notice is what a system message says, as a catalogue key and its
// arguments: "Anna Schneider invited an interpreter" reaches each reader
// in their own language, rendered at the edge (web, bridge). The domain
// keeps no sentences.
type Notice struct {
	Key  string            `json:"key"`
	Args map[string]string `json:"args,omitempty"`
}

// System notices of a consultation room.
const (
	NoticeInvited     = "room.notice.invited"      // By, Role, Lang, Who
	NoticeJoined      = "room.notice.joined"       // Role, Lang, Who (older rows: Who only)
	NoticeLeadJoined  = "room.notice.lead_joined"  // Name
	NoticeAdminJoined = "room.notice.admin_joined" // Name
	NoticeAdded       = "room.notice.added"        // By, Name
	NoticeFileDeleted = "room.notice.file_deleted" // By, Name, File (its ID, for the page)
)

// noticePrefix marks a stored system message whose text is a Notice.
const noticePrefix = "notice:"

func encodeNotice(n Notice) string {
	b, _ := json.Marshal(n)
	return noticePrefix + string(b)
}

// withNotice turns a stored system message back into its Notice (older
// rows keep the German text they were written with).
func withNotice(m Message) Message {
	if m.AuthorRole != RoleSystem || !strings.HasPrefix(m.Text, noticePrefix) {
		return m
	}
	var n Notice
	if json.Unmarshal([]byte(strings.TrimPrefix(m.Text, noticePrefix)), &n) == nil && n.Key != "" {
		m.Notice, m.Text = &n, ""
	}
	return m
}

func withNotices(ms []Message) []Message {
	for i := range ms {
		ms[i] = withNotice(ms[i])
	}
	return ms
}
