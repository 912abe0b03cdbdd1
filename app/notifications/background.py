"""The web app's sender (`serve --send-mail`): the same run as `blaastempel notify send`,
every `interval` seconds on its own thread, so no request ever waits for a mail server."""

from __future__ import annotations

import logging
import threading

from app.notifications.sender import Sender

log = logging.getLogger("blaastempel.notifications")


class BackgroundSender:
    def __init__(self, sender: Sender, interval: float) -> None:
        self.sender = sender
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mail-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_quietly()
            self._stop.wait(self.interval)

    def run_quietly(self) -> None:
        """A failed run (database away) is logged; the mail waits for the next one."""
        try:
            report = self.sender.run()
        except Exception:
            log.exception("mail run failed; pending mail stays pending")
            return
        if report.sent or report.retrying or report.failed:
            log.info("mail: %s", report)
