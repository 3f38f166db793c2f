package web

import (
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// noticeKeys are the room notices the catalogue renders; a stored key not
// in this list is shown as nothing rather than as a raw key.
var noticeKeys = map[string]bool{
	consultation.NoticeInvited: true, consultation.NoticeJoined: true, consultation.NoticeLeadJoined: true,
	consultation.NoticeAdminJoined: true, consultation.NoticeAdded: true, consultation.NoticeFileDeleted: true,
}

// roleNames are the invited roles as the invite notice names them.
var roleNames = map[string]string{"interpreter": "room.role.interpreter", "guest": "room.role.guest"}

// renderNotice writes a system message's notice in the reader's language.
func renderNotice(l *i18n.Localizer, m consultation.Message) consultation.Message {
	n := m.Notice
	if n == nil {
		return m
	}
	m.Notice = nil
	if !noticeKeys[n.Key] {
		return m
	}
	args := map[string]any{}
	for k, v := range n.Args {
		args[k] = v
	}
	if n.Key == consultation.NoticeInvited {
		role := n.Args["Role"]
		if key, ok := roleNames[role]; ok {
			role = l.T(key, nil)
		}
		detail := ""
		if lang := n.Args["Lang"]; lang != "" {
			detail += " (" + lang + ")"
		}
		if who := n.Args["Who"]; who != "" {
			detail += " – " + who
		}
		args["Role"], args["Detail"] = role, detail
	}
	m.Text = l.T(n.Key, args)
	return m
}

func renderNotices(l *i18n.Localizer, ms []consultation.Message) []consultation.Message {
	for i := range ms {
		ms[i] = renderNotice(l, ms[i])
	}
	return ms
}
