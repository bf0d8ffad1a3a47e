"""The app's memory settings: Arrow allocates through the C library's malloc."""

from __future__ import annotations

import pyarrow as pa

from svcollect import configure_memory


def test_arrow_uses_the_system_allocator_after_configure_memory():
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    configure_memory()
    assert pa.default_memory_pool().backend_name == "system"
    pa.array(["x" * 100] * 10)  # allocating through it works
