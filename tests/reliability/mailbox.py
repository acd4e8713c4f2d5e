"""An email backend that appends each message's subject to RELIABILITY_MAILBOX, one line per
message, slowly enough that a test can kill the sender halfway through a batch."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        path = os.environ["RELIABILITY_MAILBOX"]
        for message in email_messages:
            time.sleep(0.03)
            with open(path, "a", encoding="utf-8") as out:
                out.write(message.subject + "\n")
                out.flush()
                os.fsync(out.fileno())
        return len(email_messages)
