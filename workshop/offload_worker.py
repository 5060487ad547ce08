"""The child process heavy work runs in: `python -m workshop.offload_worker`.

It reads jobs from standard input and writes answers to standard output, each a pickle
preceded by its length: a job is `(function, args)` (a module-level function, pickled by
name), an answer `(True, result)` or `(False, exception)`. Only the parent writes here.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import IO, Any

LENGTH = struct.Struct(">Q")


def send(pipe: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(LENGTH.pack(len(data)) + data)
    pipe.flush()


def receive(pipe: IO[bytes]) -> Any:
    """The next message; EOFError when the other side is gone."""
    head = _exactly(pipe, LENGTH.size)
    return pickle.loads(_exactly(pipe, LENGTH.unpack(head)[0]))  # noqa: S301 - our own parent


def _exactly(pipe: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = pipe.read(size - len(data))
        if not chunk:
            raise EOFError("the pipe closed")
        data += chunk
    return data


def main() -> None:
    jobs, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answers
    while True:
        try:
            function, args = receive(jobs)
        except EOFError:
            return
        try:
            answer = (True, function(*args))
        except Exception as error:  # the parent raises it again, as if it ran there
            answer = (False, error)
        send(answers, answer)


if __name__ == "__main__":
    main()
