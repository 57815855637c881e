"""The benchmarks reuse the pipeline fixtures (a real worker, clean coalescing keys)."""

from tests.compliance.conftest import _fresh_queue_keys, start_worker, worker

__all__ = ["_fresh_queue_keys", "start_worker", "worker"]
