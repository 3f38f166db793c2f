-- The language of the conversation with the clerk, chosen on the booking
-- page among the service's languages, apart from the language of the
-- messages (lang, the page's language). '' means the same as lang. The
-- ticket created on arrival carries it.
ALTER TABLE appointments ADD COLUMN conversation_lang TEXT NOT NULL DEFAULT '';
