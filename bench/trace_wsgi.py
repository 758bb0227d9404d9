"""The app as `bench/http.py --trace` serves it: each request's time in Django, taken apart.

Granian loads `bench.trace_wsgi:application` instead of `config.wsgi:application`. For every
request that carries an `X-Bench-Id` header, one JSON line goes to
`$RAPPORT_TRACE_DIR/server-<pid>.jsonl`: when Django started on it (CLOCK_MONOTONIC, the same
clock in every process, so the client's send time can be set beside it), its wall time in the
app, the worker thread's CPU in it, the wall time and count of its SQL statements and cache
calls (and the bytes the cache handed back or was given), whether it wrote to the cache (a
kept page built: a miss), and the time the garbage collector ran inside it.

The client's latency less the app's wall time is what the request spent outside Django:
queued in granian behind the requests before it on the same worker, and the network stack.
Only for the bench: it patches the cache backend's class in this process.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from django.db import connection

from config.wsgi import application as django_application

_local = threading.local()
_out = open(  # noqa: SIM115 - one file per worker for the process's life
    os.path.join(os.environ["RAPPORT_TRACE_DIR"], f"server-{os.getpid()}.jsonl"),
    "a",
    buffering=1,
)


def _record() -> dict[str, Any] | None:
    return getattr(_local, "record", None)


def _timed_cache(name: str) -> None:
    original = getattr(RedisCache, name)

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        record = _record()
        t0 = time.perf_counter()
        value = original(self, *args, **kwargs)
        if record is not None:
            record["cache_ms"] += (time.perf_counter() - t0) * 1000
            record["cache_calls"] += 1
            if name == "set":
                record["sets"] += 1
                record["set_bytes"] += len(args[1]) if isinstance(args[1], str) else 0
            elif isinstance(value, str):
                record["got_bytes"] += len(value)
        return value

    setattr(RedisCache, name, timed)


for _name in ("get", "set"):
    _timed_cache(_name)

_gc_start = [0.0]


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    record = _record()
    if record is None:
        return
    if phase == "start":
        _gc_start[0] = time.perf_counter()
    else:
        record["gc_ms"] += (time.perf_counter() - _gc_start[0]) * 1000
        record["gc_runs"] += 1
        record["gc_gen"] = max(record["gc_gen"], info.get("generation", 0))


gc.callbacks.append(_on_gc)


def _sql(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    record = _record()
    t0 = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        if record is not None:
            record["sql_ms"] += (time.perf_counter() - t0) * 1000
            record["sql_calls"] += 1


def application(environ: dict[str, Any], start_response: Any) -> Any:
    bench_id = environ.get("HTTP_X_BENCH_ID")
    if bench_id is None:
        return django_application(environ, start_response)
    record = _local.record = {
        "id": bench_id,
        "pid": os.getpid(),
        "t_in": time.monotonic(),
        "cache_ms": 0.0,
        "cache_calls": 0,
        "sets": 0,
        "set_bytes": 0,
        "got_bytes": 0,
        "sql_ms": 0.0,
        "sql_calls": 0,
        "gc_ms": 0.0,
        "gc_runs": 0,
        "gc_gen": -1,
    }
    cpu0, t0 = time.thread_time(), time.perf_counter()
    try:
        with connection.execute_wrapper(_sql):
            response = django_application(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                response.close()  # request_finished: the connection's age checked, as always
    finally:
        record["app_ms"] = (time.perf_counter() - t0) * 1000
        record["cpu_ms"] = (time.thread_time() - cpu0) * 1000
        _local.record = None
    record["bytes"] = len(body)
    _out.write(json.dumps(record) + "\n")
    return [body]
