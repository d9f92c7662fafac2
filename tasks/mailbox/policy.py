"""What the mailbox does with a message, and whom it answers: pure decisions, no I/O.

A bureau's address gets spam, newsletters and bounces; answering them gets its mail server listed
as a spam source (backscatter). So: machines and lists are never answered; a stranger (an address
that is not a unit's current liaison or head) is answered only when the message carries a file,
and then at most once a day; the liaison and head are answered as before. Whose mail it is rests
on the From address, which anyone can forge: in production the mailbox is read only when our own
mail server vouches for senders (DUBAN_IMAP_TRUSTED_AUTHSERV) or ops say the From address is to be
trusted (DUBAN_IMAP_TRUST_FROM=true).
"""

from __future__ import annotations

from enum import StrEnum

from config.settings import Settings
from schemas.mailbox import ACKNOWLEDGED, MailAction
from tasks.intake import Incoming

UNTRUSTED = (
    "生产环境拒绝读取邮箱：未设置 DUBAN_IMAP_TRUSTED_AUTHSERV 时，任何人伪造联络员或负责人的发件地址即可替该单位报送。"
    "请设置 DUBAN_IMAP_TRUSTED_AUTHSERV（本单位邮件服务器在 Authentication-Results 中的名称）；"
    "如确认发件地址可信，可改为设置 DUBAN_IMAP_TRUST_FROM=true"
)
STRANGER = "发件地址不是任何单位登记的联络员或负责人"
NO_FILE_NO_ANSWER = "；邮件未带文件，不予回复"
ANSWERED_TODAY = "；今天已答复过该地址，不再重复答复"


class ReplyKind(StrEnum):
    """The short answer a new message gets (`reply_kind`)."""

    ACK = "ack"  # received, and why it was not filed
    FORGED = "forged"  # to the owner of an address our mail server disowned: none of the sender's words


def trust_problem(settings: Settings) -> str | None:
    """Why the mailbox may not be read with these settings (production, nobody vouching for
    senders, nobody saying the From address is to be trusted), or None."""
    s = settings
    if s.env == "production" and s.imap_host and not s.imap_trusted_authserv and not s.imap_trust_from:
        return UNTRUSTED
    return None


def decide(inc: Incoming, *, too_large: str, unit: str | None, contact: bool, forged: bool) -> tuple[MailAction, str]:
    """(action, reason for ops) of a new message. `unit`: the sender's unit, when its liaison or
    head sent it and our server did not disown it; `contact`: the address is a current liaison's
    or head's (of one unit or of several); `forged`: our server said the From address was not
    the sender's."""
    if inc.automatic:
        return MailAction.IGNORED, inc.automatic + "：不回复"
    if too_large:
        return MailAction.TOO_LARGE, too_large
    if not inc.files:
        why = "邮件中没有可识别的报表附件"
        if inc.others:
            why += "（" + "、".join(f"{n}是{k}" for n, k, _ in inc.others[:5]) + "，不是报表文件）"
        return MailAction.NO_ATTACHMENT, why
    if unit is None:
        return MailAction.HELD, (
            "发件人未通过本单位邮件服务器的验证（DMARC/DKIM/SPF）"
            if forged
            else "发件地址为多个单位共用，无法确定单位"
            if contact
            else STRANGER
        )
    return MailAction.PROCESSING, ""


def reply_kind(
    action: MailAction, inc: Incoming, *, contact: bool, forged: bool, acked_today: int
) -> tuple[ReplyKind | None, str]:
    """Which short answer a new message gets (None: none) and, when none, why (for ops). Only a
    message not filed now is answered so (`ACKNOWLEDGED`): a processed one is answered by its receipt."""
    if action not in ACKNOWLEDGED or not inc.sender:
        return None, ""
    if forged:  # told to the address's owner, who may not have sent it: once a day is enough
        return (ReplyKind.FORGED, "") if not acked_today else (None, ANSWERED_TODAY)
    if contact:  # a liaison's or head's address is answered too, but once a day: forged, it cannot flood them
        return (ReplyKind.ACK, "") if not acked_today else (None, ANSWERED_TODAY)
    carries = bool(inc.files) or (action == MailAction.TOO_LARGE and inc.attached)
    if not carries:
        return None, ("；" + STRANGER if action != MailAction.HELD else "") + NO_FILE_NO_ANSWER
    return (ReplyKind.ACK, "") if not acked_today else (None, ANSWERED_TODAY)
