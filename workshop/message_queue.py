"""The Redis message queue that joins server processes, watched so nobody misses a change.

While Redis is down, no process hears another's events (and, since python-socketio sends
room messages through the queue, not even its own), though commands are still kept and
acknowledged. So each process tells its own clients, bypassing the queue: first
`connection_degraded` (live updates are paused), then, once its listener has subscribed
again, `resync`: every client asks `sync` for what it missed and catches up exactly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import socketio

log = logging.getLogger(__name__)
CHANNEL = "flask-socketio"  # Flask-SocketIO's default, so all processes share one
RETRY_SECONDS = 1.0  # how often a lost queue is tried again: people wait at most this long


class WatchedRedisManager(socketio.RedisManager):
    """python-socketio's Redis manager, telling this process's clients when it loses the
    queue and when it has it back."""

    def __init__(self, url: str) -> None:
        super().__init__(url, channel=CHANNEL)
        self.down = False
        # Told (event, data, room) of each message another process sends this one's sockets.
        self.heard: list[Callable[[str, Any, str | None], None]] = []

    def _handle_emit(self, message: dict) -> None:
        super()._handle_emit(message)
        data = message.get("data")
        if isinstance(data, list) and len(data) == 1:  # as python-socketio reads it
            data = data[0]
        for listener in self.heard:
            listener(message["event"], data, message.get("room"))

    def _redis_listen_with_retries(self) -> Iterator[dict]:
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    self._back_up()
                yield from self.pubsub.listen()
            except Exception as error:  # any failure of the queue: tell, wait, try again
                subscribed = False
                self._lost(error)
                time.sleep(RETRY_SECONDS)

    def _publish(self, data: dict) -> object:
        """As python-socketio's: two attempts; but a message that cannot go out is told."""
        for attempt in (1, 2):
            try:
                if not self.connected:
                    self._redis_connect()
                return self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as error:  # the queue is unreachable, whatever the reason
                self.connected = False
                if attempt == 2:
                    self._lost(error)
        return None

    def _lost(self, error: BaseException) -> None:
        if self.down:
            return
        self.down = True
        log.warning("message queue lost (%s): clients are told live updates are paused", error)
        self._tell_clients("connection_degraded", {"reason": "message_queue"})

    def _back_up(self) -> None:
        if not self.down:
            return
        self.down = False
        log.info("message queue back: clients are told to catch up")
        self._tell_clients("resync", {"reason": "message_queue"})

    def _tell_clients(self, event: str, data: dict) -> None:
        self.server.emit(event, data, namespace="/", ignore_queue=True)
