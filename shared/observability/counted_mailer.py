"""A Mailer that counts what it sends and what fails, around the real one."""

from __future__ import annotations

from shared.observability import metrics, names
from shared.ports.mail import Mailer, Notification


class CountedMailer:
    def __init__(self, inner: Mailer) -> None:
        self.inner = inner

    def send(self, notification: Notification) -> bool:
        try:
            sent = self.inner.send(notification)
        except Exception:
            metrics.count(names.NOTIFICATIONS_FAILED, channel=notification.channel)
            raise
        if sent:  # False: this notification was delivered before, nothing new went out
            metrics.count(names.NOTIFICATIONS_SENT, channel=notification.channel)
        return sent
