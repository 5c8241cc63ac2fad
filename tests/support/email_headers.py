"""Reading the bytes of an email as a mail system splits them, and the headers each kind must carry exactly."""

CONTACT_HEADERS = ["From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]
URGENT_CONTACT_HEADERS = [
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "Importance",
    "X-Priority",
    "MIME-Version",
    "Content-Type",
]
CONFIRM_HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]
LIST_HEADERS = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
    "MIME-Version",
    "Content-Type",
]


def header_block(raw):
    return raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]


def header_names(raw):
    """The names of the header lines in `raw`, as any mail system splits them (continuations start with blanks)."""
    lines = header_block(raw).split(b"\n")
    assert all(b":" in line for line in lines if not line[:1].isspace()), lines
    return [line.split(b":", 1)[0].decode() for line in lines if not line[:1].isspace()]
