"""Whom a received mail is really from: our own mail server's Authentication-Results (RFC 8601),
read as DMARC reads them. Pure: no server."""

from __future__ import annotations

import pytest

from tasks.intake.mailparse import sender_verified

pytestmark = pytest.mark.unit
OURS = "mx.kjj.example.cn"
SENDER = "qinghe.liaison@example.cn"


@pytest.mark.parametrize(
    ("results", "verified"),
    [
        ([f"{OURS}; dmarc=pass (p=none) header.from=example.cn"], True),
        ([f"{OURS} 1; spf=fail smtp.mailfrom=evil.example.com; dkim=pass header.d=example.cn header.s=s1"], True),
        ([f"{OURS};\r\n spf=pass smtp.mailfrom=bounce@mail.example.cn"], True),  # folded; a subdomain aligns
        ([f"{OURS}; dkim=pass header.i=@example.cn"], True),
        ([], False),  # our server said nothing
        ([f"{OURS}; dmarc=fail header.from=example.cn"], False),
        ([f"{OURS}; none"], False),
        ([f"{OURS}; dkim=pass header.d=evil-example.cn"], False),  # not aligned (no dot boundary)
        ([f"{OURS}; dkim=pass header.d=cn"], False),  # a bare suffix aligns with nothing
        ([f"{OURS}; spf=pass smtp.mailfrom=x@evil.example.com"], False),
        (["evil.example.com; dmarc=pass header.from=example.cn"], False),  # someone else's word
        ([f"{OURS}; dmarc=fail", f"{OURS}; dmarc=pass"], False),  # only our first (the one on top) counts
        ([f"{OURS}; dmarc=pass header.from=other.cn"], False),  # it vouched for another From
    ],
)
def test_only_our_servers_first_word_for_an_aligned_domain_counts(results, verified):
    assert sender_verified(results, SENDER, OURS) is verified


def test_no_sender_is_never_verified():
    assert sender_verified([f"{OURS}; dmarc=pass"], "", OURS) is False
