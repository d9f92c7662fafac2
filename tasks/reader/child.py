"""The reader child: parses received files for its parent, one at a time, until its stdin closes.

Run as `python -m tasks.reader.child MEMORY_BYTES`. It caps its own address space once
and its CPU time per file, so a file that makes a parser allocate without bound (calamine asked
for 549 GB for a 4.8 KB .xlsx) or spin aborts this process, never the intake worker. The parent
(`read.ReaderPool`) sees the child gone and judges the file unreadable.

Protocol, per file: the parent writes one JSON line `{"filename", "size", "limits"}` and `size`
bytes; the child answers with an 8-byte big-endian length and a JSON object, either
`{"sheets": [[name, rows, formulas], ...]}` or `{"error": [code, message]}`. JSON, not pickle: the
parent never executes anything the child sends back.
"""

from __future__ import annotations

import gc
import resource
import sys

import orjson

from tasks.reader.parse import parse
from tasks.reader.sheet import TOO_COMPLEX, Limits, Unreadable


def _cpu_used() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def serve(memory_bytes: int) -> None:
    gc.disable()  # a workbook is ~10⁶ acyclic objects; reference counting frees them all
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while line := stdin.readline():
        request = orjson.loads(line)
        data = stdin.read(request["size"])
        limits = Limits(**request["limits"])
        soft = int(_cpu_used()) + limits.cpu_seconds + 1  # per file: SIGXCPU ends this process past it
        resource.setrlimit(resource.RLIMIT_CPU, (soft if cpu_hard < 0 else min(soft, cpu_hard), cpu_hard))
        try:
            out: dict[str, object] = {
                "sheets": [[s.name, s.rows, s.formulas] for s in parse(data, request["filename"], limits)]
            }
        except Unreadable as e:
            out = {"error": [e.code, str(e)]}
        except MemoryError:
            out = {"error": ["too-complex", TOO_COMPLEX]}
        del data
        payload = orjson.dumps(out)
        del out
        stdout.write(len(payload).to_bytes(8, "big") + payload)
        stdout.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
